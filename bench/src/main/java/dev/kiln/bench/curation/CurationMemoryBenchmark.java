package dev.kiln.bench.curation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.activities.curation.CurationActivitiesImpl;
import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.KilnWorker;
import dev.kiln.worker.cli.Paths;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.curation.CurationRequest;
import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.curation.CurationWorkflow;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Curates the spec's corpora and a corpus N times larger ({@link SyntheticCorpus}) through the real curation workflow
 * and activities (Temporal dev server, s3proxy, one worker in this JVM with {@code --curation-slots} slots) and prints,
 * per activity kind and corpus size, the peak live heap ({@link ActivityHeapSampler}) and the time, then wall time
 * against corpus size. Run with the same {@code -Xmx} and shard size for every size: bench/curation/run-memory.sh.
 * {@code -DdocumentsPerShard} overrides the spec's (the script sets 400, so that 20 copies stay within the direct
 * fan-out's 256 shards, whose global stage is the partitioned one).
 *
 * <p>Usage: {@code CurationMemoryBenchmark SPEC WORK_DIR SIZE...}, sizes as multiples of the corpus (e.g. 1 20).
 */
public final class CurationMemoryBenchmark {
  private static final long MIB = 1 << 20;

  record Measurement(int size, long rawDocuments, long keptDocuments, long rawBytes, double seconds, long baselineBytes,
      Map<String, ActivityHeapSampler.Kind> kinds) {}

  public static void main(String[] args) throws Exception {
    RunSpec bundled = RunSpecLoader.load(Path.of(args[0]));
    Path work = Path.of(args[1]);
    List<Integer> sizes = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      sizes.add(Integer.parseInt(args[i]));
    }
    int largest = sizes.stream().mapToInt(Integer::intValue).max().orElseThrow();
    int slots = Integer.getInteger("curationSlots", 1);
    Path data = Paths.dataDir(null);
    Path corpus = generated(work, largest);
    if (!Files.exists(corpus.resolve("done"))) {
      List<String> generatorArgs = new ArrayList<>(List.of(data.toString(), corpus.toString(), String.valueOf(largest)));
      generatorArgs.addAll(bundled.data().rawPrefixes());
      SyntheticCorpus.main(generatorArgs.toArray(String[]::new));
      Files.writeString(corpus.resolve("done"), "");
    }

    List<Measurement> measurements = new ArrayList<>();
    // -DtemporalPort/-DtemporalUiPort: fixed ports keep the dev server off those other servers on the machine use
    // (0 picks free ones, which may be a port another test server is about to bind)
    try (EmbeddedStack stack = EmbeddedStack.start(work.resolve("home"), EmbeddedStack.Temporal.DEV_SERVER,
            Integer.getInteger("temporalPort", 0), Integer.getInteger("temporalUiPort", 0), 0, System.out);
        ObjectStore store = new ObjectStore(stack.storage("memory-bench"));
        ActivityHeapSampler sampler = new ActivityHeapSampler(Long.getLong("sampleMillis", 500))) {
      store.ensureBucket();
      store.put(CurationActivitiesImpl.BAD_WORD_LISTS + "en.json", data.resolve("lists/ldnoobw/en.json"));
      long[] uploaded = upload(store, corpus, largest);
      System.out.printf("seeded %,d objects (%,d MiB) of %d copies%n", uploaded[0], uploaded[1] / MIB, largest);
      WorkflowServiceStubs service = WorkflowServiceStubs.newServiceStubs(
          WorkflowServiceStubsOptions.newBuilder().setTarget(stack.temporalAddress()).build());
      WorkflowClient client = WorkflowClient.newInstance(service);
      try (KilnWorker worker = new KilnWorker(client, store, true, false, slots, 0, "memory-bench", null, List.of(sampler))) {
        worker.start();
        for (int size : sizes) {
          measurements.add(curate(client, store, sampler, bundled, size));
          if (measurements.size() < sizes.size()) {
            print(measurements, slots); // the sizes so far: a long last size cut short still leaves these
          }
        }
      }
      service.shutdown();
    }
    print(measurements, slots);
  }

  /**
   * Where the corpus of {@code copies} copies is: a larger one generated earlier holds it (copy k is the same whatever
   * the number of copies), else {@code synthetic-<copies>x}, generated if missing.
   */
  private static Path generated(Path work, int copies) throws IOException {
    if (Files.isDirectory(work)) {
      try (Stream<Path> dirs = Files.list(work)) {
        Optional<Path> larger = dirs.filter(d -> d.getFileName().toString().matches("synthetic-\\d+x")
                && Files.exists(d.resolve("done")))
            .filter(d -> Integer.parseInt(d.getFileName().toString().replaceAll("\\D", "")) >= copies)
            .min(Comparator.comparingInt(d -> Integer.parseInt(d.getFileName().toString().replaceAll("\\D", ""))));
        if (larger.isPresent()) {
          return larger.get();
        }
      }
    }
    return work.resolve("synthetic-" + copies + "x");
  }

  /** Puts copy-00 .. copy-(n-1) under raw/scale/; returns objects and bytes. */
  private static long[] upload(ObjectStore store, Path corpus, int copies) throws IOException {
    long objects = 0;
    long bytes = 0;
    for (int copy = 0; copy < copies; copy++) {
      Path dir = corpus.resolve(String.format("copy-%02d", copy));
      List<Path> files;
      try (Stream<Path> walk = Files.walk(dir)) {
        files = walk.filter(Files::isRegularFile).sorted().toList();
      }
      for (Path file : files) {
        String key = "raw/scale/" + corpus.relativize(file);
        if (!store.exists(key)) {
          store.put(key, file);
        }
        objects++;
        bytes += Files.size(file);
      }
    }
    return new long[] {objects, bytes};
  }

  private static Measurement curate(WorkflowClient client, ObjectStore store, ActivityHeapSampler sampler, RunSpec bundled,
      int size) throws IOException {
    List<String> prefixes = new ArrayList<>();
    for (int copy = 0; copy < size; copy++) {
      for (String prefix : bundled.data().rawPrefixes()) {
        prefixes.add(String.format("raw/scale/copy-%02d/%s", copy, prefix));
      }
    }
    RunSpec spec = withData(bundled, prefixes, Integer.getInteger("documentsPerShard", bundled.data().documentsPerShard()));
    long rawBytes = 0;
    for (String prefix : prefixes) {
      rawBytes += store.list(prefix).stream().mapToLong(ObjectStore.StoredObject::size).sum();
    }
    String runId = "memory-" + size + "x-" + System.currentTimeMillis();
    sampler.reset();
    long start = System.nanoTime();
    CurationWorkflow workflow = client.newWorkflowStub(CurationWorkflow.class,
        WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.CPU).setWorkflowId(runId).build());
    CompletableFuture<CurationResult> running = WorkflowClient.execute(workflow::curate, new CurationRequest(runId, spec, null, null));
    long progressNanos = Long.getLong("progressSeconds", 300) * 1_000_000_000L;
    CurationResult result;
    while (true) {
      try {
        result = running.get(progressNanos, TimeUnit.NANOSECONDS);
        break;
      } catch (TimeoutException stillRunning) {
        // what has been measured so far, so that a size that does not finish still says something
        StringBuilder line = new StringBuilder(String.format("%dx after %.0f s, peak live heap above idle (MiB) / runs so far:",
            size, (System.nanoTime() - start) / 1e9));
        sampler.kinds().forEach((type, kind) -> line.append(String.format(" %s %.0f/%d", type,
            Math.max(0, kind.peakLiveBytes() - sampler.baselineBytes()) / (double) MIB, kind.executions())));
        System.out.println(line);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("curation of " + size + "x failed", e.getCause());
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("%dx: %,d raw documents, %,d kept, in %.0f s%n", size, result.rawDocuments(), result.keptDocuments(), seconds);
    return new Measurement(size, result.rawDocuments(), result.keptDocuments(), rawBytes, seconds, sampler.baselineBytes(),
        sampler.kinds());
  }

  /**
   * The spec with other raw prefixes and shard size; through JSON, so that it keeps every other field whatever the
   * record holds.
   */
  static RunSpec withData(RunSpec spec, List<String> prefixes, int documentsPerShard) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode tree = json.valueToTree(spec);
    ObjectNode data = (ObjectNode) tree.get("data");
    data.set("rawPrefixes", json.valueToTree(prefixes));
    data.put("documentsPerShard", documentsPerShard);
    return json.treeToValue(tree, RunSpec.class);
  }

  private static void print(List<Measurement> measurements, int slots) {
    // Two figures per size: the whole live heap at the sample, comparable across sizes (the JVM holds the same
    // things besides the activity: s3proxy, the workflow cache, the curation resources such as the language model
    // once the first shard has loaded them), and that above the idle worker's heap at the same size, which at the
    // first size is taken before anything was loaded (so the resources count as the first kinds' there, not later).
    System.out.printf("%nPeak live heap (MiB) by activity kind: whole heap, and above the idle worker's heap at the same size;"
        + " one worker, %d curation slot(s), -Xmx %d MiB%n", slots, Runtime.getRuntime().maxMemory() / MIB);
    StringBuilder header = new StringBuilder(String.format("%-22s", "activity"));
    measurements.forEach(m -> header.append(String.format(" %9s %11s %6s", m.size() + "x peak", "above idle", "runs")));
    System.out.println(header);
    StringBuilder idle = new StringBuilder(String.format("%-22s", "(idle worker)"));
    measurements.forEach(m -> idle.append(String.format(" %9.0f %11s %6s", m.baselineBytes() / (double) MIB, "-", "-")));
    System.out.println(idle);
    TreeSet<String> types = new TreeSet<>();
    measurements.forEach(m -> types.addAll(m.kinds().keySet()));
    for (String type : types) {
      StringBuilder row = new StringBuilder(String.format("%-22s", type));
      for (Measurement m : measurements) {
        ActivityHeapSampler.Kind kind = m.kinds().get(type);
        boolean sampled = kind != null && kind.peakLiveBytes() > 0;
        String peak = kind == null ? "-" : sampled ? String.format("%.0f", kind.peakLiveBytes() / (double) MIB) : "<sample";
        String above = !sampled ? "-" : String.format("%.0f", Math.max(0, kind.peakLiveBytes() - m.baselineBytes()) / (double) MIB);
        row.append(String.format(" %9s %11s %6s", peak, above, kind == null ? "-" : String.valueOf(kind.executions())));
      }
      System.out.println(row);
    }
    Measurement first = measurements.get(0);
    System.out.printf("%nWall time against corpus size (the first size is 1.00 on both axes)%n");
    System.out.printf("%-6s %14s %12s %12s %10s %12s %10s%n", "size", "raw documents", "raw MiB", "kept", "seconds", "size ratio", "time ratio");
    for (Measurement m : measurements) {
      System.out.printf("%-6s %,14d %,12d %,12d %10.0f %12.2f %10.2f%n", m.size() + "x", m.rawDocuments(), m.rawBytes() / MIB,
          m.keptDocuments(), m.seconds(), m.rawBytes() / (double) first.rawBytes(), m.seconds() / first.seconds());
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    measurements.forEach(m -> summary.put(m.size() + "x", m));
    try {
      System.out.println("\njson=" + new ObjectMapper().writeValueAsString(summary));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
