package dev.kiln.workflows.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.api.common.v1.Payload;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The {@link TrainingState} a recorded run continued as new with (a run in flight carries one) still reads, and
 * {@link TrainingRun} carries it on unchanged.
 */
class TrainingStatePayloadTest {

  @Test
  void aRecordedContinueAsNewPayloadStartsARunThatCarriesItOn() throws Exception {
    String json = Files.readString(Path.of("src", "test", "resources", "histories", "controls-training-2.json"));
    Payload input = WorkflowExecutionHistory.fromJson(json).getEvents().get(0)
        .getWorkflowExecutionStartedEventAttributes().getInput().getPayloads(0);
    TrainingRequest request =
        DefaultDataConverter.STANDARD_INSTANCE.fromPayload(input, TrainingRequest.class, TrainingRequest.class);
    TrainingState state = request.state();
    assertNotNull(state, "the second run of the recorded training continued as new");
    assertNull(state.totals(), "recorded before the run carried totals: they are derived from its lists");
    assertTrue(state.committed().size() > 0);

    TrainingRun run = TrainingRun.start(state, 0);
    assertEquals(state.committed().get(state.committed().size() - 1).step(), run.committedStep());
    TrainingState next = run.toState(10);
    assertEquals(new TrainingState(state.committed(), state.retained(), state.generation(), state.skips(),
        state.learningRates(), state.interruptions(), state.rollbacks(), state.warnings(), state.resumes(),
        state.productiveNanos(), state.trainNanos(), state.tokensTrained(), state.stallNanos(), state.uploadedBytes(),
        state.uploadNanos(), state.startedEpochMillis(), state.pausedMillis(), state.segments(),
        state.continuedAsNew() + 1, state.historyEvents() + 10, LossCurve.of(state.committed()),
        LedgerTotals.of(state.interruptions(), state.rollbacks(), state.warnings(), state.resumes())), next);
  }
}
