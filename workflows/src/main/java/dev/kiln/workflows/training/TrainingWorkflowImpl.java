package dev.kiln.workflows.training;

import dev.kiln.workflows.ActivityPolicies;
import dev.kiln.workflows.KilnSearchAttributes;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;

/**
 * Trains in segments of bounded length. The workflow's own record of committed checkpoints is what the next
 * segment resumes from; within a segment, a retried attempt resumes from the last checkpoint it heartbeated.
 */
public class TrainingWorkflowImpl implements TrainingWorkflow {
  private final TrainingActivities activities =
      Workflow.newActivityStub(TrainingActivities.class, ActivityPolicies.TRAINING_SEGMENT);
  private final List<CheckpointRef> committed = new ArrayList<>();
  private int totalSteps;

  @Override
  public TrainingResult train(TrainingRequest request) {
    TrainingConfig config = request.config();
    totalSteps = config.steps();
    List<Integer> resumes = new ArrayList<>();
    long trainNanos = 0;
    long tokensTrained = 0; // by the attempts that finished segments, for an honest tokens/s
    CheckpointRef last = null;
    while (last == null || last.step() < totalSteps) {
      int start = last == null ? 0 : last.step();
      int end = Math.min(start + request.segmentSteps(), totalSteps);
      SegmentResult segment = activities.trainSegment(new SegmentRequest(request.runId(), config, last, end));
      if (segment.resumedFromStep() > start) {
        resumes.add(segment.resumedFromStep());
      }
      committed.addAll(segment.checkpoints());
      trainNanos += segment.trainNanos();
      Workflow.upsertTypedSearchAttributes(
          KilnSearchAttributes.STEP.valueSet((long) segment.last().step()),
          KilnSearchAttributes.TOKENS_SEEN.valueSet(segment.last().step() * config.tokensPerStep()),
          KilnSearchAttributes.LOSS.valueSet(segment.last().trainLoss()));
      tokensTrained += (long) (end - segment.resumedFromStep()) * config.tokensPerStep();
      last = segment.last();
    }
    long tokensSeen = (long) totalSteps * config.tokensPerStep();
    double tokensPerSecond = trainNanos == 0 ? 0 : tokensTrained / (trainNanos / 1e9);
    return new TrainingResult(
        last, List.copyOf(committed), resumes, config.shape().parameters(), tokensSeen, tokensPerSecond, trainNanos);
  }

  @Override
  public TrainingProgress progress() {
    CheckpointRef last = committed.isEmpty() ? null : committed.get(committed.size() - 1);
    return new TrainingProgress(last == null ? 0 : last.step(), totalSteps, last == null ? Double.NaN : last.trainLoss(), last);
  }
}
