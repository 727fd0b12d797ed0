package dev.kiln.bench.pytorch;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.activities.hf.export.HfExportFiles;
import dev.kiln.activities.hf.export.HfGpt2Export;
import dev.kiln.activities.hf.export.HfLlamaExport;
import dev.kiln.activities.hf.export.SpecialTokens;
import dev.kiln.activities.hf.export.T5HfExport;
import dev.kiln.activities.tokenizer.BpeTokenizer;
import dev.kiln.activities.tokenizer.ByteLevelBpeTrainer;
import dev.kiln.activities.training.AdamW;
import dev.kiln.activities.training.BertArchitecture;
import dev.kiln.activities.training.BertHfExport;
import dev.kiln.activities.training.LearningRateSchedule;
import dev.kiln.activities.training.PretrainingObjective;
import dev.kiln.activities.training.Trainer;
import dev.kiln.activities.training.TrainingBatch;
import dev.kiln.activities.training.T5Architecture;
import dev.kiln.activities.training.TransformerModel;
import dev.kiln.workflows.scope.LlamaOptions;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.EncoderFlavor;
import dev.kiln.workflows.training.MlpActivation;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.T5Variant;
import dev.kiln.workflows.training.TrainingConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Kiln's half of the comparison with a PyTorch reference ({@code bench/pytorch/run.sh}): a main method the bench
 * script runs with the kiln-bench module's classpath.
 *
 * <p>{@code export CORPUS_DIR OUT_DIR STEPS WARMUP}: tokenizes the fetched Gutenberg books (a 4096-token
 * byte-level BPE trained by Kiln's own trainer), then for each objective writes under {@code OUT_DIR/<objective>/}
 * the model Kiln's seeded initialisation makes ({@code init.safetensors}), the exact batches of steps
 * 0..STEPS-1 that Kiln's objective draws from the stream ({@code batches.safetensors}: inputs, decoder inputs,
 * targets, int32, one leading axis per step) and the hyperparameters with Kiln's learning rate at every step
 * ({@code config.json}). The reference reads all of it, so data order, masking, spans and initialisation are
 * identical by construction rather than by re-implementing Kiln's random streams.
 *
 * <p>Besides Kiln's own model for each objective, each of Kiln's transformers-exact architectures is a case of its own
 * ({@link Case}): its directory also holds {@code hf/}, the initial weights as Kiln's Hugging Face exporter writes
 * them, which the reference loads into transformers' own class, and its weights after {@link #CHECK_STEPS} steps are
 * written in transformers' names.
 *
 * <p>{@code train OUT_DIR CASE RESULT_JSON}: trains STEPS steps with Kiln's {@link Trainer} on those
 * batches and writes the loss and time of every step and the tokens/s (the steps from {@code timingSkip} on,
 * batches already built, no export or I/O inside the timed steps). It first checks that its own seeded initialisation
 * is byte-identical to {@code init.safetensors}. With {@code --turns IN OUT} it takes turns with the reference, step
 * by step, over two named pipes (see {@link Turns}).
 */
public final class ReferenceBench {

  static final int TOKENIZER_VOCAB = 4096;
  static final int CONTEXT = 128;
  static final int D_MODEL = 128;
  static final int LAYERS = 4;
  static final int HEADS = 4;
  static final int BATCH = 16;
  static final double LEARNING_RATE = 3e-3;
  static final double MIN_LEARNING_RATE = 3e-4;
  static final double WEIGHT_DECAY = 0.1;
  static final double GRAD_CLIP = 1.0;
  static final long SEED = 1234;
  /** Characters the BPE trainer reads; the whole corpus is then encoded with the result. */
  static final long BPE_TRAINING_CHARS = 3_000_000;
  /**
   * Steps each process trains, untimed, on a throwaway model (the same initial weights and batches) before the run
   * whose losses and times count: a long run's steady state, without one-off start-up costs. In Kiln these are the
   * JIT's: HotSpot's C2 compiler spends ~3.6 CPU-seconds over the first ~30 s of a fresh process (-XX:+CITime), on the
   * same two cores as training. Both systems warm up alike; the comparison shows the warm-up's own tokens/s too
   * (from step {@link #COLD_FROM}): that of a fresh process.
   */
  static final int PROCESS_WARMUP = 100;
  /** First steps of the timed run left out of its tokens/s (the same in both systems). */
  static final int TIMING_SKIP = 30;
  /** From here the comparison's second tokens/s figure counts (the first steps allocate everything once). */
  static final int COLD_FROM = 5;
  /** With KILN_BENCH_PROFILE=DIR, libtorch's profiler records these steps [from, until) into DIR (chrome trace). */
  static final int PROFILED_FROM = 30;
  static final int PROFILED_UNTIL = 50;
  /**
   * Kiln's weights after this many steps go to {@code weights-after-<n>.safetensors}: the reference compares its
   * own, tensor by tensor, before the trajectories can drift apart (a far finer check of the optimizer than loss).
   */
  static final int CHECK_STEPS = 10;

  /** The Llama of bench/llama: grouped-query attention with 2 key-value heads, untied, ~8/3 d SwiGLU. */
  static final LlamaOptions LLAMA = new LlamaOptions(2, 344, 10000.0, 1e-6, false, 0);

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * One comparison: an objective, the model Kiln trains for it (the config's architecture options) and the
   * transformers class the reference trains instead of its own modules (null: reference.py's modules, which have
   * Kiln's parameter names).
   */
  record Case(String id, Objective objective, UnaryOperator<TrainingConfig.Builder> model, String hfClass) {
    static final List<Case> ALL = List.of(
        new Case("clm", Objective.CLM, b -> b, null),
        new Case("mlm", Objective.MLM, b -> b, null),
        new Case("span-corruption", Objective.SPAN_CORRUPTION, b -> b, null),
        new Case("hf-gpt2", Objective.CLM, b -> b.activation(MlpActivation.GELU_TANH), "GPT2LMHeadModel"),
        new Case("hf-llama", Objective.CLM, b -> b.llama(LLAMA), "LlamaForCausalLM"),
        new Case("hf-bert", Objective.MLM, b -> b.encoderFlavor(EncoderFlavor.BERT), "BertForMaskedLM"),
        new Case("hf-roberta", Objective.MLM, b -> b.encoderFlavor(EncoderFlavor.ROBERTA), "RobertaForMaskedLM"),
        new Case("hf-t5-v1_0", Objective.SPAN_CORRUPTION, b -> b.t5(T5Variant.V1_0), "T5ForConditionalGeneration"),
        new Case("hf-t5-v1_1", Objective.SPAN_CORRUPTION, b -> b.t5(T5Variant.V1_1), "T5ForConditionalGeneration"));

    static Case of(String id) {
      return ALL.stream().filter(c -> c.id.equals(id)).findFirst().orElseThrow(() -> new IllegalArgumentException(
          "no case '" + id + "'; one of " + ALL.stream().map(Case::id).toList()));
    }
  }

  private ReferenceBench() {}

  public static void main(String[] args) throws IOException {
    if (args.length == 5 && args[0].equals("export")) {
      export(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
    } else if (args.length == 4 && args[0].equals("train")) {
      train(Path.of(args[1]), Case.of(args[2]), Path.of(args[3]), Turns.NONE);
    } else if (args.length == 7 && args[0].equals("train") && args[4].equals("--turns")) {
      try (Turns turns = Turns.open(Path.of(args[5]), Path.of(args[6]))) {
        train(Path.of(args[1]), Case.of(args[2]), Path.of(args[3]), turns);
      }
    } else if (args.length == 4 && args[0].equals("optimizer")) {
      optimizer(Path.of(args[1]), Case.of(args[2]), Integer.parseInt(args[3]));
    } else {
      System.err.println("usage: ReferenceBench export CORPUS_DIR OUT_DIR STEPS WARMUP\n"
          + "       ReferenceBench train OUT_DIR CASE RESULT_JSON [--turns IN OUT]\n"
          + "       ReferenceBench optimizer OUT_DIR CASE UPDATES\n"
          + "CASE: one of " + Case.ALL.stream().map(Case::id).toList());
      System.exit(2);
    }
  }

  static TrainingConfig config(Case c, int steps, int warmup) {
    ModelShape shape = new ModelShape(
        c.objective().modelVocabSize(TOKENIZER_VOCAB, CONTEXT), CONTEXT, D_MODEL, LAYERS, HEADS);
    return c.model().apply(new TrainingConfig(shape, c.objective(), BATCH, steps, LEARNING_RATE, MIN_LEARNING_RATE,
        warmup, WEIGHT_DECAY, GRAD_CLIP, 0.0, SEED, steps, "cpu", "bench", null).toBuilder()).build();
  }

  /**
   * The Hugging Face directory of a case's weights (Kiln's {@code modelState()}), as Kiln's own exporter for that
   * architecture writes it; dropout 0, as trained here. Empty for Kiln's own models.
   */
  static Map<String, byte[]> hfFiles(Case c, TrainingConfig config, byte[] state, byte[] tokenizerJson)
      throws IOException {
    ModelShape shape = config.shape();
    if (c.hfClass() == null) {
      return Map.of();
    }
    if (config.llama() != null) {
      return HfLlamaExport.files(state, shape, config.llama(), 0.0, tokenizerJson,
          SpecialTokens.kilnDefaults(tokenizerJson), "", Map.of());
    }
    if (config.encoderFlavor() != null) {
      Map<String, byte[]> files = new LinkedHashMap<>();
      files.put(BertHfExport.WEIGHTS, state);
      files.put(BertHfExport.CONFIG, BertHfExport.configJson(BertArchitecture.forKiln(config.encoderFlavor(), shape), 0.0));
      return files;
    }
    if (config.t5() != null) {
      return T5HfExport.files(state, T5Architecture.of(shape, config.t5()), 0.0, tokenizerJson, "", Map.of());
    }
    return HfGpt2Export.files(state, shape, config.mlpActivation(), 0.0, tokenizerJson,
        SpecialTokens.kilnDefaults(tokenizerJson), "", Map.of());
  }

  private static void export(Path corpusDir, Path out, int steps, int warmup) throws IOException {
    long began = System.nanoTime();
    int[] stream = tokenStream(corpusDir, out);
    System.out.printf("kiln export: %,d tokens from %s (%.1f s)%n", stream.length, corpusDir, (System.nanoTime() - began) / 1e9);
    byte[] tokenizerJson = Files.readAllBytes(out.resolve("tokenizer.json"));
    Map<Objective, List<TrainingBatch>> byObjective = new LinkedHashMap<>(); // the same batches for every model
    for (Case c : Case.ALL) {
      TrainingConfig config = config(c, steps, warmup);
      Path dir = Files.createDirectories(out.resolve(c.id()));
      List<TrainingBatch> drawn = byObjective.computeIfAbsent(c.objective(), objective -> {
        PretrainingObjective batches = PretrainingObjective.of(objective, stream, config.shape(), BATCH, SEED);
        List<TrainingBatch> all = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
          all.add(batches.batch(step));
        }
        return all;
      });
      try (Trainer trainer = new Trainer(config.shape(), config, Device.cpu())) {
        trainer.initialise();
        Files.write(dir.resolve("init.safetensors"), trainer.modelState());
        HfExportFiles.write(dir.resolve("hf"), hfFiles(c, config, trainer.modelState(), tokenizerJson));
        Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(describe(c, config, trainer, stream)));
      }
      Files.write(dir.resolve("batches.safetensors"), encodeBatches(drawn));
      System.out.printf("kiln export: %s: %d steps of %d x %d, %d predicted positions at step 0%n",
          c.id(), steps, BATCH, drawn.get(0).targetLength(), drawn.get(0).predictedPositions());
    }
  }

  /** The Gutenberg books in name order, each followed by {@code <|endoftext|>}, as Kiln's BPE encodes them. */
  private static int[] tokenStream(Path corpusDir, Path out) throws IOException {
    List<String> texts = new ArrayList<>();
    try (Stream<Path> files = Files.list(corpusDir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".txt")).sorted().toList()) {
        texts.add(Files.readString(file, StandardCharsets.ISO_8859_1)); // ASCII, one book ISO-8859-1
      }
    }
    if (texts.isEmpty()) {
      throw new IllegalArgumentException(corpusDir + " has no .txt files: run infra/fetch-data.sh first");
    }
    Path tokenizerJson = Files.createDirectories(out).resolve("tokenizer.json");
    Files.writeString(tokenizerJson, new ByteLevelBpeTrainer(TOKENIZER_VOCAB, BPE_TRAINING_CHARS).train(texts));
    List<int[]> documents = new ArrayList<>();
    int total = 0;
    try (BpeTokenizer tokenizer = BpeTokenizer.load(tokenizerJson)) {
      for (String text : texts) {
        int[] ids = tokenizer.encode(text);
        int[] withEos = Arrays.copyOf(ids, ids.length + 1);
        withEos[ids.length] = tokenizer.eosId();
        documents.add(withEos);
        total += withEos.length;
      }
    }
    int[] stream = new int[total];
    int at = 0;
    for (int[] document : documents) {
      System.arraycopy(document, 0, stream, at, document.length);
      at += document.length;
    }
    return stream;
  }

  private static ObjectNode describe(Case c, TrainingConfig config, Trainer trainer, int[] stream) {
    ModelShape shape = config.shape();
    ObjectNode root = JSON.createObjectNode();
    root.put("case", c.id()).put("objective", config.objective().id());
    root.put("architecture", config.objective().architecture().id());
    if (c.hfClass() != null) {
      root.put("hfClass", c.hfClass());
    }
    root.put("vocabSize", shape.vocabSize()).put("contextLength", shape.contextLength()).put("dModel", shape.dModel())
        .put("layers", shape.layers()).put("heads", shape.heads());
    root.put("batchSize", config.batchSize()).put("steps", config.steps()).put("warmupSteps", config.warmupSteps());
    root.put("learningRate", config.learningRate()).put("minLearningRate", config.minLearningRate());
    root.put("weightDecay", config.weightDecay()).put("gradClip", config.gradClip()).put("dropout", config.dropout());
    root.put("beta1", AdamW.BETA1).put("beta2", AdamW.BETA2).put("epsilon", AdamW.EPSILON);
    root.put("seed", config.seed()).put("padToken", TrainingBatch.PAD).put("ignoredTarget", TrainingBatch.IGNORED);
    root.put("tokensPerStep", config.tokensPerStep()).put("processWarmup", PROCESS_WARMUP)
        .put("timingSkip", TIMING_SKIP).put("coldFrom", COLD_FROM)
        .put("checkSteps", CHECK_STEPS);
    // libtorch's defaults on this machine, which Kiln trains with; the reference uses the same counts.
    root.put("threads", JniUtils.getNumThreads()).put("interopThreads", JniUtils.getNumInteropThreads());
    root.put("parameters", trainer.parameterCount()).put("initHash", trainer.parameterHash());
    root.put("streamTokens", stream.length).put("streamSha256", sha256(stream));
    ArrayNode rates = root.putArray("learningRates");
    LearningRateSchedule schedule = LearningRateSchedule.of(config);
    for (int step = 0; step < config.steps(); step++) {
      rates.add(schedule.at(step));
    }
    return root;
  }

  private static byte[] encodeBatches(List<TrainingBatch> batches) {
    TrainingBatch first = batches.get(0);
    int steps = batches.size();
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      NDList list = new NDList();
      list.add(stack(manager, "inputs", batches.stream().map(TrainingBatch::inputs).toList(), steps, first.rows(), first.inputLength()));
      if (first.decoderLength() > 0) {
        list.add(stack(manager, "decoder_inputs", batches.stream().map(TrainingBatch::decoderInputs).toList(),
            steps, first.rows(), first.decoderLength()));
      }
      list.add(stack(manager, "targets", batches.stream().map(TrainingBatch::targets).toList(), steps, first.rows(), first.targetLength()));
      return list.encode(NDList.Encoding.SAFETENSORS);
    }
  }

  private static NDArray stack(NDManager manager, String name, List<int[]> perStep, int steps, int rows, int length) {
    int[] all = new int[steps * rows * length];
    for (int step = 0; step < steps; step++) {
      System.arraycopy(perStep.get(step), 0, all, step * rows * length, rows * length);
    }
    NDArray array = manager.create(all, new Shape(steps, rows, length));
    array.setName(name);
    return array;
  }

  private static void train(Path out, Case c, Path resultJson, Turns turns) throws IOException {
    Path dir = out.resolve(c.id());
    JsonNode described = JSON.readTree(dir.resolve("config.json").toFile());
    int steps = described.get("steps").asInt();
    TrainingConfig config = config(c, steps, described.get("warmupSteps").asInt());
    byte[] tokenizerJson = Files.readAllBytes(out.resolve("tokenizer.json"));
    List<TrainingBatch> batches = decodeBatches(Files.readAllBytes(dir.resolve("batches.safetensors")), steps);
    Engine.getInstance(); // loads libtorch, so the thread counts below are the ones training uses
    int threads = JniUtils.getNumThreads();
    int interopThreads = JniUtils.getNumInteropThreads();
    String profileDir = System.getenv("KILN_BENCH_PROFILE");
    Path profile = profileDir == null ? null
        : Files.createDirectories(Path.of(profileDir)).resolve("kiln-" + c.id() + ".json");
    // The weights after CHECK_STEPS in the reference's names: Kiln's own, or the exporter's for a transformers class.
    UnaryOperator<byte[]> checked = state -> {
      try {
        return c.hfClass() == null ? state : hfFiles(c, config, state, tokenizerJson).get(HfExportFiles.WEIGHTS);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
    Run warmup = trainSteps(config, dir, batches, Math.min(described.path("processWarmup").asInt(0), steps), false, null,
        turns, checked);
    Run run = trainSteps(config, dir, batches, steps, true, profile, turns, checked);
    double seconds = Arrays.stream(run.stepSeconds(), TIMING_SKIP, steps).sum();
    double tokensPerSecond = (steps - TIMING_SKIP) * config.tokensPerStep() / seconds;
    ObjectNode result = JSON.createObjectNode();
    result.put("system", "kiln").put("malloc", dev.kiln.worker.NativeMemory.missing(System.getenv()) == null ? "kiln" : "default")
        .put("objective", c.id()).put("lockstep", turns != Turns.NONE).put("threads", threads)
        .put("interopThreads", interopThreads).put("timedSteps", steps - TIMING_SKIP).put("seconds", seconds)
        .put("tokensPerSecond", tokensPerSecond);
    result.set("losses", JSON.valueToTree(run.losses()));
    result.set("gradNorms", JSON.valueToTree(run.gradientNorms()));
    result.set("stepSeconds", JSON.valueToTree(run.stepSeconds()));
    result.set("warmupStepSeconds", JSON.valueToTree(warmup.stepSeconds()));
    Files.writeString(resultJson, JSON.writeValueAsString(result));
    System.out.printf("kiln %s: %d steps, final loss %.4f, %.0f tokens/s (%d intra-op / %d inter-op threads)%n",
        c.id(), steps, run.losses()[steps - 1], tokensPerSecond, threads, interopThreads);
  }

  /** Every step's loss, gradient norm (before clipping) and time in one training run. */
  private record Run(double[] losses, double[] gradientNorms, double[] stepSeconds) {}

  /**
   * Trains a fresh model from the exported initialisation for {@code steps} steps. The {@code timed} run (not the
   * untimed warm-up) writes the weights after {@link #CHECK_STEPS} steps (as {@code checked} makes them) and, into {@code profile} unless null, records
   * steps {@link #PROFILED_FROM} to {@link #PROFILED_UNTIL} with libtorch's profiler. Each step (with what follows it)
   * takes a turn.
   */
  private static Run trainSteps(TrainingConfig config, Path dir, List<TrainingBatch> batches, int steps, boolean timed,
      Path profile, Turns turns, UnaryOperator<byte[]> checked) throws IOException {
    Run run = new Run(new double[steps], new double[steps], new double[steps]);
    try (Trainer trainer = new Trainer(config.shape(), config, Device.cpu())) {
      trainer.initialise();
      if (!Arrays.equals(trainer.modelState(), Files.readAllBytes(dir.resolve("init.safetensors")))) {
        throw new IllegalStateException(dir + "/init.safetensors is not this build's seeded initialisation: re-export");
      }
      for (int step = 0; step < steps; step++) {
        turns.await();
        long started = System.nanoTime();
        if (profile != null && step == PROFILED_FROM) {
          JniUtils.startProfile(false, true, false); // with shapes
        }
        run.losses()[step] = trainer.trainStep(step, batches.get(step));
        if (profile != null && step + 1 == PROFILED_UNTIL) {
          JniUtils.stopProfile(profile.toString());
        }
        run.gradientNorms()[step] = trainer.lastGradientNorm();
        run.stepSeconds()[step] = (System.nanoTime() - started) / 1e9;
        if (timed && step + 1 == CHECK_STEPS) {
          Files.write(dir.resolve("weights-after-" + CHECK_STEPS + ".safetensors"), checked.apply(trainer.modelState()));
        }
        turns.handOver();
      }
    }
    return run;
  }

  /**
   * Lockstep with the reference (run.sh's lockstep pair; reference.py's Turns): each step waits for a byte on the named
   * pipe {@code in} and, done, writes one to {@code out}, so the two processes take turns, step by step, on the same
   * cores and see the same machine within a fraction of a second. {@link #NONE}: steps do not wait.
   */
  private static final class Turns implements AutoCloseable {
    static final Turns NONE = new Turns(null, null);
    private final InputStream in;
    private final OutputStream out;

    private Turns(InputStream in, OutputStream out) {
      this.in = in;
      this.out = out;
    }

    static Turns open(Path in, Path out) throws IOException {
      return new Turns(Files.newInputStream(in), Files.newOutputStream(out));
    }

    void await() throws IOException {
      if (in != null && in.read() != 'x') {
        throw new IOException("lockstep: the other side closed its pipe (it failed or stopped early)");
      }
    }

    void handOver() throws IOException {
      if (out != null) {
        out.write('x');
        out.flush();
      }
    }

    @Override
    public void close() throws IOException {
      if (in != null) {
        in.close();
        out.close();
      }
    }
  }

  /**
   * The optimizer alone: Kiln's AdamW (with clipping) on the exported model's parameters, gradients from a cheap
   * backward (of the sum of squares) before each update, the update timed after 20 untimed ones. The reference's
   * {@code optimizer} mode times clip_grad_norm_ + torch.optim.AdamW.step the same way.
   */
  private static void optimizer(Path out, Case c, int updates) throws IOException {
    Path dir = out.resolve(c.id());
    JsonNode described = JSON.readTree(dir.resolve("config.json").toFile());
    TrainingConfig config = config(c, described.get("steps").asInt(), described.get("warmupSteps").asInt());
    long timed = 0;
    int tensors;
    try (TransformerModel model = TransformerModel.create(config, config.shape(), Device.cpu());
        AdamW adamW = new AdamW(model, described.get("weightDecay").asDouble(), described.get("gradClip").asDouble())) {
      model.loadWeights(Files.readAllBytes(dir.resolve("init.safetensors")));
      tensors = model.parameters().size();
      for (int update = 0; update < updates + 20; update++) {
        try (NDManager step = model.newStepManager()) {
          try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray parameters = model.bindForTraining(step);
            collector.backward(parameters.square().sum()); // every gradient 2 w, as one flat tensor
          }
          long began = System.nanoTime();
          adamW.update(1e-4, model.parameterGradient());
          timed += update >= 20 ? System.nanoTime() - began : 0;
        } finally {
          model.releaseParameters();
        }
      }
    }
    System.out.printf("kiln %s optimizer: %d tensors, %.2f ms per AdamW update with clipping (%d updates)%n",
        c.id(), tensors, timed / 1e6 / updates, updates);
  }

  private static List<TrainingBatch> decodeBatches(byte[] safetensors, int steps) {
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      NDList list = NDList.decode(manager, safetensors);
      NDArray inputs = list.get("inputs");
      NDArray decoderInputs = list.contains("decoder_inputs") ? list.get("decoder_inputs") : null;
      NDArray targets = list.get("targets");
      int rows = Math.toIntExact(inputs.getShape().get(1));
      int inputLength = Math.toIntExact(inputs.getShape().get(2));
      int decoderLength = decoderInputs == null ? 0 : Math.toIntExact(decoderInputs.getShape().get(2));
      int targetLength = Math.toIntExact(targets.getShape().get(2));
      if (inputs.getShape().get(0) != steps) {
        throw new IllegalStateException("batches.safetensors holds " + inputs.getShape().get(0) + " steps, config " + steps);
      }
      int[] allInputs = inputs.toIntArray();
      int[] allDecoder = decoderInputs == null ? new int[0] : decoderInputs.toIntArray();
      int[] allTargets = targets.toIntArray();
      List<TrainingBatch> batches = new ArrayList<>();
      for (int step = 0; step < steps; step++) {
        batches.add(new TrainingBatch(rows, inputLength,
            Arrays.copyOfRange(allInputs, step * rows * inputLength, (step + 1) * rows * inputLength),
            decoderLength,
            Arrays.copyOfRange(allDecoder, step * rows * decoderLength, (step + 1) * rows * decoderLength),
            Arrays.copyOfRange(allTargets, step * rows * targetLength, (step + 1) * rows * targetLength)));
      }
      return batches;
    }
  }

  private static String sha256(int[] tokens) {
    ByteBuffer bytes = ByteBuffer.allocate(tokens.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asIntBuffer().put(tokens);
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java runtime has SHA-256", e);
    }
  }
}
