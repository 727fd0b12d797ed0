package dev.kiln.activities.curation;

import static dev.kiln.activities.curation.CurationFixtures.WHITESPACE_TOKENS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.workflows.curation.StepStats;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExactDeduplicatorTest {

  @Test
  void keepsTheFirstCopyIgnoringCaseAndWhitespace() {
    ExactDeduplicator dedup = new ExactDeduplicator(WHITESPACE_TOKENS);
    assertTrue(dedup.offer(new Document("shard-0/a", "Hello  world,\nagain")));
    assertFalse(dedup.offer(new Document("shard-1/b", "hello world, AGAIN ")));
    assertTrue(dedup.offer(new Document("shard-1/c", "hello world, once more")));
    assertEquals(
        new StepStats(ExactDeduplicator.NAME, 3, 2, 10, 7, Map.of(ExactDeduplicator.DUPLICATE, 1L), dedup.stats().nanos()),
        dedup.stats());
  }
}
