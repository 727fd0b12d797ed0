package dev.kiln.workflows.training;

import dev.kiln.workflows.KilnSearchAttributes;
import dev.kiln.workflows.WorkflowVersions;
import io.temporal.workflow.Workflow;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * What the Web UI and visibility queries show of a training run, for {@link TrainingWorkflowImpl}: its progress as
 * search attributes and its warnings in the memo ({@code kiln.warnings}, the newest ones, and {@code
 * kiln.warningCount}). Each upsert is an event, so the memo is written once per segment boundary that has new
 * warnings; runs that started before {@link WorkflowVersions#WARNINGS_MEMO_PER_BOUNDARY} keep writing it per warning.
 */
final class TrainingPublisher {
  private static final Logger log = Workflow.getLogger(TrainingWorkflowImpl.class);

  private final String runId;
  private final long tokensPerStep;
  /** Whether warnings go to the memo per boundary; null until the run's first warning asks. */
  private Boolean perBoundary;
  private int publishedWarnings;

  /** @param run the run as it starts (its memo crossed continue-as-new with its warnings) */
  TrainingPublisher(String runId, TrainingConfig config, TrainingRun run) {
    this.runId = runId;
    this.tokensPerStep = config.tokensPerStep();
    this.publishedWarnings = run.totals().warnings();
  }

  /** The run went from {@code before} to {@code after}: logs the warnings it added. */
  void changed(TrainingRun before, TrainingRun after) {
    int added = after.totals().warnings() - before.totals().warnings();
    List<String> warnings = after.warnings();
    for (int i = Math.max(0, warnings.size() - added); i < warnings.size(); i++) {
      log.warn("{}: {}", runId, warnings.get(i));
      if (perBoundary == null) {
        perBoundary = WorkflowVersions.takes(WorkflowVersions.WARNINGS_MEMO_PER_BOUNDARY);
      }
      if (!perBoundary) {
        Workflow.upsertMemo(Map.of("kiln.warnings", List.copyOf(warnings.subList(0, i + 1))));
      }
    }
  }

  /** At a boundary where only controls were applied: the warnings they added. */
  void warnings(TrainingRun run) {
    if (Boolean.TRUE.equals(perBoundary) && run.totals().warnings() != publishedWarnings) {
      publishedWarnings = run.totals().warnings();
      Workflow.upsertMemo(Map.of("kiln.warnings", run.warnings(), "kiln.warningCount", publishedWarnings));
    }
  }

  /** After a segment or an interruption: the new warnings, and the committed step, tokens, loss and goodput. */
  void progress(TrainingRun run) {
    warnings(run);
    CheckpointRef last = run.lastCommitted();
    if (last == null) {
      return;
    }
    Workflow.upsertTypedSearchAttributes(
        KilnSearchAttributes.STEP.valueSet((long) last.step()),
        KilnSearchAttributes.TOKENS_SEEN.valueSet(last.step() * tokensPerStep),
        KilnSearchAttributes.LOSS.valueSet(last.trainLoss()),
        KilnSearchAttributes.GOODPUT.valueSet(run.goodput(Workflow.currentTimeMillis())));
  }
}
