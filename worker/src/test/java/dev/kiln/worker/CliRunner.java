package dev.kiln.worker;

import dev.kiln.worker.cli.KilnCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs `kiln` commands in this JVM with fixed trailing arguments (the endpoints) and captures their output. */
final class CliRunner {
  record Result(int code, String out, String err) {}

  private final String[] trailing;

  CliRunner(String... trailing) {
    this.trailing = trailing;
  }

  Result kiln(String... args) {
    if (System.getProperty("kiln.logDir") == null) { // failures' log files: not in the user's ~/.cache/kiln/logs
      System.setProperty("kiln.logDir", System.getProperty("java.io.tmpdir") + "/kiln-test-logs");
    }
    String[] full = new String[args.length + trailing.length];
    System.arraycopy(args, 0, full, 0, args.length);
    System.arraycopy(trailing, 0, full, args.length, trailing.length);
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
      int code = KilnCli.execute(full);
      return new Result(code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }
}
