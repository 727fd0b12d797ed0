package dev.kiln.workflows.spec;

import dev.kiln.workflows.scope.ModelType;

import dev.kiln.workflows.training.DeviceSpec;
import java.util.Arrays;
import dev.kiln.workflows.training.MlpActivation;
import dev.kiln.workflows.training.Objective;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a RunSpec before anything runs. Pure and deterministic, so the CLI (before starting the workflow)
 * and the workflow itself (as a non-retryable failure) apply the same rules.
 */
public final class RunSpecValidator {
  public static final Set<String> TASKS =
      Set.of("classification", "ner", "generation", "translation", "summarization", "qa");
  public static final Set<String> MODEL_STRATEGIES = Set.of("auto", "scratch", "continue");
  /** Token ids are stored as uint16 in shards and in exported tokenizers. */
  private static final int MAX_MODEL_VOCAB = 65_536;
  private static final Pattern RUN_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  /** A ladder id is its workflow id, which is also an S3 prefix under ladders/. */
  public static final Pattern LADDER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
  private static final Pattern RAW_PREFIX = Pattern.compile("raw/[A-Za-z0-9._/-]*");

  private final List<SpecProblem> problems = new ArrayList<>();

  private RunSpecValidator() {}

  /** Throws {@link InvalidRunSpecException} naming {@code source} and every problem found. */
  public static void check(RunSpec spec, String source) {
    List<SpecProblem> found = validate(spec);
    if (!found.isEmpty()) {
      throw new InvalidRunSpecException(source, found);
    }
  }

  public static List<SpecProblem> validate(RunSpec spec) {
    RunSpecValidator v = new RunSpecValidator();
    v.run(spec);
    return List.copyOf(v.problems);
  }

  private void run(RunSpec s) {
    if (s == null) {
      problem("(root)", "the file is empty", "start from one of the specs in configs/");
      return;
    }
    if (s.name() == null || !RUN_NAME.matcher(s.name()).matches()) {
      problem("name", "is " + quoted(s.name()), "use 1-63 lower-case letters, digits or '-', starting with a letter or digit");
    }
    useCase(s.useCase());
    budget(s.budget());
    model(s.model());
    data(s.data());
    curation(s.curation());
    tokenizer(s.tokenizer());
    training(s.training(), s.tokenizer());
    objectiveFits(s);
    evaluation(s.evaluation(), s.useCase() == null ? null : s.useCase().task());
    resilience(s.resilienceOrDefaults());
  }

  private void resilience(RunSpec.Resilience r) {
    range("resilience.keepLast", r.keepLast(), 1, 1000, "committed checkpoints to keep, at least 1 (e.g. 3)");
    range("resilience.keepEvery", r.keepEvery(), 0, 1_000_000, "keep every N-th checkpoint as well, e.g. 10 (0: none)");
    range("resilience.lossSpikeFactor", r.lossSpikeFactor(), 0, 1000, "e.g. 3.0 (a loss above 3x its moving average), or 0 to turn spike detection off");
    if (r.lossSpikeFactor() > 0 && r.lossSpikeFactor() <= 1) {
      problem("resilience.lossSpikeFactor", "is " + r.lossSpikeFactor() + ": every ordinary step would be a spike",
          "use a factor above 1, e.g. 3.0, or 0 to turn spike detection off");
    }
    range("resilience.lossSpikeWindow", r.lossSpikeWindow(), 1, 100_000, "steps in the moving average, e.g. 50");
    range("resilience.maxRollbacks", r.maxRollbacks(), 0, 1000, "e.g. 3");
    range("resilience.heartbeatSeconds", r.heartbeatSeconds(), 1, 3600, "e.g. 10: a dead training worker is noticed this fast");
    range("resilience.segmentSeconds", r.segmentSeconds(), 1, 86_400, "e.g. 900: each training activity ends at a checkpoint after this long");
    range("resilience.continueAsNewAfterEvents", r.continueAsNewAfterEvents(), 100, 50_000, "e.g. 1000 history events");
  }

  private void useCase(RunSpec.UseCase u) {
    if (required("useCase", u)) {
      if (u.task() == null || !TASKS.contains(u.task())) {
        problem("useCase.task", "is " + quoted(u.task()) + ", not a known task", "use one of " + sorted(TASKS));
      }
      if (u.languages() == null || u.languages().isEmpty()) {
        problem("useCase.languages", "is missing", "list the languages the model is for, e.g. [en]");
      } else {
        languages("useCase.languages", u.languages(), false);
      }
    }
  }

  /**
   * Every language must be one curation can work in (see {@link Languages}): caught here, before the run starts,
   * instead of inside curation half a minute later.
   */
  private void languages(String field, List<String> codes, boolean badWords) {
    for (int i = 0; i < codes.size(); i++) {
      List<String> missing = Languages.missing(codes.get(i), badWords);
      if (!missing.isEmpty()) {
        problem(field + "[" + i + "]", "is " + quoted(codes.get(i)) + ", a language Kiln cannot curate (it lacks "
                + String.join(" and ", missing) + " for it)",
            "use ISO 639-1 codes Kiln can curate" + (badWords ? " with this profile's badWords step" : "") + ": "
                + String.join(", ", Languages.supported(badWords)));
      }
    }
  }

  private void budget(RunSpec.Budget b) {
    if (required("budget", b)) {
      range("budget.trainingFlops", b.trainingFlops(), 1e9, 1e26, "training FLOPs, e.g. 2.0e13 (C ~ 6 N D)");
      range("budget.expectedCurationYield", b.expectedCurationYield(), 1e-4, 1.0, "a fraction in (0, 1], e.g. 0.03");
      range("budget.tokensPerParameter", b.tokensPerParameter(), 1, 10_000, "about 20 (Chinchilla)");
      if (b.ladder() != null && !LADDER_ID.matcher(b.ladder()).matches()) {
        problem("budget.ladder", "is " + quoted(b.ladder()) + ", not a ladder id",
            "name a finished ladder by the id `kiln ladder start` printed (letters, digits, '.', '_', '-'), or remove it");
      }
    }
  }

  private void model(RunSpec.ModelChoice m) {
    if (required("model", m)) {
      if (m.strategy() == null || !MODEL_STRATEGIES.contains(m.strategy())) {
        problem("model.strategy", "is " + quoted(m.strategy()), "use one of " + sorted(MODEL_STRATEGIES));
      } else if (m.strategy().equals("continue") && (m.hubModel() == null || m.hubModel().isBlank())) {
        problem("model.hubModel", "is missing while strategy is 'continue'", "name the hub model id to continue from, or use strategy 'auto'");
      }
    }
  }

  private void data(RunSpec.DataSpec d) {
    if (required("data", d)) {
      if (d.rawPrefixes() == null || d.rawPrefixes().isEmpty()) {
        problem("data.rawPrefixes", "is missing", "list S3 prefixes under raw/, e.g. [raw/gutenberg/]");
      } else {
        for (int i = 0; i < d.rawPrefixes().size(); i++) {
          String p = d.rawPrefixes().get(i);
          if (p == null || !RAW_PREFIX.matcher(p).matches() || p.contains("..")) {
            problem("data.rawPrefixes[" + i + "]", "is " + quoted(p), "use a prefix under raw/, e.g. raw/gutenberg/");
          }
        }
      }
      range("data.heldOutFraction", d.heldOutFraction(), 0.001, 0.5, "a fraction such as 0.05");
      range("data.documentsPerShard", d.documentsPerShard(), 1, 100_000, "how many raw objects one shard reads, e.g. 200");
      if (d.whenNothingNew() != null && !List.of(RunSpec.DataSpec.SKIP, RunSpec.DataSpec.ALL).contains(d.whenNothingNew())) {
        problem("data.whenNothingNew", "is " + quoted(d.whenNothingNew()),
            "use skip (the run ends as skipped when no new raw data arrived) or all (curate everything again)");
      } else if (d.whenNothingNew() != null && !d.newDataOnly()) {
        problem("data.whenNothingNew", "is set while data.onlyNew is false", "set data.onlyNew: true, or remove whenNothingNew");
      }
      if (d.format() != null && !RunSpec.DataSpec.FORMATS.contains(d.format())) {
        problem("data.format", "is " + quoted(d.format()) + ", not a format Kiln reads",
            "use one of " + String.join(", ", RunSpec.DataSpec.FORMATS) + " (auto: by extension, then by content)");
      }
      if (d.recordsPerShard() != null) {
        range("data.recordsPerShard", d.recordsPerShard(), 1, 1_000_000,
            "how many WARC records, JSONL lines or Parquet rows one shard reads, e.g. 2000");
      }
      if (d.fields() != null) {
        RunSpec.DataSpec.Fields f = d.fields();
        String[][] named = {{"text", f.text()}, {"id", f.id()}, {"url", f.url()}};
        for (String[] n : named) {
          if (n[1] != null && n[1].isBlank()) {
            problem("data.fields." + n[0], "is blank", "name the record field (Parquet column) holding the " + n[0]
                + ", or leave it out for the default '" + n[0] + "'");
          }
        }
      }
    }
  }

  private void curation(RunSpec.CurationSpec c) {
    if (!required("curation", c)) {
      return;
    }
    boolean badWords = c.rules() != null && c.rules().steps() != null
        && c.rules().steps().stream().anyMatch(step -> step instanceof CurationStepSpec.BadWords);
    if (c.languages() == null || c.languages().isEmpty()) {
      problem("curation.languages", "is missing", "list ISO 639-1 codes to keep, e.g. [en]");
    } else {
      languages("curation.languages", c.languages(), badWords);
    }
    range("curation.minLanguageConfidence", c.minLanguageConfidence(), 0, 1, "a probability such as 0.65");
    if (c.languageModel() != null && (c.languageModel().isBlank() || c.languageModel().endsWith("/"))) {
      problem("curation.languageModel", "is '" + c.languageModel() + "', not the key of a model file",
          "give the key of a fastText model in the run's bucket, e.g. models/lid.176.ftz, or leave the field out for"
              + " the built-in detector (docs/language-id.md)");
    }
    if (c.rules() == null) {
      problem("curation.profile", "was not loaded", "name a curation profile file, e.g. curation/english-web.yaml");
      return;
    }
    CurationProfile p = c.rules();
    if (p.steps() == null) {
      problem("curation.profile.steps", "is missing", "list the steps in order (see configs/curation/english-web.yaml)");
    } else {
      for (int i = 0; i < p.steps().size(); i++) {
        step("curation.profile.steps[" + i + "].", p.steps().get(i));
      }
    }
    if (required("curation.profile.nearDedup", p.nearDedup())) {
      CurationProfile.NearDedup n = p.nearDedup();
      range("curation.profile.nearDedup.bands", n.bands(), 1, 64, "FineWeb uses 14");
      range("curation.profile.nearDedup.rows", n.rows(), 1, 64, "FineWeb uses 8");
      range("curation.profile.nearDedup.shingleWords", n.shingleWords(), 1, 32, "FineWeb uses 5");
    }
  }

  private void step(String at, CurationStepSpec step) {
    if (step instanceof CurationStepSpec.BoilerplateLines b) {
      range(at + "minDocuments", b.minDocuments(), 2, 1_000_000, "e.g. 5: a line on that many pages of a shard is chrome");
      range(at + "minDocumentFraction", b.minDocumentFraction(), 0, 1, "e.g. 0.1");
    } else if (step instanceof CurationStepSpec.GopherRepetition r) {
      fraction(at + "maxDuplicateLineFraction", r.maxDuplicateLineFraction(), "Gopher uses 0.3");
      fraction(at + "maxDuplicateParagraphFraction", r.maxDuplicateParagraphFraction(), "Gopher uses 0.3");
      fraction(at + "maxDuplicateLineCharFraction", r.maxDuplicateLineCharFraction(), "Gopher uses 0.2");
      fraction(at + "maxDuplicateParagraphCharFraction", r.maxDuplicateParagraphCharFraction(), "Gopher uses 0.2");
      nGramFractions(at + "maxTopNGramCharFraction", r.maxTopNGramCharFraction(), "Gopher uses {2: 0.2, 3: 0.18, 4: 0.16}");
      nGramFractions(at + "maxDuplicateNGramCharFraction", r.maxDuplicateNGramCharFraction(), "Gopher uses {5: 0.15, ..., 10: 0.1}");
    } else if (step instanceof CurationStepSpec.GopherQuality q) {
      range(at + "minWords", q.minWords(), 0, 1_000_000, "Gopher uses 50");
      range(at + "maxWords", q.maxWords(), 1, 100_000_000, "Gopher uses 100000");
      if (q.maxWords() < q.minWords()) {
        problem(at + "maxWords", "is below minWords", "make maxWords >= minWords");
      }
      range(at + "minMeanWordLength", q.minMeanWordLength(), 0, 100, "Gopher uses 3");
      range(at + "maxMeanWordLength", q.maxMeanWordLength(), 1, 1000, "Gopher uses 10");
      if (q.maxMeanWordLength() < q.minMeanWordLength()) {
        problem(at + "maxMeanWordLength", "is below minMeanWordLength", "make it >= minMeanWordLength");
      }
      range(at + "maxSymbolToWordRatio", q.maxSymbolToWordRatio(), 0, 10, "Gopher uses 0.1");
      fraction(at + "maxBulletLineFraction", q.maxBulletLineFraction(), "Gopher uses 0.9");
      fraction(at + "maxEllipsisLineFraction", q.maxEllipsisLineFraction(), "Gopher uses 0.3");
      fraction(at + "minAlphabeticWordFraction", q.minAlphabeticWordFraction(), "Gopher uses 0.8");
      range(at + "minStopWords", q.minStopWords(), 0, 8, "Gopher uses 2");
    } else if (step instanceof CurationStepSpec.C4 c4) {
      range(at + "minWordsPerLine", c4.minWordsPerLine(), 0, 1000, "C4 uses 3");
      range(at + "maxWordLength", c4.maxWordLength(), 1, 1_000_000, "C4 uses 1000");
      range(at + "minSentences", c4.minSentences(), 0, 1000, "C4 uses 5");
    } else if (step instanceof CurationStepSpec.FineWeb f) {
      fraction(at + "minLinePunctuationFraction", f.minLinePunctuationFraction(), "FineWeb uses 0.12");
      fraction(at + "maxShortLineFraction", f.maxShortLineFraction(), "FineWeb uses 0.67");
      range(at + "shortLineLength", f.shortLineLength(), 1, 10_000, "FineWeb uses 30");
      fraction(at + "maxDuplicateLineCharFraction", f.maxDuplicateLineCharFraction(), "FineWeb uses 0.01");
      range(at + "maxNewlineToWordRatio", f.maxNewlineToWordRatio(), 0, 10, "FineWeb uses 0.3");
    } else if (step instanceof CurationStepSpec.BadWords w) {
      fraction(at + "maxBadWordFraction", w.maxBadWordFraction(), "C4 uses 0 (any listed word drops the page)");
    } else if (step instanceof CurationStepSpec.UrlBlocklist u) {
      if (u.list() == null || u.list().isBlank()) {
        problem(at + "list", "is missing", "give the S3 prefix of a blocklist in UT1 layout, e.g. lists/ut1/");
      }
      if (u.categories() == null || u.categories().isEmpty()
          || u.categories().stream().anyMatch(c -> c == null || c.isBlank() || c.contains("/"))) {
        problem(at + "categories", "is missing, empty or has a blank or nested name",
            "list UT1 category directories under the list prefix, e.g. [adult, malware, phishing]");
      }
    } else if (step instanceof CurationStepSpec.QualityClassifier q) {
      if (q.model() == null || q.model().isBlank()) {
        problem(at + "model", "is missing", "give the S3 prefix kiln quality train wrote, e.g. models/quality/books-vs-web/");
      }
      oneThreshold(at, "minScore", q.minScore(), q.keepFraction(), "a probability such as 0.5");
      if (q.minScore() != null) {
        fraction(at + "minScore", q.minScore(), "a probability such as 0.5");
      }
    } else if (step instanceof CurationStepSpec.Perplexity p) {
      if (p.model() == null || p.model().isBlank()) {
        problem(at + "model", "is missing", "give the id of a causal language model in Kiln's hub (hub/<id>/card.yaml in the bucket)");
      }
      oneThreshold(at, "maxPerplexity", p.maxPerplexity(), p.keepFraction(), "e.g. 1000");
      if (p.maxPerplexity() != null) {
        range(at + "maxPerplexity", p.maxPerplexity(), 1, 1e12, "a perplexity such as 1000");
      }
      if (p.maxTokens() != null) {
        range(at + "maxTokens", p.maxTokens(), 2, 1_000_000, "e.g. 512 (scoring reads at most that many tokens of a document)");
      }
    }
  }

  /** A scoring step keeps by a threshold or by a fraction: exactly one of them. */
  private void oneThreshold(String at, String threshold, Double value, Double keepFraction, String example) {
    if ((value == null) == (keepFraction == null)) {
      problem(at + threshold + "/keepFraction", value == null ? "are both missing" : "are both given",
          "give either " + threshold + " (" + example + ") or keepFraction (e.g. 0.3), not both");
    }
    if (keepFraction != null && !(keepFraction > 0 && keepFraction <= 1)) {
      problem(at + "keepFraction", "is " + keepFraction + ", outside (0, 1]", "the share of documents to keep, e.g. 0.3");
    }
  }

  private void nGramFractions(String field, Map<Integer, Double> fractions, String fix) {
    if (fractions == null) {
      problem(field, "is missing", fix);
      return;
    }
    fractions.forEach((n, fraction) -> {
      range(field + "[" + n + "]", n, 1, 32, "n between 1 and 32; " + fix);
      fraction(field + "[" + n + "]", fraction == null ? Double.NaN : fraction, fix);
    });
  }

  private void fraction(String field, double value, String fix) {
    range(field, value, 0, 1, fix);
  }

  private void tokenizer(RunSpec.TokenizerSpec t) {
    if (required("tokenizer", t)) {
      range("tokenizer.vocabSize", t.vocabSize(), 260, 65_535, "a size between 260 (bytes + specials) and 65535, e.g. 4096");
      if (t.trainingSampleChars() != null) {
        range("tokenizer.trainingSampleChars", t.trainingSampleChars(), 1, 2_000_000_000L,
            "a positive number of characters, e.g. 10000000 (the default)");
      }
    }
  }

  private void training(RunSpec.TrainingSpec t, RunSpec.TokenizerSpec tok) {
    if (!required("training", t)) {
      return;
    }
    range("training.contextLength", t.contextLength(), 8, 8192, "e.g. 128");
    range("training.batchSize", t.batchSize(), 1, 4096, "e.g. 16");
    range("training.steps", t.steps(), 0, 10_000_000, "0 derives the steps from the budget, or give a positive count");
    range("training.dModel", t.dModel(), 0, 16_384, "0 derives it from the budget, or e.g. 128");
    range("training.layers", t.layers(), 0, 256, "0 derives it from the budget, or e.g. 4");
    range("training.heads", t.heads(), 0, 256, "0 derives it from the budget, or e.g. 4");
    boolean shapeGiven = t.dModel() > 0 || t.layers() > 0 || t.heads() > 0;
    if (shapeGiven && (t.dModel() <= 0 || t.layers() <= 0 || t.heads() <= 0)) {
      problem("training.dModel/layers/heads", "are partly given", "give all three, or none (0) to derive them from the budget");
    } else if (shapeGiven && t.dModel() % t.heads() != 0) {
      problem("training.heads", t.heads() + " heads do not divide dModel " + t.dModel(), "choose heads that divide dModel, e.g. " + largestDivisorUpTo(t.dModel(), t.heads()));
    }
    range("training.learningRate", t.learningRate(), 1e-7, 1.0, "e.g. 0.003");
    range("training.minLearningRate", t.minLearningRate(), 0, t.learningRate(), "at most learningRate, e.g. learningRate / 10");
    range("training.warmupSteps", t.warmupSteps(), 0, 1_000_000, "e.g. 50");
    if (t.steps() > 0 && t.warmupSteps() >= t.steps()) {
      problem("training.warmupSteps", "is not below steps (" + t.steps() + ")", "use fewer warmup steps than training steps");
    }
    range("training.weightDecay", t.weightDecay(), 0, 1, "e.g. 0.1");
    range("training.gradClip", t.gradClip(), 0, 1000, "global-norm clip such as 1.0 (0 turns it off)");
    range("training.dropout", t.dropout(), 0, 0.9, "e.g. 0.0 or 0.1");
    range("training.checkpointEvery", t.checkpointEvery(), 1, 1_000_000, "steps between checkpoints, e.g. 50");
    range("training.segmentSteps", t.segmentSteps(), 1, 10_000_000, "steps per training activity, e.g. 200");
    if (t.activation() != null && Arrays.stream(MlpActivation.values()).noneMatch(a -> a.id().equals(t.activation()))) {
      problem("training.activation", "is " + quoted(t.activation()),
          "use gelu (exact, the default) or gelu_new (GPT-2's tanh approximation), or leave it out");
    }
    try {
      int replicas = DeviceSpec.replicas(t.device());
      if (replicas > 1 && t.batchSize() < replicas) {
        problem("training.batchSize", "is " + t.batchSize() + ", fewer rows than the " + replicas + " GPUs of training.device '"
            + t.device() + "' that split each batch", "use batchSize >= " + replicas + " (a multiple of it balances the GPUs)");
      }
    } catch (IllegalArgumentException e) {
      problem("training.device", "is " + quoted(t.device()), DeviceSpec.HELP);
    }
  }

  /** Rules that depend on the objective the task implies (see {@link Objective#forTask}). */
  private void objectiveFits(RunSpec s) {
    if (s.useCase() == null || !TASKS.contains(s.useCase().task()) || s.training() == null || s.tokenizer() == null) {
      return; // already reported
    }
    Objective objective = Objective.forTask(s.useCase().task());
    int context = s.training().contextLength();
    if (objective == Objective.SPAN_CORRUPTION && context < Objective.minimumSpanCorruptionContext()) {
      problem("training.contextLength",
          "is " + context + ", too short for span corruption (task " + s.useCase().task() + "): 15 % of it is "
              + Objective.noiseTokens(context) + " token(s), less than one span of mean length " + Objective.MEAN_SPAN_LENGTH,
          "use contextLength >= " + Objective.minimumSpanCorruptionContext());
    }
    String architecture = s.training().architecture();
    if (architecture != null) {
      java.util.Optional<ModelType> type =
          Arrays.stream(ModelType.values()).filter(m -> m.id().equals(architecture)).findFirst();
      List<String> fitting = Arrays.stream(ModelType.values()).filter(m -> m.family() == objective.architecture())
          .map(ModelType::id).toList();
      if (type.isEmpty() || type.get().family() != objective.architecture()) {
        problem("training.architecture", "is " + quoted(architecture) + (type.isEmpty() ? "" : ", a "
                + type.get().family() + ", but task " + s.useCase().task() + " trains a " + objective.architecture()),
            "use one of " + fitting + " for task " + s.useCase().task() + ", or leave it out (the default: "
                + ModelType.defaultFor(objective.architecture()) + ")");
      } else if (type.get() != ModelType.GPT2 && s.training().activation() != null) {
        problem("training.activation", "is " + quoted(s.training().activation()) + ", but it chooses the MLP of Kiln's"
            + " GPT and training.architecture is " + architecture, "leave training.activation out");
      }
    }
    if (objective != Objective.CLM && MlpActivation.GELU_TANH.id().equals(s.training().activation())) {
      problem("training.activation", "is gelu_new, but task " + s.useCase().task() + " trains " + objective.id()
              + ", not a decoder: only a GPT can be GPT-2's maths",
          "leave it out (gelu), or use a task that trains a decoder (generation)");
    }
    int modelVocab = objective.modelVocabSize(s.tokenizer().vocabSize(), context);
    if (modelVocab > MAX_MODEL_VOCAB) {
      problem("tokenizer.vocabSize",
          "is " + s.tokenizer().vocabSize() + "; with the " + objective.reservedTokens(context) + " " + objective.id()
              + " token(s) appended ([MASK] or sentinels) the model's vocabulary of " + modelVocab
              + " no longer fits 16-bit token ids",
          "use vocabSize <= " + (MAX_MODEL_VOCAB - objective.reservedTokens(context)));
    }
  }

  private void evaluation(RunSpec.EvaluationSpec e, String useCaseTask) {
    if (required("evaluation", e)) {
      range("evaluation.samples", e.samples(), 0, 100, "how many samples to generate, e.g. 3");
      range("evaluation.maxNewTokens", e.maxNewTokens(), 1, 4096, "e.g. 48");
      range("evaluation.temperature", e.temperature(), 0, 5, "0 for greedy, or e.g. 0.8");
      range("evaluation.maxHeldOutTokens", e.maxHeldOutTokens(), 1000, 1_000_000_000, "how many held-out tokens to score, e.g. 200000");
      if (e.comparesWithDecoder() && useCaseTask != null && TASKS.contains(useCaseTask)
          && Objective.forTask(useCaseTask) != Objective.MLM) {
        problem("evaluation.compareWithDecoder", "is true, but task " + useCaseTask + " trains "
                + Objective.forTask(useCaseTask).id() + ", not an encoder: the comparison is for masked LM runs",
            "remove it, or use a task that trains an encoder (classification, ner)");
      }
    }
  }

  private boolean required(String field, Object section) {
    if (section == null) {
      problem(field, "is missing", "add the '" + field + "' section (see configs/tiny-gpt.yaml)");
      return false;
    }
    return true;
  }

  private void range(String field, double value, double min, double max, String fix) {
    if (!Double.isFinite(value)) {
      problem(field, "is " + format(value) + ", not a finite number", fix);
    } else if (value < min || value > max) {
      problem(field, "is " + format(value) + ", outside [" + format(min) + ", " + format(max) + "]", fix);
    }
  }

  private void problem(String field, String what, String fix) {
    problems.add(new SpecProblem(field, what, fix));
  }

  private static String format(double v) {
    if (Double.isNaN(v)) {
      return ".nan";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? ".inf" : "-.inf";
    }
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  /** A value from the spec, quoted and cut to a short excerpt: a message never echoes a whole file. */
  static String quoted(Object value) {
    String text = String.valueOf(value);
    String line = text.lines().findFirst().orElse("");
    boolean cut = line.length() > 40 || line.length() < text.strip().length();
    return "'" + (line.length() > 40 ? line.substring(0, 40) : line) + (cut ? "..." : "") + "'";
  }

  private static int largestDivisorUpTo(int n, int limit) {
    for (int h = Math.min(limit, n); h > 1; h--) {
      if (n % h == 0) {
        return h;
      }
    }
    return 1;
  }

  private static List<String> sorted(Set<String> set) {
    return set.stream().sorted().toList();
  }
}
