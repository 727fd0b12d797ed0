package dev.kiln.workflows.training;

import dev.kiln.workflows.training.TrainingWorkflow.ControlResult;
import io.temporal.workflow.Workflow;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The update handlers of {@link TrainingWorkflowImpl} waiting for their control to be applied at a segment boundary,
 * in the order the controls were queued in the run ({@link TrainingRun#onControl}).
 */
final class ControlAnswers {
  private final Deque<ControlResult[]> waiting = new ArrayDeque<>();

  /** Blocks the calling update handler until the control it just queued is answered. */
  ControlResult await() {
    ControlResult[] answer = new ControlResult[1];
    waiting.add(answer);
    Workflow.await(() -> answer[0] != null);
    return answer[0];
  }

  /** Answers the oldest waiting handler (its control was applied). */
  void answerOldest(ControlResult result) {
    waiting.poll()[0] = result;
  }

  /** Answers every waiting handler the same (training finished before their controls could act). */
  void answerAll(ControlResult result) {
    waiting.forEach(w -> w[0] = result);
    waiting.clear();
  }
}
