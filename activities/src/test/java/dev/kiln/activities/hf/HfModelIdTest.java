package dev.kiln.activities.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Model ids are checked as the Hub names repositories, before any request and before any cache path is built. */
class HfModelIdTest {
  @Test
  void anIdWithoutRevisionIsAtMain() {
    HfModelId id = HfModelId.parse("openai-community/gpt2");
    assertEquals("openai-community", id.namespace());
    assertEquals("gpt2", id.name());
    assertEquals("main", id.revision());
    assertEquals("models--openai-community--gpt2", id.cacheFolderName());
    assertEquals("openai-community/gpt2@main", id.toString());
    assertFalse(id.isCommit());
  }

  @Test
  void aLegacyIdHasNoNamespace() {
    HfModelId id = HfModelId.parse("gpt2@v1.0");
    assertNull(id.namespace());
    assertEquals("gpt2", id.repoId());
    assertEquals("v1.0", id.revision());
    assertEquals("models--gpt2", id.cacheFolderName());
  }

  @Test
  void aCommitAndAPullRequestRefAreRevisions() {
    String sha = "0123456789abcdef0123456789abcdef01234567";
    assertTrue(HfModelId.parse("org/m@" + sha).isCommit());
    assertEquals("refs/pr/12", HfModelId.parse("org/m@refs/pr/12").revision());
    assertEquals("Foo-BAR_foo.bar123", HfModelId.parse("a_b/Foo-BAR_foo.bar123").name());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "datasets/foo/bar | more than one '/'",
      ".repo | cannot start or end with '-' or '.'",
      "org/name- | cannot start or end with '-' or '.'",
      "foo--bar | contains '--' or '..'",
      "org/a..b | contains '--' or '..'",
      "org/foo.git | ends with .git",
      "org/na me | use letters, digits",
      "org/ | the org or the name is empty",
      "/name | the org or the name is empty",
      "org/naïve | use letters, digits"})
  void aBadIdIsRefusedWithTheReason(String text, String reason) {
    HfHubException e = assertThrows(HfHubException.class, () -> HfModelId.parse(text));
    assertTrue(e.getMessage().contains("'" + text.split("@")[0] + "' is invalid"), e.getMessage());
    assertTrue(e.getMessage().contains(reason), e.getMessage());
    assertTrue(e.getMessage().contains("Fix:"), e.getMessage());
  }

  @Test
  void aNameLongerThan96IsRefused() {
    assertEquals(96, HfModelId.parse("org/" + "a".repeat(96)).name().length());
    HfHubException e = assertThrows(HfHubException.class, () -> HfModelId.parse("org/" + "a".repeat(97)));
    assertTrue(e.getMessage().contains("longer than 96"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"org/m@", "org/m@../../etc", "org/m@/abs", "org/m@a b", "org/m@x\\y", "org/m@refs//x",
      "org/m@.hidden", "org/m@a/.b"})
  void aRevisionThatCouldLeaveTheCacheIsRefused(String text) {
    HfHubException e = assertThrows(HfHubException.class, () -> HfModelId.parse(text));
    assertTrue(e.getMessage().contains("revision"), e.getMessage());
  }

  @Test
  void anEmptyIdSaysHowToWriteOne() {
    HfHubException e = assertThrows(HfHubException.class, () -> HfModelId.parse("  "));
    assertTrue(e.getMessage().contains("org/name@revision"), e.getMessage());
  }
}
