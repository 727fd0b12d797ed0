package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code kiln ladder start} refuses bad ladders before it connects to anything (exit 2, the field and its fix). */
class LadderCommandTest {
  private static final String SPEC = Path.of("..", "configs", "tiny-gpt.yaml").toString();
  // nothing listens there: a command that got as far as connecting would fail differently
  private final CliRunner cli = new CliRunner("--address", "127.0.0.1:1", "--s3-endpoint", "http://127.0.0.1:1");

  @Test
  void tooFewBudgetsAndSizesAreRefusedNamingTheFitTheyStarve() {
    CliRunner.Result r = cli.kiln("ladder", "start", SPEC, "--budgets", "1e13", "--sizes", "64,96");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("ladder.budgets: has 1 budget(s); the IsoFLOP fit (approach 2) needs at least 2"), r.err());
    assertTrue(r.err().contains("ladder.sizes: has 2 size(s)"), r.err());
  }

  @Test
  void aGridWhoseLargestRungExceedsItsBudgetIsRefused() {
    CliRunner.Result r = cli.kiln("ladder", "start", SPEC, "--budgets", "1e11,1e13", "--sizes", "64,96,1024");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("rung c1e11-d1024 exceeds its budget"), r.err());
    assertTrue(r.err().contains("raise this budget to at least"), r.err());
  }

  @Test
  void anUnknownShapeAndABadPointAreRefused() {
    CliRunner.Result shape = cli.kiln("ladder", "start", SPEC, "--budgets", "1e13,3e13", "--sizes", "64,96,100");
    assertEquals(2, shape.code(), shape.err());
    assertTrue(shape.err().contains("ladder.sizes[2]: is 100, not a shape the ladder can build"), shape.err());
    CliRunner.Result point = cli.kiln("ladder", "start", SPEC, "--points", "64:lots");
    assertEquals(2, point.code(), point.err());
    assertTrue(point.err().contains("--points '64:lots' is not SIZE:TOKENS"), point.err());
  }
}
