package dev.kiln.activities.ladder;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.KeepAlive;
import dev.kiln.activities.evaluation.ModelCardWriter;
import dev.kiln.activities.evaluation.TextScores;
import dev.kiln.activities.storage.Json;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.tokenizer.TokenCorpus;
import dev.kiln.activities.scaling.ParametricLaw;
import dev.kiln.activities.scaling.ScalingLawFitter;
import dev.kiln.activities.scaling.ScalingLawPlots;
import dev.kiln.activities.scaling.ScalingLawReport;
import dev.kiln.activities.scope.ScopeActivitiesImpl;
import dev.kiln.activities.training.CausalDecoder;
import dev.kiln.activities.training.CheckpointStore;
import dev.kiln.activities.training.Devices;
import dev.kiln.activities.training.Seq2SeqModel;
import dev.kiln.activities.training.TrainingStepMemory;
import dev.kiln.activities.training.TransformerModel;
import dev.kiln.activities.training.UnigramBaseline;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.ladder.LadderActivities;
import dev.kiln.workflows.ladder.LadderPoint;
import dev.kiln.workflows.ladder.LadderPlan;
import dev.kiln.workflows.ladder.LadderReport;
import dev.kiln.workflows.ladder.LadderRung;
import dev.kiln.workflows.ladder.LadderSpec;
import dev.kiln.workflows.ladder.RungResult;
import dev.kiln.workflows.scope.ModelType;
import dev.kiln.workflows.spec.InvalidRunSpecException;
import dev.kiln.workflows.training.TrainingConfig;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A ladder's planning, the measurement of each trained rung, and its report (see {@link LadderActivities}). */
public final class LadderActivitiesImpl implements LadderActivities {
  /** Training steps the peak-memory measurement takes (the first allocates, the second reuses: both count). */
  static final int MEMORY_STEPS = 2;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ObjectStore store;
  private final CheckpointStore checkpoints;

  public LadderActivitiesImpl(ObjectStore store) {
    this.store = store;
    this.checkpoints = new CheckpointStore(store);
  }

  @Override
  public LadderPlan plan(LadderSpec spec) {
    try {
      return LadderPlanner.plan(spec, "(ladder " + Activity.getExecutionContext().getInfo().getWorkflowId() + ")");
    } catch (InvalidRunSpecException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), Failures.INVALID_RUN_SPEC);
    }
  }

  @Override
  public RungResult measureRung(RungRequest r) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    LadderRung rung = r.rung();
    TrainingConfig config = r.config();
    try (KeepAlive ignored = KeepAlive.start(context, Duration.ofSeconds(5), () -> "measuring rung " + rung.name())) {
      TokenCorpus corpus = TokenCorpus.load(store, config.manifestKey());
      int[] heldOut = Arrays.copyOf(corpus.heldOut(), Math.min(corpus.heldOut().length, r.maxHeldOutTokens()));
      byte[] weights = checkpoints.readModel(r.training().finalCheckpoint());
      UnigramBaseline baseline = new UnigramBaseline(corpus.train(), config.shape().vocabSize());
      List<ai.djl.Device> devices = devices(config.device());
      ModelCardWriter.Metrics metrics;
      try (TransformerModel model = TransformerModel.load(config, config.shape(), weights, devices.get(0))) {
        metrics = switch (config.objective()) {
          case CLM -> TextScores.causal((CausalDecoder) model, baseline, heldOut);
          case MLM -> TextScores.masked(model, baseline, heldOut, config.seed(), () -> {});
          case SPAN_CORRUPTION -> TextScores.spanCorruption((Seq2SeqModel) model, baseline, heldOut, config.seed(), () -> {});
        };
      }
      long peak = TrainingStepMemory.peakResidentBytes(config, corpus.train(), devices, MEMORY_STEPS);
      long total = ScopeActivitiesImpl.parameters(ModelType.of(config), config.shape());
      long nonEmbedding = total - (long) config.shape().vocabSize() * config.shape().dModel();
      long tokens = config.steps() * config.tokensPerStep();
      RungResult result = new RungResult(rung.name(), rung.budget(), nonEmbedding, total, tokens, 6.0 * total * tokens,
          metrics.heldOutLoss(), r.training().tokensPerSecond(), peak, config.shape().contextLength(),
          config.shape().dModel(), config.shape().layers(), config.shape().heads(), config.steps(),
          r.trainingWorkflowId(), r.attempts());
      store.put(LadderSpec.rungKey(r.ladderId(), rung.name()), Json.pretty(result));
      return result;
    }
  }

  private static List<ai.djl.Device> devices(String device) {
    try {
      return Devices.parseAll(device);
    } catch (IllegalArgumentException noSuchGpuHere) {
      return List.of(ai.djl.Device.cpu());
    }
  }

  /**
   * Fits the scaling law to the measured rungs ({@link ScalingLawFitter}: Chinchilla's approach 2 over the IsoFLOP
   * profiles, approach 3's parametric L(N, D), bootstrap intervals) and writes the ladder's files under
   * {@code ladders/<id>/}: {@code report.json} (the points, the rungs with their cost, the failed rungs, and
   * {@code fit}: the law as {@link dev.kiln.activities.scope.LadderLaw} reads it, with its bootstrap laws and the
   * whole fit report), {@code report.txt} (the fit's table and the cost table), {@code loss-vs-parameters.png},
   * {@code compute-optimal.png} and the ladder card {@code README.md}. The prediction is for the run spec's budget.
   */
  @Override
  public LadderReport fitAndReport(LadderReportRequest request) {
    try (KeepAlive ignored = KeepAlive.start(Activity.getExecutionContext(), Duration.ofSeconds(5),
        () -> "fitting the scaling law of ladder " + request.ladderId())) {
      return fitAndWrite(request);
    }
  }

  private LadderReport fitAndWrite(LadderReportRequest request) {
    List<RungResult> rungs = new ArrayList<>();
    for (String key : request.rungKeys()) {
      try {
        rungs.add(JSON.readValue(store.get(key), RungResult.class));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read rung result " + key, e);
      }
    }
    List<LadderPoint> points = rungs.stream().map(RungResult::point).toList();
    double userBudget = request.spec().run().budget().trainingFlops();
    ScalingLawReport fit;
    try {
      fit = ScalingLawFitter.fit(points, ScalingLawFitter.Options.defaults().withUserBudget(userBudget));
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure("ladder " + request.ladderId() + ": the " + rungs.size()
          + " measured rungs cannot be fitted: " + e.getMessage() + (request.failed().isEmpty() ? ""
              : " (failed rungs: " + String.join(", ", request.failed()) + ")"), Failures.INVALID_RUN_SPEC);
    }
    String prefix = LadderSpec.prefix(request.ladderId());
    Map<String, Object> law = new LinkedHashMap<>();
    law.put("parametric", lawJson(fit.parametric().law()));
    law.put("bootstrap", fit.parametric().bootstrapLaws().stream().map(LadderActivitiesImpl::lawJson).toList());
    law.put("report", fit);
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("ladder", request.ladderId());
    report.put("points", points);
    report.put("rungs", rungs);
    report.put("failed", request.failed());
    report.put("fit", law);
    String table = LadderCostTable.text(rungs);
    String fitted = fit.text();
    String text = "ladder " + request.ladderId() + ": " + rungs.size() + " rungs\n\n" + fitted + "\n" + table
        + (request.failed().isEmpty() ? "" : "\nfailed rungs:\n  " + String.join("\n  ", request.failed()) + "\n");
    String lawLine = String.format(Locale.ROOT, "%d rungs: L(N, D) = %.3f + %.4g/N^%.3f + %.4g/D^%.3f", rungs.size(),
        fit.parametric().e().value(), fit.parametric().a().value(), fit.parametric().alpha().value(),
        fit.parametric().b().value(), fit.parametric().beta().value());
    String summary;
    if (fit.parametric().law().wellFormed()) {
      ScalingLawReport.Allocation forBudget = fit.predict(userBudget);
      summary = lawLine + String.format(Locale.ROOT, "; at %.3g FLOPs N* = %.3g, D* = %.3g (%.1f tokens per parameter),"
              + " predicted loss %.3f", userBudget, forBudget.parameters().value(), forBudget.tokens().value(),
          forBudget.tokensPerParameter().value(), forBudget.loss().value());
    } else {
      // noisy or too narrow rungs: the report says so, and budget.ladder refuses this law with the same advice
      summary = lawLine + "; a non-positive coefficient or exponent, so no compute-optimal size: measure more sizes and"
          + " token counts (wider budgets, more rungs per budget)";
    }
    String card = "# Ladder " + request.ladderId() + "\n\n" + rungs.size() + " rungs of " + request.spec().run().name()
        + ". " + summary + ".\n\n![loss against parameters](loss-vs-parameters.png)\n\n"
        + "![compute-optimal parameters](compute-optimal.png)\n\n## Fit\n\n```\n" + fitted + "```\n\n## Rungs\n\n```\n"
        + table + "```\n";
    String reportKey = LadderSpec.reportKey(request.ladderId());
    store.put(prefix + "loss-vs-parameters.png", ScalingLawPlots.lossCurves(fit));
    store.put(prefix + "compute-optimal.png", ScalingLawPlots.computeOptimal(fit));
    store.put(prefix + "report.txt", text.getBytes(StandardCharsets.UTF_8));
    store.put(prefix + "README.md", card.getBytes(StandardCharsets.UTF_8));
    store.put(reportKey, Json.pretty(report)); // last: a ladder with a report.json is finished (LadderLaw, kiln ladder)
    return new LadderReport(reportKey, prefix + "report.txt", prefix + "README.md",
        List.of(reportKey, prefix + "report.txt", prefix + "README.md", prefix + "loss-vs-parameters.png",
            prefix + "compute-optimal.png"), rungs.size(), summary);
  }

  /** A law in the field names {@link dev.kiln.activities.scope.LadderLaw} reads. */
  private static Map<String, Double> lawJson(ParametricLaw law) {
    Map<String, Double> json = new LinkedHashMap<>();
    json.put("E", law.e());
    json.put("A", law.a());
    json.put("alpha", law.alpha());
    json.put("B", law.b());
    json.put("beta", law.beta());
    return json;
  }
}
