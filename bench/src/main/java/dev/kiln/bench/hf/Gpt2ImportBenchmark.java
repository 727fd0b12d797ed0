package dev.kiln.bench.hf;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.kiln.activities.hf.HfFileSource;
import dev.kiln.activities.hf.HfModelDirectory;
import dev.kiln.activities.hf.RandomAccessBytes;
import dev.kiln.activities.hf.StoreHfFiles;
import dev.kiln.activities.hf.export.Gpt2Import;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.storage.StorageSettings;
import dev.kiln.activities.training.TransformerModel;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.worker.embedded.LocalS3;
import dev.kiln.workflows.training.Objective;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Issue 17's target: importing a 124M-parameter GPT-2 (random weights, {@link RandomGpt2Directory}) from S3 into a
 * training-ready model takes at most twice as long as reading its bytes from S3. s3proxy serves a temporary directory
 * (as {@code kiln} does), the model is uploaded under {@code hub/gpt2-124m-random/}, and then, alternating:
 *
 * <ul>
 *   <li>raw read: every object of the prefix fetched into memory with {@link ObjectStore#get};
 *   <li>import: {@code HfModelDirectory.open(new StoreHfFiles(...))}, {@link Gpt2Import#of}, and a GPT on the CPU
 *       holding the imported weights ({@link TransformerModel#create} then {@code loadWeights}, as the Trainer loads
 *       a run's {@code initWeightsKey}).
 * </ul>
 *
 * <p>Prints each repetition, the medians, the ratio import / raw (goal at most 2.0; the median of each repetition's
 * ratio, and the ratio of the medians) and where the import's time goes:
 * fetch (the GETs inside open), verify (the rest of open: config, safetensors header, the weights check), convert
 * ({@link Gpt2Import#of}: float32, transposes, Kiln's safetensors), build (the model's parameters allocated) and load
 * (the weights into them). Arguments: [repetitions, default 5] [model directory, default under ~/.cache/kiln].
 */
public final class Gpt2ImportBenchmark {
  private static final String PREFIX = "hub/gpt2-124m-random/";

  private Gpt2ImportBenchmark() {}

  public static void main(String[] args) throws Exception {
    int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Path model = RandomGpt2Directory.ensure(args.length > 1 ? Path.of(args[1]) : RandomGpt2Directory.defaultDirectory());
    Path s3Root = Files.createTempDirectory("kiln-import-bench");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(s3Root)));
    try (LocalS3 s3 = LocalS3.start(s3Root, EmbeddedStack.freePort());
        ObjectStore store = new ObjectStore(new StorageSettings(
            s3.endpoint(), "bench", "us-east-1", EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY))) {
      store.ensureBucket();
      long bytes = 0;
      try (Stream<Path> files = Files.list(model)) {
        for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
          store.put(PREFIX + file.getFileName(), file);
          bytes += Files.size(file);
        }
      }
      System.out.printf(Locale.ROOT, "model: %s (%.1f MB) at s3://bench/%s via s3proxy; -Xmx %d MB; %d processors%n",
          model, bytes / 1e6, PREFIX, Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());

      rawRead(store); // warm-up: JIT, connections, page cache
      importModel(store).close();
      check(store, model);

      List<Double> raws = new ArrayList<>();
      List<Timings> imports = new ArrayList<>();
      System.out.printf("%-4s %8s %8s %6s | %7s %7s %7s %7s %7s | %s%n", "rep", "raw s", "import s", "ratio",
          "fetch", "verify", "convert", "build", "load", "peak heap MB (raw, import)");
      for (int r = 0; r < repetitions; r++) {
        double raw = 0;
        Timings imported = null;
        long rawHeap = 0;
        long importHeap = 0;
        for (int turn = 0; turn < 2; turn++) {
          boolean rawTurn = (turn == 0) == (r % 2 == 0); // alternate which goes first
          System.gc();
          resetPeakHeap();
          if (rawTurn) {
            raw = rawRead(store);
            rawHeap = peakHeap();
          } else {
            Timings t;
            try (Imported done = importModel(store)) {
              t = done.timings();
            }
            imported = t;
            importHeap = peakHeap();
          }
        }
        raws.add(raw);
        imports.add(imported);
        System.out.printf(Locale.ROOT, "%-4d %8.2f %8.2f %6.2f | %s | %d, %d%n", r + 1, raw, imported.total(),
            imported.total() / raw, imported.phases(), rawHeap >> 20, importHeap >> 20);
      }
      double raw = median(raws);
      double imported = median(imports.stream().map(Timings::total).toList());
      List<Double> ratios = new ArrayList<>();
      for (int r = 0; r < repetitions; r++) {
        ratios.add(imports.get(r).total() / raws.get(r));
      }
      System.out.printf(Locale.ROOT, "%-4s %8.2f %8.2f %6.2f | %s | (medians of each column)%n", "med", raw, imported,
          median(ratios), Timings.median(imports).phases());
      // The paired ratio (raw and import one after the other) moves less with the machine's load than either time.
      System.out.printf(Locale.ROOT, "raw read %.2f s (%.0f MB/s), import %.2f s; import / raw: %.2f median of the"
          + " repetitions' ratios, %.2f of the medians (goal <= 2.0)%n", raw, bytes / 1e6 / raw, imported,
          median(ratios), imported / raw);
      System.out.printf("peak RSS %d MB%n", peakRssMegabytes());
    }
    System.exit(0); // the SDK's and s3proxy's threads would keep the JVM up
  }

  /** Every object of the prefix, fetched into memory; seconds. */
  private static double rawRead(ObjectStore store) {
    long start = System.nanoTime();
    long read = 0;
    for (ObjectStore.StoredObject o : store.list(PREFIX)) {
      read += store.get(o.key()).length;
    }
    if (read == 0) {
      throw new IllegalStateException("nothing under " + PREFIX);
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private static Imported importModel(ObjectStore store) throws IOException {
    TimedFiles files = new TimedFiles(new StoreHfFiles(store, PREFIX));
    long start = System.nanoTime();
    Gpt2Import gpt2;
    long opened;
    try (HfModelDirectory directory = HfModelDirectory.open(files)) {
      opened = System.nanoTime();
      gpt2 = Gpt2Import.of(directory);
    }
    long converted = System.nanoTime();
    TransformerModel model = TransformerModel.create(Objective.CLM, gpt2.shape(), 0, Device.cpu(), gpt2.activation());
    long built;
    try {
      model.parameters(); // lays the parameters out: the model's memory, before any weight is copied in
      built = System.nanoTime();
      model.loadWeights(gpt2.safetensors());
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    long loaded = System.nanoTime();
    double fetch = files.nanos / 1e9;
    return new Imported(model, new Timings(fetch, (opened - start) / 1e9 - fetch, (converted - opened) / 1e9,
        (built - converted) / 1e9, (loaded - built) / 1e9));
  }

  /**
   * Once, untimed: the model's weights are the directory's, Conv1D matrices transposed (one element each of a
   * transposed and a plain tensor, and the tied embedding), so the timed import is one that works.
   */
  private static void check(ObjectStore store, Path model) throws IOException {
    try (Imported done = importModel(store);
        HfModelDirectory local = HfModelDirectory.open(model)) {
      String cAttn = "transformer.h.11.attn.c_attn.weight"; // HF [768, 2304], Kiln [2304, 768]
      float[] hf = local.parameter(cAttn);
      NDArray kiln = done.model().parameters().get(cAttn);
      float[] k = kiln.toFloatArray();
      int in = 767;
      int out = 2000;
      float[] wte = local.parameter("transformer.wte.weight");
      float[] kilnWte = done.model().parameters().get("transformer.wte.weight").toFloatArray();
      if (!Arrays.equals(kiln.getShape().getShape(), new long[] {2304, 768}) || k[out * 768 + in] != hf[in * 2304 + out]
          || !Arrays.equals(wte, kilnWte)) {
        throw new IllegalStateException("the imported weights are not the directory's");
      }
      System.out.println("check: imported weights equal the directory's (c_attn transposed, wte as stored); "
          + done.model().parameters().size() + " tensors");
    }
  }

  private record Imported(TransformerModel model, Timings timings) implements AutoCloseable {
    @Override
    public void close() {
      model.close();
    }
  }

  /** Seconds per phase of one import. */
  private record Timings(double fetch, double verify, double convert, double build, double load) {
    double total() {
      return fetch + verify + convert + build + load;
    }

    String phases() {
      return String.format(Locale.ROOT, "%7.2f %7.2f %7.2f %7.2f %7.2f", fetch, verify, convert, build, load);
    }

    static Timings median(List<Timings> all) {
      return new Timings(Gpt2ImportBenchmark.median(all.stream().map(Timings::fetch).toList()),
          Gpt2ImportBenchmark.median(all.stream().map(Timings::verify).toList()),
          Gpt2ImportBenchmark.median(all.stream().map(Timings::convert).toList()),
          Gpt2ImportBenchmark.median(all.stream().map(Timings::build).toList()),
          Gpt2ImportBenchmark.median(all.stream().map(Timings::load).toList()));
    }
  }

  /** The store's files, with the time spent fetching them (what of open is S3's, not the importer's). */
  private static final class TimedFiles implements HfFileSource {
    private final HfFileSource files;
    private long nanos;

    TimedFiles(HfFileSource files) {
      this.files = files;
    }

    @Override
    public String describe() {
      return files.describe();
    }

    @Override
    public boolean exists(String name) throws IOException {
      long start = System.nanoTime();
      try {
        return files.exists(name);
      } finally {
        nanos += System.nanoTime() - start;
      }
    }

    @Override
    public byte[] readAll(String name, long maxBytes) throws IOException {
      long start = System.nanoTime();
      try {
        return files.readAll(name, maxBytes);
      } finally {
        nanos += System.nanoTime() - start;
      }
    }

    @Override
    public RandomAccessBytes open(String name) throws IOException {
      long start = System.nanoTime();
      try {
        return files.open(name);
      } finally {
        nanos += System.nanoTime() - start;
      }
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static void resetPeakHeap() {
    ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
  }

  /** The sum of the heap pools' peaks since the last reset (an upper bound: the pools need not peak together). */
  private static long peakHeap() {
    return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
        .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
  }

  /** The process's peak resident memory (heap, libtorch's tensors, direct buffers), from /proc. */
  private static long peakRssMegabytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) >> 10;
      }
    }
    return -1;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory: left for the OS
    }
  }
}
