package dev.kiln.activities.evaluation;

import dev.kiln.workflows.scope.Architecture;
import dev.kiln.activities.curation.CurationReport;
import dev.kiln.activities.hf.export.T5HfExport;
import dev.kiln.activities.training.T5Architecture;
import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.evaluation.EvaluationRequest;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.util.List;
import dev.kiln.workflows.training.GoodputLedger;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the Hugging Face-style model card (README.md with YAML front matter and a model-index) of a model
 * Kiln trained: what it is, how it was trained and on what, how it did, and what it is not for.
 */
public final class ModelCardWriter {
  /** The curation funnel chart's file name next to the card. */
  public static final String FUNNEL_CHART = "curation-funnel.png";

  private ModelCardWriter() {}

  /**
   * @param heldOutPerplexity perplexity for CLM, pseudo-perplexity for MLM, target perplexity for span corruption
   * @param objectiveMetrics the objective's own scores and their baselines (accuracy, exact match), by name
   */
  public record Metrics(
      double heldOutLoss, double heldOutPerplexity, double unigramPerplexity, long tokensEvaluated, List<String> samples,
      Map<String, Double> objectiveMetrics) {}

  /** The ladder's predicted held-out loss next to the one the run reached. */
  static String predictedAgainstAchieved(dev.kiln.workflows.scope.LadderPrediction p, double achieved) {
    String interval = Double.isNaN(p.lossLow()) ? "" : String.format(Locale.ROOT, " (95 %% interval %.4f-%.4f)",
        p.lossLow(), p.lossHigh());
    String verdict = Double.isNaN(p.lossLow()) ? ""
        : achieved < p.lossLow() ? ", below the interval"
        : achieved > p.lossHigh() ? ", above the interval" : ", within the interval";
    return String.format(Locale.ROOT, "ladder `%s` (%s) predicted a held-out loss of %.4f%s for %,d non-embedding"
        + " parameters on %,d tokens; achieved %.4f (%+.4f%s)", p.ladderId(), p.law(), p.loss(), interval,
        p.parameters(), p.tokens(), achieved, achieved - p.loss(), verdict);
  }

  public static String write(String modelId, EvaluationRequest r, Metrics m) {
    TrainingConfig c = r.config();
    ModelShape s = c.shape();
    CurationResult cur = r.curation();
    StringBuilder b = new StringBuilder();
    b.append("---\n");
    b.append("language:\n");
    r.spec().useCase().languages().forEach(l -> b.append("- ").append(l).append('\n'));
    b.append("license: other\n");
    // A decoder's directory is a Hugging Face GPT-2's, or a Llama's for a Llama run; a T5 run's a T5's.
    boolean transformers = r.plan().objective() == Objective.CLM;
    boolean llama = transformers && c.llama() != null;
    T5Architecture t5 = c.t5() == null ? null : T5Architecture.of(s, c.t5());
    b.append("library_name: ").append(transformers || t5 != null ? "transformers" : "kiln").append('\n');
    if (r.selection() != null && r.selection().continues() && r.selection().hubModelId() != null) {
      b.append("base_model: ").append(yamlString(r.selection().hubModelId())).append('\n');
    }
    b.append("pipeline_tag: ").append(pipelineTag(r.plan().objective())).append('\n');
    b.append("tags:\n- kiln\n- ").append(r.plan().architecture()).append("\n- ").append(r.plan().objective()).append('\n');
    if (transformers) {
      b.append(llama ? "- llama\n" : "- gpt2\n").append("- text-generation\n");
    }
    if (t5 != null) {
      b.append("- t5\n- text2text-generation\n");
    }
    b.append("datasets:\n");
    r.spec().data().rawPrefixes().forEach(d -> b.append("- ").append(yamlString(d)).append('\n'));
    b.append("model-index:\n");
    b.append("- name: ").append(modelId).append('\n');
    b.append("  results:\n");
    b.append("  - task:\n      type: ").append(pipelineTag(r.plan().objective())).append("\n      name: ")
        .append(objectiveName(r.plan().objective())).append('\n');
    b.append("    dataset:\n      type: kiln-held-out\n      name: held-out documents of run ").append(r.runId()).append('\n');
    b.append("    metrics:\n");
    b.append(String.format(Locale.ROOT, "    - type: perplexity%n      value: %.4f%n      name: held-out %s%n",
        m.heldOutPerplexity(), perplexityName(r.plan().objective())));
    b.append(String.format(Locale.ROOT, "    - type: perplexity%n      value: %.4f%n      name: unigram baseline perplexity%n", m.unigramPerplexity()));
    b.append(String.format(Locale.ROOT, "    - type: loss%n      value: %.4f%n      name: held-out cross-entropy (nats/token)%n", m.heldOutLoss()));
    m.objectiveMetrics().forEach((name, value) -> {
      if (!isProbeMetric(name)) {
        b.append(String.format(Locale.ROOT, "    - type: %s%n      value: %.4f%n      name: %s%n", name, value, name.replace('_', ' ')));
      }
    });
    Map<String, Double> x = m.objectiveMetrics();
    if (x.containsKey(PROBE_ACCURACY)) {
      b.append("  - task:\n      type: text-classification\n      name: document of origin (linear probe on frozen features)\n");
      b.append(String.format(Locale.ROOT, "    dataset:%n      type: kiln-held-out%n      name: passages of %.0f held-out documents of run %s%n",
          x.get("document_probe_documents"), r.runId()));
      b.append("    metrics:\n");
      b.append(String.format(Locale.ROOT, "    - type: accuracy%n      value: %.4f%n      name: linear probe on this %s's features%n",
          x.get(PROBE_ACCURACY), r.plan().architecture()));
      if (x.containsKey(DECODER_PROBE_ACCURACY)) {
        b.append(String.format(Locale.ROOT, "    - type: accuracy%n      value: %.4f%n      name: same probe on a decoder (GPT, causal LM) of"
            + " the same shape trained on the same tokens with the same budget%n", x.get(DECODER_PROBE_ACCURACY)));
      }
      b.append(String.format(Locale.ROOT, "    - type: accuracy%n      value: %.4f%n      name: chance (one document)%n",
          x.get("document_probe_chance")));
    }
    b.append("---\n\n");

    b.append("# ").append(modelId).append("\n\n");
    String family = r.plan().architecture() == Architecture.ENCODER_DECODER ? "encoder-decoder" : r.plan().architecture() + "-only";
    b.append(family.startsWith("e") ? "An " : "A ").append(family).append(" transformer pretrained with ")
        .append(r.plan().objective()).append(" by Kiln run `").append(r.runId()).append("` for the use case: ")
        .append(r.plan().task()).append(".\n\n");
    b.append("## Model details\n\n");
    if (llama) {
      b.append(String.format(Locale.ROOT,
          "- Parameters: %,d (Llama: hidden %d, %d layers, %d heads, %d key-value heads, MLP %d, context %d,"
              + " vocabulary %d, %s embeddings)%n",
          c.llama().parameters(s), s.dModel(), s.layers(), s.heads(), c.llama().keyValueHeads(),
          c.llama().intermediateSize(), s.contextLength(), s.vocabSize(), c.llama().tieWordEmbeddings() ? "tied" : "untied"));
    } else {
      b.append(String.format(Locale.ROOT,
          "- Parameters: %,d (d_model %d, %d layers, %d heads, context %d, vocabulary %d, %s)%n",
          t5 == null ? s.parameters(r.plan().architecture()) : t5.parameterCount(), s.dModel(), s.layers(), s.heads(),
          s.contextLength(), s.vocabSize(), t5 == null || t5.tiedHead() ? "tied embeddings" : "separate lm_head"));
    }
    b.append("- Why this architecture: ").append(r.plan().architectureReason()).append('\n');
    b.append("- Size: ").append(r.plan().sizingReason()).append('\n');
    if (r.plan().ladder() != null) {
      b.append("- Scaling law: ").append(predictedAgainstAchieved(r.plan().ladder(), m.heldOutLoss())).append('\n');
    }
    b.append("- Starting point: ").append(r.selection().reason()).append("\n\n");
    if (transformers) {
      b.append("## How to use\n\n");
      String model = llama ? "A Llama (`LlamaForCausalLM`)"
          : "A GPT-2 (`GPT2LMHeadModel`, `activation_function: " + c.mlpActivation().id() + "`)";
      b.append(String.format(Locale.ROOT, "%s that transformers loads as it is; prompts and continuations together must"
          + " fit in %d tokens.%n%n", model, s.contextLength()));
      b.append("```python\nfrom transformers import AutoModelForCausalLM, AutoTokenizer\n\n"
          + "tokenizer = AutoTokenizer.from_pretrained(\"path/to/this/directory\")\n"
          + "model = AutoModelForCausalLM.from_pretrained(\"path/to/this/directory\")\n"
          + "ids = tokenizer(\"It was a \", return_tensors=\"pt\")\n"
          + "print(tokenizer.decode(model.generate(**ids, max_new_tokens=40)[0]))\n```\n\n");
    }
    if (t5 != null) {
      b.append("## How to use\n\n");
      b.append(String.format(Locale.ROOT, "A T5 (`T5ForConditionalGeneration`, %s, `feed_forward_proj: %s`) that"
          + " transformers loads as it is. It was pretrained on span corruption only: it writes the text that the"
          + " sentinels `<extra_id_0>`, `<extra_id_1>`, ... stand for, each after its sentinel. Its training inputs and"
          + " targets had no end token, so give generation a length; inputs of at most %d tokens.%n%n", c.t5().id(),
          T5HfExport.feedForwardProj(t5), s.contextLength()));
      b.append("```python\nfrom transformers import AutoModelForSeq2SeqLM, AutoTokenizer\n\n"
          + "tokenizer = AutoTokenizer.from_pretrained(\"path/to/this/directory\")\n"
          + "model = AutoModelForSeq2SeqLM.from_pretrained(\"path/to/this/directory\")\n"
          + "ids = tokenizer(\"It was a <extra_id_0> day.\", return_tensors=\"pt\")\n"
          + "print(tokenizer.decode(model.generate(**ids, max_new_tokens=10)[0]))\n```\n\n");
    }
    b.append("## Intended uses\n\n");
    b.append("- ").append(r.spec().useCase().description() == null ? r.plan().task() : r.spec().useCase().description()).append('\n');
    b.append("- Research on pretraining pipelines; a starting point for continued pretraining in Kiln's hub.\n\n");
    b.append("## Training data\n\n");
    b.append(String.format(Locale.ROOT,
        "Raw sources %s: %,d documents, %,d tokens. Curation kept %,d documents and %,d tokens (%.2f%% of raw tokens); "
            + "%,d tokens train, %,d tokens held out (whole documents).%n%n",
        r.spec().data().rawPrefixes(), cur.rawDocuments(), cur.rawTokens(), cur.keptDocuments(), cur.keptTokens(),
        100 * cur.tokenRetention(), cur.trainTokens(), cur.heldOutTokens()));
    b.append("Curation profile `").append(r.spec().curation().profile()).append("` (")
        .append(r.spec().curation().rules().name()).append("); tokens are GPT-2 reference tokens, and \"raw left\" is the share of ")
        .append("raw tokens still there after the step. The full report with examples of dropped documents is ")
        .append("`runs/").append(r.runId()).append("/curated/report.txt`.\n\n");
    long rawTokens = cur.funnel().get(0).tokensIn();
    b.append("| step | documents in | kept | tokens in | kept | raw left | main reasons |\n|---|---:|---:|---:|---:|---:|---|\n");
    for (StepStats st : cur.funnel()) {
      b.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %,d | %,d | %.2f%% | %s |%n",
          st.step(), st.documentsIn(), st.documentsKept(), st.tokensIn(), st.tokensKept(),
          rawTokens == 0 ? 0 : 100.0 * st.tokensKept() / rawTokens, CurationReport.mainReasons(st, 3)));
    }
    b.append("\n![curation funnel](").append(FUNNEL_CHART).append(")\n");
    b.append("\n## Training procedure\n\n");
    b.append(String.format(Locale.ROOT,
        "- %,d steps x batch %d x context %d = %,d tokens; AdamW (beta 0.9/0.95, weight decay %.3g on matrices),"
            + " peak learning rate %.3g with %d warmup steps and cosine decay to %.3g; global-norm clip %.2g; dropout %.2g; seed %d%n",
        c.steps(), c.batchSize(), s.contextLength(), r.training().tokensSeen(), c.weightDecay(), c.learningRate(),
        c.warmupSteps(), c.minLearningRate(), c.gradClip(), c.dropout(), c.seed()));
    b.append(String.format(Locale.ROOT, "- Device %s; %,.0f tokens/s; final train loss %.4f; checkpoints every %d steps%n",
        c.device(), r.training().tokensPerSecond(), r.training().finalCheckpoint().trainLoss(), c.checkpointEvery()));
    b.append("- Resilience: ").append(GoodputLedger.summary(r.training())).append('\n');
    GoodputLedger.details(r.training().interruptions(), r.training().rollbacks(), r.training().warnings(), r.training().totals())
        .forEach(line -> b.append("  - ").append(line).append('\n'));
    b.append("\n![training loss](loss.png)\n\n");
    b.append("## Evaluation\n\n");
    b.append(String.format(Locale.ROOT,
        "Held-out %s **%.2f** against a unigram baseline of %.2f (fitted on the training tokens), over %,d held-out tokens.%n%n",
        perplexityName(r.plan().objective()), m.heldOutPerplexity(), m.unigramPerplexity(), m.tokensEvaluated()));
    m.objectiveMetrics().forEach((name, value) -> {
      if (!isProbeMetric(name)) {
        b.append(String.format(Locale.ROOT, "- %s: %.4f%n", name.replace('_', ' '), value));
      }
    });
    b.append('\n');
    if (x.containsKey(PROBE_ACCURACY)) {
      b.append(String.format(Locale.ROOT, "Downstream probe: which of %.0f held-out documents a passage comes from, read by a"
              + " linear probe (logistic regression) on frozen, mean-pooled last-layer features: this %s %.1f %%",
          x.get("document_probe_documents"), r.plan().architecture(), 100 * x.get(PROBE_ACCURACY)));
      if (x.containsKey(DECODER_PROBE_ACCURACY)) {
        b.append(String.format(Locale.ROOT, ", a decoder (GPT of the same shape, causal LM, same tokens and budget; held-out"
                + " perplexity %.1f against its unigram's %.1f) %.1f %%",
            x.get("decoder_perplexity"), x.get("decoder_unigram_perplexity"), 100 * x.get(DECODER_PROBE_ACCURACY)));
      }
      b.append(String.format(Locale.ROOT, ", chance %.1f %%.%n%n", 100 * x.get("document_probe_chance")));
    }
    if (!m.samples().isEmpty()) {
      b.append("Samples:\n\n");
      for (String sample : m.samples()) {
        b.append("> ").append(sample.replace("\n", "\n> ")).append("\n\n");
      }
    }
    b.append("## Limitations\n\n");
    b.append("- A small model trained on a few million tokens: it learns local word statistics and style, not facts;"
        + " its text is not reliable and must not be used for decisions.\n");
    b.append("- Trained only on the curated sources above; it reflects their language, era and biases.\n");
    b.append("- The data passed the rules of the curation profile above (heuristic filters, word lists, exact and"
        + " MinHash near dedup), not a learned quality classifier; what those rules miss is in the model.\n");
    return b.toString();
  }

  static final String PROBE_ACCURACY = "document_probe_accuracy";
  static final String DECODER_PROBE_ACCURACY = "decoder_document_probe_accuracy";

  private static boolean isProbeMetric(String name) {
    return name.startsWith("document_probe_") || name.startsWith("decoder_");
  }

  private static String pipelineTag(Objective objective) {
    return switch (objective) {
      case CLM -> "text-generation";
      case MLM -> "fill-mask";
      case SPAN_CORRUPTION -> "text2text-generation";
    };
  }

  private static String objectiveName(Objective objective) {
    return switch (objective) {
      case CLM -> "causal language modeling";
      case MLM -> "masked language modeling";
      case SPAN_CORRUPTION -> "span corruption";
    };
  }

  private static String perplexityName(Objective objective) {
    return switch (objective) {
      case CLM -> "perplexity";
      case MLM -> "pseudo-perplexity";
      case SPAN_CORRUPTION -> "span-target perplexity";
    };
  }

  /** A YAML scalar that stays a string whatever the prefix holds (colons, leading dashes). */
  static String yamlString(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
