package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.workflows.spec.InvalidRunSpecException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad inputs and faults, one row each: the command line must answer with the exit code and first line of the
 * table, in a few lines, without a Java stack trace, without echoing a file's content or a secret, and without
 * changing anything already written (the spec files and the bucket are hashed before and after). The table is
 * the one in docs/errors.md ({@link #main} prints it).
 */
class BadInputTest {
  /** A secret in a .env file that a spec's curation.profile points at: it must never reach the terminal. */
  static final String FAKE_SECRET = "FAKE-SECRET-d41d8cd98f00b204e980";
  /** What fills the 10 MB text file given as a spec. */
  static final String BIG_FILE_LINE = "BIG-FILE-CONTENT the quick brown fox jumps over the lazy dog";

  @TempDir static Path home;
  static Path specs;
  static Path logs;
  static EmbeddedStack stack;
  static ServerSocket silentS3;
  static final List<Socket> silentConnections = new CopyOnWriteArrayList<>();
  static ServerSocket busyPort;
  static int freePort;

  /**
   * One bad input. {@code args} may use {@code {specs}}, {@code {temporal}}, {@code {s3}}, {@code {silent}},
   * {@code {free}} and {@code {busy}}; {@code credentials} are the S3 keys the CLI sees.
   */
  record Case(String group, String name, int exit, String firstLine, String detail, String args, String[] credentials) {
    Case(String group, String name, int exit, String firstLine, String args) {
      this(group, name, exit, firstLine, null, args, GOOD_KEYS);
    }

    Case(String group, String name, int exit, String firstLine, String args, String[] credentials) {
      this(group, name, exit, firstLine, null, args, credentials);
    }

    /** Rejected by the argument parser before any command ran: a usage line instead of a log file. */
    boolean usageError() {
      return firstLine.matches("kiln: (Unmatched|Unknown option|Missing required|Invalid value).*");
    }
  }

  static final String[] GOOD_KEYS = {EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY};
  static final String[] WRONG_SECRET = {EmbeddedStack.ACCESS_KEY, "not-the-secret"};
  static final String[] WRONG_KEY_ID = {"nobody", "not-the-secret"};

  static final String START = "start {specs}/%s --address {temporal} --s3-endpoint {s3} --bucket kiln";
  static final String INVALID = "kiln: invalid run spec .*%s:";

  /** A spec row: the first line names the file, and one of the lines below it {@code detail} (field, problem). */
  static Case spec(String name, String file, String detail) {
    return spec(name, file, String.format(INVALID, Pattern.quote(file)), detail);
  }

  static Case spec(String name, String file, String firstLine, String detail) {
    return new Case("spec", name, 2, firstLine, detail, String.format(START, file), GOOD_KEYS);
  }

  /** Every row; the files they name are written by {@link #writeFiles}. */
  static final List<Case> CASES = List.of(
      spec("spec file does not exist", "nope.yaml",
          "  - \\(file\\): does not exist .*"),
      spec("empty file", "empty.yaml",
          "  - \\(file\\): is empty .*"),
      spec("a directory as spec", "a-directory",
          "  - \\(file\\): is a directory .*"),
      spec("binary file", "binary.yaml",
          "  - \\(file\\): is not a text file \\(binary content on line 1\\) .*"),
      spec("10 MB text file as spec", "big.txt",
          "  - \\(file\\): is \\d+ bytes, too large for a run spec \\(at most 1048576\\) .*"),
      spec("a plain text file (no YAML mapping)", "notes.txt",
          "  - \\(file\\): is not a YAML mapping of fields .*"),
      spec("YAML syntax error", "syntax.yaml",
          "  - \\(yaml\\): is not valid YAML \\(line 16\\) .*"),
      spec("missing field", "missing-field.yaml",
          "  - budget.trainingFlops: is missing .*"),
      spec("missing section", "missing-section.yaml",
          "  - evaluation: is missing .*"),
      spec("unknown field", "unknown-field.yaml",
          "  - colour: is not a known field \\(line 60\\) .*"),
      spec("unknown nested field (typo)", "typo.yaml",
          "  - training.batchSise: is not a known field \\(line 28\\) .*"),
      spec("duplicate key", "duplicate-key.yaml",
          "  - training.batchSize: is given more than once \\(line 29\\) .*"),
      spec("duplicate section", "duplicate-section.yaml",
          "  - tokenizer: is given more than once \\(line 60\\) .*"),
      spec("string for an integer", "string-for-int.yaml",
          "  - training.batchSize: has the wrong type: 'sixteen' is not an integer \\(line 28\\) .*"),
      spec("fraction for an integer", "float-for-int.yaml",
          "  - training.batchSize: has the wrong type: '16.5' is not an integer \\(line 28\\) .*"),
      spec("scalar for a section", "scalar-for-section.yaml",
          "  - tokenizer: has the wrong type: it needs a section of fields \\(TokenizerSpec\\) \\(line 24\\) .*"),
      spec("list for a string", "list-for-string.yaml",
          "  - name: has the wrong type: it needs a string \\(line 3\\) .*"),
      spec("NaN learning rate", "nan.yaml",
          "  - training.learningRate: is .nan, not a finite number .*"),
      spec("infinite budget", "inf.yaml",
          "  - budget.trainingFlops: is .inf, not a finite number .*"),
      spec("negative infinity dropout", "minus-inf.yaml",
          "  - training.dropout: is -.inf, not a finite number .*"),
      spec("negative batch size", "negative-batch.yaml",
          "  - training.batchSize: is -16, outside \\[1, 4096\\] .*"),
      spec("negative learning rate", "negative-lr.yaml",
          "  - training.learningRate: is -0.003, outside \\[1.0E-7, 1\\] .*"),
      spec("unknown task", "unknown-task.yaml",
          "  - useCase.task: is 'poetry', not a known task \\(fix: use one of \\[classification, .*"),
      spec("unknown model strategy", "unknown-strategy.yaml",
          "  - model.strategy: is 'magic' \\(fix: use one of \\[auto, continue, scratch\\]\\)"),
      spec("unknown curation language xx", "language-xx.yaml",
          "  - curation.languages\\[0\\]: is 'xx', a language Kiln cannot curate .* en, es, .*"),
      spec("unknown use-case language", "usecase-language.yaml",
          "  - useCase.languages\\[0\\]: is 'klingon', a language Kiln cannot curate .*"),
      spec("device tpu", "device-tpu.yaml",
          "  - training.device: is 'tpu' \\(fix: use cpu, gpu, gpu:N, .*"),
      spec("device gpu:x", "device-gpu-x.yaml",
          "  - training.device: is 'gpu:x' .*"),
      spec("device gpu:1,1", "device-gpu-twice.yaml",
          "  - training.device: is 'gpu:1,1' .*"),
      spec("very long run name", "long-name.yaml",
          "  - name: is 'TinyTinyTinyTinyTinyTinyTinyTinyTinyTiny\\.\\.\\.' .*"),
      spec("raw prefix outside raw/", "prefix-outside.yaml",
          "  - data.rawPrefixes\\[1\\]: is '../etc/' .*"),
      spec("curation rules given inline", "inline-rules.yaml",
          "  - curation.rules: is given inline \\(line 24\\) .*"),
      spec("profile path to a missing file", "profile-missing.yaml",
          "  - curation.profile: is 'curation/nope.yaml', but .* cannot be read \\(NoSuchFileException\\) .*"),
      spec("profile path to a .env file with a secret", "profile-env.yaml", "kiln: invalid run spec .*\\.env:",
          "  - \\(file\\): is not a curation profile: not a YAML mapping of fields .*"),
      spec("profile path to a directory", "profile-dir.yaml",
          "  - curation.profile: is 'curation', but .* is a directory .*"),
      spec("profile with a duplicate key", "profile-duplicate.yaml", "kiln: invalid run spec .*duplicate-profile\\.yaml:",
          "  - name: is given more than once \\(line 7\\) .*"),
      spec("profile with an unknown step", "profile-step.yaml", "kiln: invalid run spec .*unknown-step-profile\\.yaml:",
          "  - steps\\[3\\]: is not one of the known steps .*"),
      spec("profile is a binary file", "profile-binary.yaml", "kiln: invalid run spec .*binary-profile\\.yaml:",
          "  - \\(file\\): is not a text file \\(binary content on line 1\\) .*"),
      new Case("data", "raw prefix with no objects", 2, String.format(INVALID, "tiny-gpt\\.yaml"),
          "  - data.rawPrefixes\\[0\\]: 'raw/debian-handbook/' holds no objects in bucket kiln .*kiln seed.*",
          String.format(START, "tiny-gpt.yaml"), GOOD_KEYS),

      new Case("arguments", "unknown subcommand", 2, "kiln: Unmatched argument at index 0: 'bogus'", "bogus"),
      new Case("arguments", "unknown option", 2, "kiln: Unknown option: '--bogus'", "status r1 --bogus"),
      new Case("arguments", "missing argument", 2, "kiln: Missing required parameter: '<runId>'", "status"),
      new Case("arguments", "missing required option", 2, "kiln: Missing required option: '--to-step=<step>'", "rollback r1"),
      new Case("arguments", "a learning rate that is not a number", 2, "kiln: Invalid value for positional parameter at index 1 .*", "set-lr r1 fast"),
      new Case("arguments", "--queues bogus", 2, "kiln: --queues: unknown queue 'bogus'; use cpu, gpu or cpu,gpu",
          "worker --queues bogus --address {temporal}"),
      new Case("arguments", "--metrics-port abc", 2, "kiln: Invalid value for option '--metrics-port': 'abc' is not an int",
          "worker --metrics-port abc"),
      new Case("arguments", "--metrics-port 99999", 2, "kiln: --metrics-port 99999 is not a port.*", "worker --metrics-port 99999"),
      new Case("arguments", "schedule without --cron or --interval", 2, "kiln: give exactly one of --cron or --interval",
          "schedule create s1 {specs}/tiny-gpt.yaml --address {temporal}"),
      new Case("arguments", "--s3-endpoint not a URL", 2, "kiln: --s3-endpoint 'ftp:nowhere' is not an http\\(s\\) URL.*",
          "start {specs}/tiny-gpt.yaml --address {temporal} --s3-endpoint ftp:nowhere"),
      new Case("arguments", "--config-file missing", 2, "kiln: --config-file .*nope.toml does not exist.*",
          "status r1 --config-file {specs}/nope.toml"),

      new Case("endpoints", "unreachable --address", 2, "kiln: no Temporal frontend answered at 127\\.0\\.0\\.1:\\d+ within 10 s\\.",
          "kiln: waiting for Temporal at 127\\.0\\.0\\.1:\\d+ \\(up to 10 s\\)\\.\\.\\.", // progress while it waits
          "status r1 --address 127.0.0.1:{free}", GOOD_KEYS),
      new Case("endpoints", "S3 endpoint that accepts connections but never answers", 2,
          "kiln: the S3 endpoint http://127\\.0\\.0\\.1:\\d+ did not answer within 15 s \\(bucket kiln\\)\\.",
          "kiln: waiting for S3 at http://127\\.0\\.0\\.1:\\d+ \\(bucket kiln, up to 15 s\\)\\.\\.\\.",
          "start {specs}/tiny-gpt.yaml --address {temporal} --s3-endpoint http://127.0.0.1:{silent} --bucket kiln", GOOD_KEYS),
      new Case("endpoints", "S3 endpoint where nothing listens", 2,
          "kiln: cannot connect to the S3 endpoint http://127\\.0\\.0\\.1:\\d+ \\(bucket kiln\\) \\(connection refused\\)\\.",
          "start {specs}/tiny-gpt.yaml --address {temporal} --s3-endpoint http://127.0.0.1:{free} --bucket kiln"),
      new Case("endpoints", "wrong S3 secret", 2,
          "kiln: S3 at http://127\\.0\\.0\\.1:\\d+ refused the credentials \\(bucket kiln\\): 403 SignatureDoesNotMatch\\.",
          String.format(START, "tiny-gpt.yaml"), WRONG_SECRET),
      new Case("endpoints", "unknown S3 access key", 2,
          "kiln: S3 at http://127\\.0\\.0\\.1:\\d+ refused the credentials \\(bucket kiln\\): 403.*",
          "seed --address {temporal} --s3-endpoint {s3} --bucket kiln --data-dir {specs}", WRONG_KEY_ID),
      new Case("endpoints", "status of a run that does not exist", 2, "kiln: no run NOPE on 127\\.0\\.0\\.1:\\d+ namespace default\\.",
          "status NOPE --address {temporal}"),
      new Case("endpoints", "cancel of a run that does not exist", 2, "kiln: no run NOPE on 127\\.0\\.0\\.1:\\d+ namespace default\\.",
          "cancel NOPE --address {temporal}"),
      new Case("endpoints", "pause of a run that does not exist", 2, "kiln: no run NOPE on 127\\.0\\.0\\.1:\\d+ namespace default\\.",
          "pause NOPE --address {temporal}"),
      new Case("endpoints", "watch of a run that does not exist", 2, "kiln: no run NOPE on 127\\.0\\.0\\.1:\\d+ namespace default\\.",
          "watch NOPE --address {temporal}"),
      new Case("endpoints", "activities of a run that does not exist", 2, "kiln: no run NOPE on 127\\.0\\.0\\.1:\\d+ namespace default\\.",
          "activities NOPE --address {temporal}"),
      new Case("endpoints", "schedule create on the in-JVM server", 2,
          "kiln: Temporal at 127\\.0\\.0\\.1:\\d+ has no Schedules .*",
          "schedule create s1 {specs}/tiny-gpt.yaml --cron 0 --address {temporal}"),
      new Case("endpoints", "list on the in-JVM server", 2, "kiln: kiln list needs visibility queries.*", "list --address {temporal}"),
      new Case("endpoints", "busy port for kiln storage --port", 2,
          "kiln: port \\d+ is already in use \\(kiln storage\\)\\.", "storage --port {busy} --dir {home}/storage"),
      new Case("endpoints", "busy port for kiln worker --metrics-port", 2,
          "kiln: port \\d+ is already in use \\(kiln worker\\)\\.", "worker --metrics-port {busy} --address {temporal}"),
      new Case("models", "generate from a model that is nowhere", 2,
          "kiln: MODEL 'nope' is not a directory, and the home .* has no storage \\(no s3/\\): .*--s3-endpoint.*",
          "generate nope --prompt x --home {home}/no-home"),
      new Case("models", "generate from a directory that is no model", 2,
          "kiln: .*a-directory has no config\\.json: a model directory Kiln saved holds config\\.json,"
              + " model\\.safetensors and tokenizer\\.json .*",
          "generate {specs}/a-directory --prompt x"),
      new Case("models", "negative temperature", 2,
          "kiln: --temperature must be a finite number >= 0 \\(0: greedy\\), got -1\\.0",
          "generate {specs}/a-directory --prompt x --temperature -1"),
      new Case("models", "evaluate on a text file that does not exist", 2,
          "kiln: --text .*none\\.txt is not a file", "evaluate {specs}/a-directory --text {specs}/none.txt"));

  /** Rows against a real Temporal server (the CLI's dev server, if ~/.cache/kiln/bin/temporal is there). */
  static final List<Case> REAL_SERVER_CASES = List.of(
      new Case("real server", "schedule id that is taken", 2,
          "kiln: schedule taken already exists on 127\\.0\\.0\\.1:\\d+ namespace default\\. Fix: use a new id, or delete it.*",
          "schedule create taken {specs}/tiny-gpt.yaml --interval PT12H --paused --address {real}"),
      new Case("real server", "schedule that does not exist", 2,
          "kiln: no schedule nope on 127\\.0\\.0\\.1:\\d+ namespace default\\. Fix: .*kiln schedule list.*",
          "schedule describe nope --address {real}"),
      new Case("real server", "invalid cron expression", 2,
          "kiln: Temporal at 127\\.0\\.0\\.1:\\d+ namespace default refused the schedule: .*Fix: check --cron.*",
          "schedule create bad-cron {specs}/tiny-gpt.yaml --cron bogus --paused --address {real}"),
      new Case("real server", "namespace that does not exist", 2,
          "kiln: namespace not found on 127\\.0\\.0\\.1:\\d+ namespace bogus .*", "status NOPE --namespace bogus --address {real}"),
      new Case("real server", "run that does not exist", 2,
          "kiln: no run NOPE on 127\\.0\\.0\\.1:\\d+ namespace default\\.", "status NOPE --address {real}"),
      new Case("real server", "malformed visibility query", 2,
          "kiln: Temporal at 127\\.0\\.0\\.1:\\d+ namespace default refused the request \\(INVALID_ARGUMENT: .*",
          "list --query bogus= --address {real}"));

  static final Path TEMPORAL_CLI = Path.of(System.getProperty("user.home"), ".cache", "kiln", "bin", "temporal");
  static Process realServer;
  static String realAddress;

  /** Starts the CLI's dev server on free ports with its own database under the test's directory. */
  static void startRealServer() throws Exception {
    int port = EmbeddedStack.freePort();
    int ui = EmbeddedStack.freePort();
    Path dir = Files.createDirectories(home.resolve("temporal"));
    realServer = new ProcessBuilder(TEMPORAL_CLI.toString(), "server", "start-dev", "--ip", "127.0.0.1",
        "--port", Integer.toString(port), "--ui-port", Integer.toString(ui), "--db-filename", dir.resolve("t.db").toString(),
        "--log-level", "error").redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
    realAddress = "127.0.0.1:" + port;
    try (TemporalConnection c = TemporalConnection.connectReachable(
        dev.kiln.worker.ConnectionSettings.local(realAddress, "default"), null, java.time.Duration.ofSeconds(60), null)) {
      // up
    }
    CliRunner.Result created = run(new Case("setup", "a schedule to collide with", 0, "", 
        "schedule create taken {specs}/tiny-gpt.yaml --interval PT12H --paused --address {real}"));
    assertEquals(0, created.code(), created.err());
  }

  static void stopRealServer() throws InterruptedException {
    if (realServer != null) {
      realServer.destroy();
      if (!realServer.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        realServer.destroyForcibly();
      }
      realServer = null;
    }
  }

  @TestFactory
  Stream<DynamicTest> againstARealTemporalServer() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(TEMPORAL_CLI), "no Temporal CLI at " + TEMPORAL_CLI);
    startRealServer();
    List<DynamicTest> tests = new ArrayList<>();
    for (Case c : REAL_SERVER_CASES) {
      tests.add(DynamicTest.dynamicTest(c.group() + ": " + c.name(), () -> {
        Map<String, String> before = hashes();
        check(c, run(c));
        assertEquals(before, hashes(), "nothing already written changes");
      }));
    }
    tests.add(DynamicTest.dynamicTest("stop the server", BadInputTest::stopRealServer));
    return tests.stream();
  }

  @BeforeAll
  static void setUp() throws IOException {
    specs = Files.createDirectories(home.resolve("specs"));
    logs = home.resolve("logs"); // outside what is hashed: every failure adds a log file
    System.setProperty("kiln.logDir", logs.toString());
    writeFiles();
    stack = EmbeddedStack.start(home.resolve("s3"), 0, 0);
    try (ObjectStore store = new ObjectStore(stack.storage("kiln"))) {
      store.ensureBucket(); // an empty bucket: the spec's raw prefixes hold nothing
    }
    silentS3 = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(() -> {
      while (!silentS3.isClosed()) {
        try {
          silentConnections.add(silentS3.accept()); // accepted, never read, never answered
        } catch (IOException closed) {
          return;
        }
      }
    }, "silent-s3");
    accept.setDaemon(true);
    accept.start();
    busyPort = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    freePort = EmbeddedStack.freePort();
  }

  @AfterAll
  static void tearDown() throws IOException, InterruptedException {
    stopRealServer();
    System.clearProperty("kiln.logDir");
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
    silentS3.close();
    for (Socket s : silentConnections) {
      s.close();
    }
    busyPort.close();
    if (stack != null) {
      stack.close();
    }
  }

  static void writeFiles() throws IOException {
    String ok = Files.readString(Path.of("..", "configs", "tiny-gpt.yaml"));
    String profile = Files.readString(Path.of("..", "configs", "curation", "english-web.yaml"));
    Files.createDirectories(specs.resolve("curation"));
    Files.writeString(specs.resolve("curation/english-web.yaml"), profile);
    Files.writeString(specs.resolve("tiny-gpt.yaml"), ok);
    Files.writeString(specs.resolve("empty.yaml"), "");
    Files.createDirectories(specs.resolve("a-directory"));
    byte[] binary = new byte[4096];
    new java.util.Random(7).nextBytes(binary);
    Files.write(specs.resolve("binary.yaml"), binary);
    Files.write(specs.resolve("curation/binary-profile.yaml"), binary);
    StringBuilder big = new StringBuilder();
    while (big.length() < 10 << 20) {
      big.append(BIG_FILE_LINE).append('\n');
    }
    Files.writeString(specs.resolve("big.txt"), big);
    Files.writeString(specs.resolve("notes.txt"), BIG_FILE_LINE + " and more notes on a single line\n");
    Files.writeString(specs.resolve("syntax.yaml"), ok.replace("rawPrefixes: [raw/debian-handbook/, raw/gutenberg/]",
        "rawPrefixes: [raw/debian-handbook/, raw/gutenberg/"));
    Files.writeString(specs.resolve("missing-field.yaml"), ok.replace("  trainingFlops: 1.0e13", "  # no flops"));
    Files.writeString(specs.resolve("missing-section.yaml"), ok.replaceAll("(?s)evaluation:.*?resilience:", "resilience:"));
    Files.writeString(specs.resolve("unknown-field.yaml"), ok + "colour: blue\n");
    Files.writeString(specs.resolve("typo.yaml"), ok.replace("  batchSize: 16", "  batchSise: 16"));
    Files.writeString(specs.resolve("duplicate-key.yaml"), ok.replace("  batchSize: 16\n", "  batchSize: 16\n  batchSize: 32\n"));
    Files.writeString(specs.resolve("duplicate-section.yaml"), ok + "tokenizer:\n  vocabSize: 8192\n");
    Files.writeString(specs.resolve("string-for-int.yaml"), ok.replace("  batchSize: 16", "  batchSize: sixteen"));
    Files.writeString(specs.resolve("float-for-int.yaml"), ok.replace("  batchSize: 16", "  batchSize: 16.5"));
    Files.writeString(specs.resolve("scalar-for-section.yaml"), ok.replace("tokenizer:\n  vocabSize: 4096", "tokenizer: 4096"));
    Files.writeString(specs.resolve("list-for-string.yaml"), ok.replace("name: tiny-gpt", "name: [tiny, gpt]"));
    Files.writeString(specs.resolve("nan.yaml"), ok.replace("  learningRate: 0.003", "  learningRate: .nan"));
    Files.writeString(specs.resolve("inf.yaml"), ok.replace("trainingFlops: 1.0e13", "trainingFlops: .inf"));
    Files.writeString(specs.resolve("minus-inf.yaml"), ok.replace("dropout: 0.0", "dropout: -.inf"));
    Files.writeString(specs.resolve("negative-batch.yaml"), ok.replace("  batchSize: 16", "  batchSize: -16"));
    Files.writeString(specs.resolve("negative-lr.yaml"), ok.replace("  learningRate: 0.003", "  learningRate: -0.003"));
    Files.writeString(specs.resolve("unknown-task.yaml"), ok.replace("task: generation", "task: poetry"));
    Files.writeString(specs.resolve("unknown-strategy.yaml"), ok.replace("strategy: auto", "strategy: magic"));
    Files.writeString(specs.resolve("language-xx.yaml"), ok.replace("  languages: [en]\n  minLanguageConfidence",
        "  languages: [xx]\n  minLanguageConfidence"));
    Files.writeString(specs.resolve("usecase-language.yaml"), ok.replaceFirst("languages: \\[en\\]", "languages: [klingon]"));
    Files.writeString(specs.resolve("device-tpu.yaml"), ok.replace("device: cpu", "device: tpu"));
    Files.writeString(specs.resolve("device-gpu-x.yaml"), ok.replace("device: cpu", "device: gpu:x"));
    Files.writeString(specs.resolve("device-gpu-twice.yaml"), ok.replace("device: cpu", "device: gpu:1,1"));
    Files.writeString(specs.resolve("long-name.yaml"), ok.replace("name: tiny-gpt", "name: " + "Tiny".repeat(500)));
    Files.writeString(specs.resolve("prefix-outside.yaml"), ok.replace("raw/gutenberg/", "../etc/"));
    Files.writeString(specs.resolve("inline-rules.yaml"), ok.replace("  minLanguageConfidence: 0.65",
        "  minLanguageConfidence: 0.65\n  rules: {}"));
    Files.writeString(specs.resolve("profile-missing.yaml"), ok.replace("curation/english-web.yaml", "curation/nope.yaml"));
    Files.writeString(specs.resolve(".env"), "AWS_ACCESS_KEY_ID=kiln\nAWS_SECRET_ACCESS_KEY=" + FAKE_SECRET + "\n");
    Files.writeString(specs.resolve("profile-env.yaml"), ok.replace("curation/english-web.yaml", ".env"));
    Files.writeString(specs.resolve("profile-dir.yaml"), ok.replace("curation/english-web.yaml", "curation"));
    Files.writeString(specs.resolve("curation/duplicate-profile.yaml"), profile.replace("name: english-web",
        "name: english-web\nname: english-web-2"));
    Files.writeString(specs.resolve("profile-duplicate.yaml"), ok.replace("english-web.yaml", "duplicate-profile.yaml"));
    Files.writeString(specs.resolve("curation/unknown-step-profile.yaml"), profile.replace("- c4:", "- c5:"));
    Files.writeString(specs.resolve("profile-step.yaml"), ok.replace("english-web.yaml", "unknown-step-profile.yaml"));
    Files.writeString(specs.resolve("profile-binary.yaml"), ok.replace("english-web.yaml", "binary-profile.yaml"));
    Files.createDirectories(specs.resolve("raw")); // for kiln seed --data-dir: an empty corpus
    Files.createDirectories(specs.resolve("lists/ldnoobw"));
  }

  @TestFactory
  Stream<DynamicTest> everyBadInputIsAFewLinesWithTheFix() {
    return CASES.stream().map(c -> DynamicTest.dynamicTest(c.group() + ": " + c.name(), () -> {
      Map<String, String> before = hashes();
      CliRunner.Result result = run(c);
      check(c, result);
      assertEquals(before, hashes(), "nothing already written changes");
    }));
  }

  static CliRunner.Result run(Case c) {
    System.setProperty("aws.accessKeyId", c.credentials()[0]);
    System.setProperty("aws.secretAccessKey", c.credentials()[1]);
    System.setProperty("aws.region", "us-east-1");
    String args = c.args()
        .replace("{specs}", specs.toString())
        .replace("{home}", home.toString())
        .replace("{temporal}", stack.temporalAddress())
        .replace("{s3}", stack.s3Endpoint().toString())
        .replace("{silent}", Integer.toString(silentS3.getLocalPort()))
        .replace("{free}", Integer.toString(freePort))
        .replace("{busy}", Integer.toString(busyPort.getLocalPort()))
        .replace("{real}", String.valueOf(realAddress));
    return new CliRunner().kiln(args.split(" "));
  }

  /** The assertions of one row; {@link #theAssertionsCanFail} shows each of them tripping. */
  static void check(Case c, CliRunner.Result result) throws IOException {
    String output = result.out() + result.err();
    String context = c.name() + "; output:\n" + output;
    assertEquals(c.exit(), result.code(), "exit code of " + context);
    List<String> lines = result.err().lines().filter(l -> !l.startsWith("kiln: waiting for ")).toList();
    assertFalse(lines.isEmpty(), "a message on stderr: " + context);
    assertTrue(Pattern.compile(c.firstLine()).matcher(lines.get(0)).matches(),
        "first line matches /" + c.firstLine() + "/: " + context);
    if (c.detail() != null) {
      assertTrue(result.err().lines().anyMatch(l -> Pattern.compile(c.detail()).matcher(l).matches()),
          "a line matches /" + c.detail() + "/: " + context);
    }
    assertFalse(output.contains("\tat ") || output.contains("Exception in thread") || output.contains("Caused by:"),
        "no stack trace: " + context);
    assertFalse(output.contains(FAKE_SECRET), "no secret: " + context);
    assertFalse(output.contains(BIG_FILE_LINE), "no file content: " + context);
    assertTrue(lines.size() <= 12 && output.length() <= 3000, "a few lines: " + context);
    assertTrue(lines.stream().allMatch(l -> l.length() <= 600), "no line longer than 600 characters: " + context);
    List<String> details = lines.stream().filter(l -> l.startsWith("  details: ")).toList();
    if (!c.usageError()) { // a command that ran and failed: its stack trace is in the log file it names
      assertEquals(1, details.size(), "names its log file: " + context);
      Path log = Path.of(details.get(0).substring("  details: ".length()).replace(" (or run with --verbose)", ""));
      assertTrue(Files.readString(log).contains("\tat "), "the log file " + log + " holds the stack trace");
    }
  }

  /** Paths and SHA-256 of every file under the spec directory and the storage directory. */
  static Map<String, String> hashes() {
    Map<String, String> out = new TreeMap<>();
    for (Path root : List.of(specs, home.resolve("s3"))) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          out.put(f.toString(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
    return out;
  }

  /** Each assertion of {@link #check} fails on an output that breaks it. */
  @Test
  void theAssertionsCanFail() throws IOException {
    Case c = CASES.stream().filter(x -> x.name().equals("NaN learning rate")).findFirst().orElseThrow();
    CliRunner.Result good = run(c);
    check(c, good);
    String err = good.err();
    List<Function<CliRunner.Result, CliRunner.Result>> breakages = List.of(
        r -> new CliRunner.Result(1, r.out(), r.err()),
        r -> new CliRunner.Result(r.code(), r.out(), "error: " + r.err()),
        r -> new CliRunner.Result(r.code(), r.out(), r.err() + "java.lang.IllegalStateException: x\n\tat a.b.C.d(C.java:1)\n"),
        r -> new CliRunner.Result(r.code(), r.out(), r.err() + "  - (root): AWS_SECRET_ACCESS_KEY=" + FAKE_SECRET + "\n"),
        r -> new CliRunner.Result(r.code(), r.out() + BIG_FILE_LINE + "\n", r.err()),
        r -> new CliRunner.Result(r.code(), r.out(), r.err() + "line\n".repeat(20)),
        r -> new CliRunner.Result(r.code(), r.out(), err.replaceAll("(?m)^  details: .*$", "")));
    for (Function<CliRunner.Result, CliRunner.Result> breakage : breakages) {
      CliRunner.Result broken = breakage.apply(good);
      assertThrows(AssertionError.class, () -> check(c, broken), "should fail on:\n" + broken.err());
    }
    Map<String, String> before = hashes();
    Files.writeString(specs.resolve("tiny-gpt.yaml"), Files.readString(specs.resolve("tiny-gpt.yaml")) + "\n");
    try {
      assertThrows(AssertionError.class, () -> assertEquals(before, hashes()));
    } finally {
      Files.writeString(specs.resolve("tiny-gpt.yaml"), Files.readString(Path.of("..", "configs", "tiny-gpt.yaml")));
    }
  }

  /** A GPU that this machine lacks (training.device gpu:7) is refused before a run starts in this JVM. */
  @Test
  void aGpuThisMachineLacksIsRefusedByTheLocalPreflight() {
    var spec = RunSpecLoader.parse(read("..", "configs", "tiny-gpt.yaml").replace("device: cpu", "device: gpu:7")
        .getBytes(StandardCharsets.UTF_8), "gpu7.yaml", Path.of("..", "configs").toAbsolutePath());
    InvalidRunSpecException e = assertThrows(InvalidRunSpecException.class, () -> Preflight.checkLocalDevices(spec, "gpu7.yaml"));
    assertTrue(e.getMessage().contains("training.device: is 'gpu:7' but this worker sees"), e.getMessage());
  }

  private static String read(String first, String... more) {
    try {
      return Files.readString(Path.of(first, more));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Function<String, String> tidyFunction = Function.identity();

  private static String tidy(String text) {
    String t = tidyFunction.apply(text);
    return t.length() > 200 ? t.substring(0, 200) + "..." : t;
  }

  /** Prints the table of docs/errors.md from a run of every row: case, exit code, first line. */
  public static void main(String[] args) throws Exception {
    home = Files.createTempDirectory("bad-input");
    setUp();
    try {
      List<String> rows = new ArrayList<>();
      rows.add("| group | case | exit | first line, and the line naming the field (or the progress line) |");
      rows.add("|---|---|---|---|");
      Function<String, String> tidy0 = text -> text.replace(home.toString(), "<tmp>")
          .replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:<port>").replaceAll("port \\d+", "port <port>").replace("|", "\\|");
      tidyFunction = tidy0;
      List<Case> all = new ArrayList<>(CASES);
      if (Files.isExecutable(TEMPORAL_CLI)) {
        startRealServer();
        all.addAll(REAL_SERVER_CASES);
      }
      for (Case c : all) {
        CliRunner.Result r = run(c);
        List<String> errLines = r.err().lines().filter(l -> !l.startsWith("kiln: waiting for ")).toList();
        String first = errLines.isEmpty() ? "" : errLines.get(0);
        String detail = c.detail() == null ? "" : r.err().lines()
            .filter(l -> Pattern.compile(c.detail()).matcher(l).matches()).findFirst().orElse("(no match)");
        rows.add("| " + c.group() + " | " + c.name() + " | " + r.code() + " | `" + tidy(first) + "`"
            + (detail.isEmpty() ? "" : "<br>`" + tidy(detail.strip()) + "`") + " |");
      }
      rows.forEach(System.out::println);
    } finally {
      tearDown();
    }
  }
}
