package dev.kiln.workflows;

import dev.kiln.workflows.training.CheckpointRef;
import dev.kiln.workflows.training.SegmentRequest;
import dev.kiln.workflows.training.SegmentResult;
import java.util.ArrayList;
import java.util.List;

/** Segment results as a training activity would return them, without training. */
public final class FakeTrainingSegments {
  private FakeTrainingSegments() {}

  public static String prefix(SegmentRequest request, int step) {
    return String.format("runs/%s/checkpoints/g%03d/step-%07d/", request.runId(), request.generation(), step);
  }

  public static CheckpointRef checkpoint(SegmentRequest request, int step) {
    return new CheckpointRef(prefix(request, step), step, 5.0 - step / 100.0);
  }

  /** Checkpoints every checkpointEvery steps from the request's start up to {@code stop}, and at {@code stop}. */
  public static List<CheckpointRef> checkpoints(SegmentRequest request, int stop) {
    int start = request.resumeFrom() == null ? 0 : request.resumeFrom().step();
    int every = request.config().checkpointEvery();
    List<CheckpointRef> written = new ArrayList<>();
    for (int step = (start / every + 1) * every; step < stop; step += every) {
      written.add(checkpoint(request, step));
    }
    if (stop > start) {
      written.add(checkpoint(request, stop));
    }
    return written;
  }

  public static SegmentResult complete(SegmentRequest request) {
    return stopped(request, request.endStep(), "end", null);
  }

  public static SegmentResult stopped(
      SegmentRequest request, int stop, String stoppedBy, dev.kiln.workflows.training.LossAnomaly anomaly) {
    int start = request.resumeFrom() == null ? 0 : request.resumeFrom().step();
    List<CheckpointRef> written = anomaly == null
        ? checkpoints(request, stop)
        : checkpoints(request, stop).stream().filter(c -> c.step() % request.config().checkpointEvery() == 0).toList();
    return new SegmentResult(written, start, stop, 1, 10_000, (stop - start) * 1_000_000L,
        System.currentTimeMillis(), 0, 1000L * written.size(), 1_000_000L, anomaly, stoppedBy);
  }
}
