package dev.kiln.activities.ladder;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.KeepAlive;
import dev.kiln.activities.evaluation.ModelCardWriter;
import dev.kiln.activities.evaluation.TextScores;
import dev.kiln.activities.storage.Json;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.tokenizer.TokenCorpus;
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
   * PLACEHOLDER until the scaling-law fits (package dev.kiln.activities.scaling: Chinchilla approaches 2 and 3 with
   * bootstrap, ScalingLawReport, ScalingLawPlots) are wired in here. It reads the rung results and writes what needs
   * no fit: {@code report.json} with the points and {@code "fit": null}, {@code report.txt} with the cost table, and
   * the ladder card; it writes no plots and predicts nothing, and says so in every file.
   */
  @Override
  public LadderReport fitAndReport(LadderReportRequest request) {
    List<RungResult> rungs = new ArrayList<>();
    for (String key : request.rungKeys()) {
      try {
        rungs.add(JSON.readValue(store.get(key), RungResult.class));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read rung result " + key, e);
      }
    }
    String prefix = LadderSpec.prefix(request.ladderId());
    String notFitted = "no scaling law fitted: the fit (dev.kiln.activities.scaling) is not wired into"
        + " LadderActivitiesImpl.fitAndReport yet";
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("ladder", request.ladderId());
    report.put("points", rungs.stream().map(RungResult::point).toList());
    report.put("rungs", rungs);
    report.put("failed", request.failed());
    report.put("fit", null);
    report.put("note", notFitted);
    String table = LadderCostTable.text(rungs);
    String text = "ladder " + request.ladderId() + ": " + rungs.size() + " rungs\n" + notFitted + "\n\n" + table
        + (request.failed().isEmpty() ? "" : "\nfailed rungs:\n  " + String.join("\n  ", request.failed()) + "\n");
    String card = "# Ladder " + request.ladderId() + "\n\n" + rungs.size() + " rungs of " + request.spec().run().name()
        + ".\n\n" + notFitted + ".\n\n## Rungs\n\n```\n" + table + "```\n";
    String reportKey = LadderSpec.reportKey(request.ladderId());
    store.put(reportKey, Json.pretty(report));
    store.put(prefix + "report.txt", text.getBytes(StandardCharsets.UTF_8));
    store.put(prefix + "README.md", card.getBytes(StandardCharsets.UTF_8));
    return new LadderReport(reportKey, prefix + "report.txt", prefix + "README.md",
        List.of(reportKey, prefix + "report.txt", prefix + "README.md"), rungs.size(), notFitted);
  }
}
