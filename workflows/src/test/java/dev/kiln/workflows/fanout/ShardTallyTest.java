package dev.kiln.workflows.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.workflows.curation.ShardResult;
import dev.kiln.workflows.curation.StepStats;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShardTallyTest {
  private static ShardResult shard(int index, long kept, long dropped) {
    return new ShardResult(index, "o", "s", "d", kept, List.of(
        new StepStats("decode", kept + dropped, kept + dropped, 10, 10, Map.of(), 5),
        new StepStats("gopherQuality", kept + dropped, kept, 10, 7, Map.of("gopher_short", dropped), 7)));
  }

  @Test
  void addsShardsDocumentsAndEachStepsStatsInStepOrder() {
    ShardTally tally = ShardTally.NONE.plus(ShardTally.of(shard(0, 3, 1))).plus(ShardTally.of(shard(1, 5, 2)));
    assertEquals(2, tally.shards());
    assertEquals(8, tally.documentsKept());
    assertEquals(List.of("decode", "gopherQuality"), tally.steps().stream().map(StepStats::step).toList());
    assertEquals(new StepStats("gopherQuality", 11, 8, 20, 14, Map.of("gopher_short", 3L), 14), tally.steps().get(1));
  }

  @Test
  void addingTalliesInAnyGroupingGivesTheSameTotal() {
    ShardTally a = ShardTally.of(shard(0, 3, 1));
    ShardTally b = ShardTally.of(shard(1, 5, 2));
    ShardTally c = ShardTally.of(shard(2, 0, 4));
    assertEquals(a.plus(b).plus(c), a.plus(b.plus(c)));
    assertEquals(a, ShardTally.NONE.plus(a));
  }
}
