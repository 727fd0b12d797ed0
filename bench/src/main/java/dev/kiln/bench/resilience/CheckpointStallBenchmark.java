package dev.kiln.bench.resilience;

import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.storage.StorageSettings;
import dev.kiln.activities.tokenizer.TokenManifest;
import dev.kiln.activities.tokenizer.TokenShards;
import dev.kiln.activities.training.TrainingActivitiesImpl;
import dev.kiln.worker.cli.Paths;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.worker.embedded.LocalS3;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.SegmentRequest;
import dev.kiln.workflows.training.SegmentResult;
import dev.kiln.workflows.training.TrainingActivities;
import dev.kiln.workflows.training.TrainingConfig;
import io.temporal.activity.ActivityOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What checkpointing costs the training loop: the same segment of a 3 M-parameter model trained with
 * checkpoints uploaded in the background (async) and inline (sync), alternating, against S3 (s3proxy over a
 * temporary directory). Prints the stall (time the loop spent on checkpoints) as a share of training time, and
 * checkpoint MB/s. Run by bench/resilience/run.sh; arguments: [steps] [checkpointEvery] [repetitions].
 */
public final class CheckpointStallBenchmark {
  public static void main(String[] args) throws Exception {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 120;
    int every = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    int repetitions = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    Path dir = Files.createTempDirectory("kiln-stall-bench");
    try (LocalS3 s3 = LocalS3.start(dir, EmbeddedStack.freePort());
        ObjectStore store = new ObjectStore(new StorageSettings(
            s3.endpoint(), "bench", "us-east-1", EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY))) {
      store.ensureBucket();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
      writeCorpus(store);
      ModelShape shape = new ModelShape(257, 64, 256, 4, 4);
      TestActivityEnvironment env = TestActivityEnvironment.newInstance();
      env.registerActivitiesImplementations(new TrainingActivitiesImpl(store));
      TrainingActivities activities = env.newActivityStub(TrainingActivities.class, ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofHours(2)).setHeartbeatTimeout(Duration.ofMinutes(5)).build());
      List<String> rows = new ArrayList<>();
      int run = 0;
      for (int r = 0; r < repetitions; r++) {
        for (boolean async : new boolean[] {true, false}) {
          TrainingConfig config = new TrainingConfig(shape, Objective.CLM, 8, steps, 1e-3, 1e-4, 10, 0.1, 1.0, 0.0, 7, every, "cpu",
              "bench/corpus/manifest.json", null);
          SegmentResult result = activities.trainSegment(new SegmentRequest(
              "stall-" + (run++), config, null, steps, 0, List.of(), List.of(), 0, 50, async, 3600, 1));
          double stall = 100.0 * result.stallNanos() / result.trainNanos();
          double megabytesPerSecond = result.uploadedBytes() / 1e6 / (result.uploadNanos() / 1e9);
          String row = String.format(Locale.ROOT,
              "%-5s stopped by %s at step %d; checkpoints=%d of %.1f MB  stall %.2f%% of %.1f s training  upload %.1f MB/s  %,.0f tokens/s",
              async ? "async" : "sync", result.stoppedBy(), result.endStep(), result.checkpoints().size(),
              result.uploadedBytes() / 1e6 / Math.max(1, result.checkpoints().size()), stall,
              result.trainNanos() / 1e9, megabytesPerSecond, result.tokensPerSecond());
          System.out.println(row);
          rows.add((async ? "async" : "sync") + " stall_percent=" + stall + " mb_per_s=" + megabytesPerSecond);
        }
      }
      env.close();
      rows.forEach(System.out::println);
    }
    System.exit(0); // a library's non-daemon timer thread would keep the JVM, and bench/resilience/run.sh, waiting
  }

  private static void deleteTree(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      // a temporary directory: left for the OS
    }
  }

  private static void writeCorpus(ObjectStore store) throws Exception {
    byte[] text = Files.readAllBytes(Paths.dataDir(null).resolve("raw/gutenberg/carroll-alice.txt"));
    int[] tokens = new int[text.length];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = text[i] & 0xff;
    }
    TokenShards train = new TokenShards("train", 257, 256, 1 << 16, (file, bytes) -> store.put("bench/corpus/" + file, bytes));
    train.addDocument(tokens);
    TokenManifest manifest = new TokenManifest(TokenManifest.UINT16, 257, 256, train.finish(), List.of());
    store.put("bench/corpus/manifest.json", manifest.toJson().getBytes(StandardCharsets.UTF_8));
  }
}
