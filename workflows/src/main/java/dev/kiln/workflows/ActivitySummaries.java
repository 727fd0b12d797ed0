package dev.kiln.workflows;

import io.temporal.activity.ActivityOptions;
import io.temporal.workflow.Workflow;

/**
 * Per-activity summaries: the SDK's user metadata ({@link ActivityOptions.Builder#setSummary}), which the server
 * stores on the ActivityTaskScheduled event and the Web UI shows on the run's timeline, so it reads
 * "curate shard 3/40" or "train steps 1000-2000" instead of the activity type. {@code kiln activities} shows them
 * too. A summary is set per call, so a stub is made per call: {@code
 * ActivitySummaries.stub(TrainingActivities.class, ActivityPolicies.TRAINING_SEGMENT, ActivitySummaries.trainSteps(a, b))}.
 */
public final class ActivitySummaries {
  private ActivitySummaries() {}

  /** An activity stub whose calls carry {@code summary}; workflow code only. */
  public static <T> T stub(Class<T> activities, ActivityOptions options, String summary) {
    return Workflow.newActivityStub(activities, withSummary(options, summary));
  }

  /** {@code options} with {@code summary} as the activity's user metadata. */
  public static ActivityOptions withSummary(ActivityOptions options, String summary) {
    return ActivityOptions.newBuilder(options).setSummary(summary).build();
  }

  /** "curate shard 3/40" for the shard of index 2 (shards are numbered from 1 for people, from 0 in storage). */
  public static String curateShard(int shardIndex, int shards) {
    return "curate shard " + (shardIndex + 1) + "/" + shards;
  }

  /** "train steps 1000-2000": a training segment from step {@code from} (exclusive) to step {@code to}. */
  public static String trainSteps(int from, int to) {
    return "train steps " + from + "-" + to;
  }
}
