package dev.kiln.activities.evaluation;

import dev.kiln.activities.hf.export.HfGpt2Export;
import dev.kiln.activities.hf.export.HfLlamaExport;
import dev.kiln.activities.hf.export.SpecialTokens;
import dev.kiln.activities.hf.export.T5HfExport;
import dev.kiln.activities.tokenizer.TokenCorpus;
import dev.kiln.activities.hub.ModelCard;
import dev.kiln.activities.hub.ModelHub;
import dev.kiln.activities.storage.Json;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.tokenizer.BpeTokenizer;
import dev.kiln.activities.tokenizer.StoredTokenizer;
import dev.kiln.activities.tokenizer.ReservedTokens;
import dev.kiln.activities.training.BertArchitecture;
import dev.kiln.activities.training.BertHfExport;
import dev.kiln.activities.training.CheckpointStore;
import dev.kiln.activities.training.Devices;
import dev.kiln.activities.training.Seq2SeqModel;
import dev.kiln.activities.training.CausalDecoder;
import dev.kiln.activities.training.T5Architecture;
import dev.kiln.activities.training.TransformerModel;
import dev.kiln.workflows.scope.ModelType;
import dev.kiln.workflows.training.Objective;
import dev.kiln.activities.training.LanguageModelEvaluator;
import dev.kiln.activities.training.UnigramBaseline;
import dev.kiln.workflows.evaluation.EvaluationActivities;
import dev.kiln.workflows.evaluation.EvaluationRequest;
import dev.kiln.workflows.evaluation.EvaluationResult;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.training.CheckpointRef;
import dev.kiln.workflows.training.LossCurve;
import dev.kiln.workflows.training.TrainingResult;
import dev.kiln.workflows.training.TrainingConfig;
import dev.kiln.workflows.training.TrainingHeartbeat;
import io.temporal.activity.Activity;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage 5: held-out perplexity against a unigram baseline, samples, the loss curve, the model card; then
 * publishes the model under {@code runs/<run>/model/} and to the hub. A decoder's {@code runs/<run>/model/} is a
 * Hugging Face GPT-2 directory ({@link HfGpt2Export}), or a Llama directory ({@link HfLlamaExport}) for a Llama run,
 * and a T5's ({@code TrainingConfig.t5}) a Hugging Face T5 directory ({@link T5HfExport}), each with Kiln's
 * description of the run under {@code "kiln"} in its config.json; the hub entry keeps Kiln's own layout, which
 * continued pretraining loads.
 */
public final class EvaluationActivitiesImpl implements EvaluationActivities {
  static final List<String> DEFAULT_PROMPTS = List.of("The ", "It was a ", "In the beginning");

  private final ObjectStore store;
  private final CheckpointStore checkpoints;

  public EvaluationActivitiesImpl(ObjectStore store) {
    this.store = store;
    this.checkpoints = new CheckpointStore(store);
  }

  @Override
  public EvaluationResult evaluate(EvaluationRequest r) {
    TrainingConfig config = r.config();
    RunSpec.EvaluationSpec spec = r.spec().evaluation();
    TokenCorpus corpus = TokenCorpus.load(store, config.manifestKey());
    int[] heldOut = Arrays.copyOf(corpus.heldOut(), Math.min(corpus.heldOut().length, spec.maxHeldOutTokens()));
    byte[] weights = checkpoints.readModel(r.training().finalCheckpoint());
    Activity.getExecutionContext().heartbeat("scoring held-out");

    Objective objective = config.objective();
    UnigramBaseline baseline = new UnigramBaseline(corpus.train(), config.shape().vocabSize());
    ModelCardWriter.Metrics metrics;
    ai.djl.Device device = evaluationDevice(config.device());
    try (TransformerModel model = TransformerModel.load(config, config.shape(), weights, device)) {
      metrics = switch (objective) {
        case CLM -> causal((CausalDecoder) model, baseline, heldOut, r);
        case MLM -> TextScores.masked(model, baseline, heldOut, config.seed(), EvaluationActivitiesImpl::heartbeat);
        case SPAN_CORRUPTION -> TextScores.spanCorruption(
            (Seq2SeqModel) model, baseline, heldOut, config.seed(), EvaluationActivitiesImpl::heartbeat);
      };
      DocumentOfOriginProbe.Result probe = DocumentOfOriginProbe.run(
          model, corpus.heldOut(), corpus.manifest().eosId(), EvaluationActivitiesImpl::heartbeat);
      metrics = withProbe(metrics, probe);
      if (objective == Objective.MLM && probe != null && r.comparesWithDecoder()) {
        metrics = withDecoderProbe(metrics, config, corpus, heldOut, device);
      }
    }
    double loss = metrics.heldOutLoss();

    String modelId = r.spec().name();
    String prefix = "runs/" + r.runId() + "/model/";
    byte[] tokenizerJson = ReservedTokens.addTo(
        store.get(r.curation().tokenizerKey()), objective, config.shape().vocabSize(), config.shape().contextLength());
    String card = ModelCardWriter.write(modelId, r, metrics);
    store.put(prefix + "eval.json", Json.pretty(evalJson(metrics)));
    store.put(prefix + "loss.png", lossPlot(modelId + " (" + r.runId() + ")", r.training(), loss,
        Math.log(metrics.unigramPerplexity())));
    store.put(prefix + ModelCardWriter.FUNNEL_CHART, store.get(r.curation().funnelChartKey()));
    if (objective == Objective.CLM) {
      // A Hugging Face GPT-2 or Llama directory (the card last, so a directory with a card is complete).
      SpecialTokens special = StoredTokenizer.specialTokens(store, r.curation().tokenizerKey(), tokenizerJson);
      decoderDirectory(config, weights, tokenizerJson, special, card, modelConfig(r))
          .forEach((name, bytes) -> store.put(prefix + name, bytes));
    } else if (config.t5() != null) {
      // A Hugging Face T5 directory (only span corruption trains a T5).
      T5HfExport.files(weights, T5Architecture.of(config.shape(), config.t5()), config.dropout(), tokenizerJson, card,
          modelConfig(r)).forEach((name, bytes) -> store.put(prefix + name, bytes));
    } else {
      // Encoders and Kiln's encoder-decoder are written as before (a BERT's config.json has transformers' fields).
      store.put(prefix + "model.safetensors", weights);
      store.put(prefix + "tokenizer.json", tokenizerJson);
      store.put(prefix + "config.json", Json.pretty(modelConfig(r)));
      store.put(prefix + "README.md", card.getBytes(StandardCharsets.UTF_8));
    }

    String hubWeights = ModelHub.PREFIX + modelId + "/model.safetensors";
    String hubTokenizer = ModelHub.PREFIX + modelId + "/tokenizer.json";
    store.put(hubWeights, weights);
    store.put(hubTokenizer, tokenizerJson);
    String tokenizerConfig = StoredTokenizer.configKey(r.curation().tokenizerKey());
    if (store.exists(tokenizerConfig)) { // a continued model's special tokens go where the next run looks for them
      store.put(StoredTokenizer.configKey(hubTokenizer), store.get(tokenizerConfig));
    }
    new ModelHub(store).publish(hubCard(modelId, r, metrics, hubWeights, hubTokenizer));
    return new EvaluationResult(
        loss, metrics.heldOutPerplexity(), metrics.unigramPerplexity(), metrics.tokensEvaluated(), metrics.samples(),
        metrics.objectiveMetrics(), beatsBaseline(objective, metrics), prefix, prefix + "README.md", modelId);
  }

  /** CLM: held-out perplexity and samples (the first greedy, the others at the spec's temperature). */
  private ModelCardWriter.Metrics causal(CausalDecoder model, UnigramBaseline baseline, int[] heldOut, EvaluationRequest r) {
    RunSpec.EvaluationSpec spec = r.spec().evaluation();
    LanguageModelEvaluator evaluator = new LanguageModelEvaluator(model);
    double loss = TextScores.causal(model, baseline, heldOut).heldOutLoss();
    List<String> samples = new ArrayList<>();
    try (BpeTokenizer tokenizer = loadTokenizer(r.curation().tokenizerKey())) {
      List<String> prompts = spec.prompts() == null || spec.prompts().isEmpty() ? DEFAULT_PROMPTS : spec.prompts();
      for (int i = 0; i < spec.samples(); i++) {
        String prompt = prompts.get(i % prompts.size());
        double temperature = i == 0 ? 0 : spec.temperature(); // the first sample is greedy
        int[] generated = evaluator.generate(tokenizer.encode(prompt), spec.maxNewTokens(), temperature, r.config().seed() + i);
        samples.add(tokenizer.decode(generated)); // the generated ids begin with the prompt's
        Activity.getExecutionContext().heartbeat("sample " + (i + 1));
      }
    }
    return new ModelCardWriter.Metrics(
        loss, Math.exp(loss), Math.exp(baseline.meanLoss(heldOut)), heldOut.length, samples, Map.of());
  }

  /** A decoder run's Hugging Face directory, by file name: a Llama's for a Llama run, else a GPT-2's. */
  static Map<String, byte[]> decoderDirectory(TrainingConfig config, byte[] weights, byte[] tokenizerJson,
      SpecialTokens special, String card, Map<String, Object> kiln) {
    return config.llama() != null
        ? HfLlamaExport.files(weights, config.shape(), config.llama(), config.dropout(), tokenizerJson, special, card, kiln)
        : HfGpt2Export.files(weights, config.shape(), config.mlpActivation(), config.dropout(), tokenizerJson, special,
            card, kiln);
  }

  /**
   * Every step's loss from the loss log when the result names the whole line of training; for a run too long for
   * that, the loss at each point of its thinned loss curve.
   */
  private byte[] lossPlot(String title, TrainingResult training, double heldOut, double baseline) {
    if (training.committedIsWholeLine()) {
      return LossCurvePlot.render(title, trainingLosses(training.committed()), heldOut, baseline);
    }
    LossCurve curve = training.lossCurve();
    return LossCurvePlot.render(title, curve.steps(), curve.losses(), heldOut, baseline);
  }

  /** Every training step's loss, in order, from the loss log of the committed checkpoints. */
  private List<Double> trainingLosses(List<CheckpointRef> committed) {
    List<Double> losses = new ArrayList<>();
    committed.stream()
        .sorted((a, b) -> Integer.compare(a.step(), b.step()))
        .forEach(ref -> losses.addAll(checkpoints.losses(ref)));
    return losses;
  }

  private static ModelCard hubCard(String id, EvaluationRequest r, ModelCardWriter.Metrics m, String weights, String tokenizer) {
    return new ModelCard(
        id, r.plan().architecture(), r.plan().objective(), parameters(r), r.config().shape(),
        tokenizer, weights, "other", r.spec().useCase().languages(), List.of(r.plan().task()),
        String.format("%s; %,d tokens kept of %,d raw (%.2f%%), run %s", r.spec().data().rawPrefixes(),
            r.curation().keptTokens(), r.curation().rawTokens(), 100 * r.curation().tokenRetention(), r.runId()),
        List.of("small model trained on a few million tokens; not reliable for facts"),
        hubResults(m),
        "kiln run " + r.runId(),
        java.time.Instant.now().toString(),
        ModelType.of(r.config()), r.config().llama(), r.config().activation(), null, null);
  }

  /** The model's parameter count: a Llama's from its options, the others' from the architecture's shape. */
  private static long parameters(EvaluationRequest r) {
    var s = r.config().shape();
    return r.config().llama() != null ? r.config().llama().parameters(s) : s.parameters(r.plan().architecture());
  }

  /** The comparison that decides whether a run learned more than token frequencies (see EvaluationResult). */
  static boolean beatsBaseline(Objective objective, ModelCardWriter.Metrics m) {
    Map<String, Double> x = m.objectiveMetrics();
    boolean perplexity = m.heldOutPerplexity() < m.unigramPerplexity();
    return switch (objective) {
      case CLM -> perplexity;
      case MLM -> perplexity && x.get("masked_token_accuracy") > x.get("most_frequent_token_accuracy");
      case SPAN_CORRUPTION -> perplexity && x.get("span_content_perplexity") < x.get("baseline_span_content_perplexity");
    };
  }

  /** Adds the document-of-origin probe's accuracy next to its chance level, when the held-out split allows it. */
  private static ModelCardWriter.Metrics withProbe(ModelCardWriter.Metrics m, DocumentOfOriginProbe.Result probe) {
    if (probe == null) {
      return m;
    }
    Map<String, Double> extra = new LinkedHashMap<>(m.objectiveMetrics());
    extra.put("document_probe_accuracy", probe.accuracy());
    extra.put("document_probe_chance", probe.chance());
    extra.put("document_probe_documents", (double) probe.documents());
    return new ModelCardWriter.Metrics(
        m.heldOutLoss(), m.heldOutPerplexity(), m.unigramPerplexity(), m.tokensEvaluated(), m.samples(), extra);
  }

  /**
   * The encoder's claim to classification, measured: the same probe on a decoder pretrained with causal LM on
   * the same tokens with the same budget ({@link ComparisonDecoder}). Only when the run opted in
   * ({@code evaluation.compareWithDecoder}, see {@link EvaluationRequest#comparesWithDecoder()}): the decoder trains
   * inside this activity without checkpoints, so a retry of the activity trains it again from step 0.
   */
  private static ModelCardWriter.Metrics withDecoderProbe(
      ModelCardWriter.Metrics m, TrainingConfig config, TokenCorpus corpus, int[] heldOut, ai.djl.Device device) {
    try (ComparisonDecoder decoder = ComparisonDecoder.train(config, corpus.train(), device,
        step -> Activity.getExecutionContext().heartbeat("comparison decoder step " + step + "/" + config.steps()),
        () -> Activity.getExecutionContext().heartbeat("comparison decoder waiting for " + TrainingHeartbeat.WAITING_FOR_ENGINE))) {
      DocumentOfOriginProbe.Result probe = DocumentOfOriginProbe.run(
          decoder.model(), corpus.heldOut(), corpus.manifest().eosId(), EvaluationActivitiesImpl::heartbeat);
      Map<String, Double> extra = new LinkedHashMap<>(m.objectiveMetrics());
      extra.put("decoder_document_probe_accuracy", probe.accuracy());
      extra.put("decoder_final_train_loss", decoder.finalLoss());
      // The decoder is a fair opponent only if it learned its own objective: its perplexity against the unigram's.
      double decoderLoss = new LanguageModelEvaluator(decoder.model()).meanLoss(heldOut, heldOut.length);
      extra.put("decoder_perplexity", Math.exp(decoderLoss));
      extra.put("decoder_unigram_perplexity",
          new UnigramBaseline(corpus.train(), decoder.config().shape().vocabSize()).perplexity(Arrays.copyOfRange(heldOut, 1, heldOut.length)));
      return new ModelCardWriter.Metrics(
          m.heldOutLoss(), m.heldOutPerplexity(), m.unigramPerplexity(), m.tokensEvaluated(), m.samples(), extra);
    }
  }

  /**
   * Evaluation runs on the cpu queue: on the run's first GPU when this worker has it, else on the CPU (a
   * cpu-queue worker without GPUs still evaluates a model trained on GPUs).
   */
  static ai.djl.Device evaluationDevice(String spec) {
    try {
      return Devices.parse(spec);
    } catch (IllegalArgumentException noSuchGpuHere) {
      return ai.djl.Device.cpu();
    }
  }

  private static void heartbeat() {
    Activity.getExecutionContext().heartbeat("scoring held-out");
  }

  private static Map<String, Double> hubResults(ModelCardWriter.Metrics m) {
    Map<String, Double> results = new LinkedHashMap<>();
    results.put("held_out_perplexity", m.heldOutPerplexity());
    results.put("unigram_perplexity", m.unigramPerplexity());
    results.putAll(m.objectiveMetrics());
    return results;
  }

  private static Map<String, Object> modelConfig(EvaluationRequest r) {
    var s = r.config().shape();
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("architecture", r.plan().architecture().id());
    c.put("objective", r.plan().objective().id());
    c.put("vocab_size", s.vocabSize());
    c.put("n_positions", s.contextLength());
    c.put("n_embd", s.dModel());
    c.put("n_layer", s.layers());
    c.put("n_head", s.heads());
    if (r.config().llama() != null) {
      c.put("llama", r.config().llama());
      c.put("tie_word_embeddings", r.config().llama().tieWordEmbeddings());
    } else {
      c.put("tie_word_embeddings", true);
      c.put("mlp_activation", r.config().mlpActivation().id());
    }
    c.put("parameters", parameters(r));
    c.put("reserved_tokens", r.config().objective().reservedTokens(s.contextLength()));
    if (r.config().encoderFlavor() != null) {
      // transformers' fields too, so that the directory (whose weights have transformers' names) loads there.
      BertArchitecture bert = BertArchitecture.forKiln(r.config().encoderFlavor(), s);
      c.putAll(BertHfExport.configFields(bert, r.config().dropout()));
      c.put("parameters", bert.parameterCount());
    }
    if (r.config().t5() != null) {
      T5Architecture t5 = T5Architecture.of(s, r.config().t5());
      c.put("t5", r.config().t5().id());
      c.put("tie_word_embeddings", t5.tiedHead());
      c.put("mlp_activation", t5.activation());
      c.put("parameters", t5.parameterCount());
    }
    return c;
  }

  private static Map<String, Object> evalJson(ModelCardWriter.Metrics m) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("held_out_loss", m.heldOutLoss());
    e.put("held_out_perplexity", m.heldOutPerplexity());
    e.put("unigram_perplexity", m.unigramPerplexity());
    e.put("held_out_tokens", m.tokensEvaluated());
    e.putAll(m.objectiveMetrics());
    e.put("samples", m.samples());
    return e;
  }

  private BpeTokenizer loadTokenizer(String key) {
    return StoredTokenizer.load(store, key);
  }

}
