package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.temporal.api.common.v1.ActivityType;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.failure.v1.TimeoutFailureInfo;
import io.temporal.api.history.v1.ActivityTaskCompletedEventAttributes;
import io.temporal.api.history.v1.ActivityTaskScheduledEventAttributes;
import io.temporal.api.history.v1.ActivityTaskStartedEventAttributes;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.sdk.v1.UserMetadata;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.common.converter.DefaultDataConverter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How {@code kiln activities} joins a history's scheduled, started and closing events, and the pending view. */
class RunActivitiesTest {
  @Test
  void aRetriedShardShowsTheWorkerOfItsLastAttemptWhyTheFirstFailedAndHowLongTheLastTook() {
    List<HistoryEvent> events = List.of(
        scheduled(5, "1", "CurateShard", "curate shard 2/12", 100),
        started(9, 5, "vm:222/cpu,gpu", 2, heartbeatTimeout(), 130_000),
        HistoryEvent.newBuilder().setEventId(10).setEventTime(at(133_500))
            .setActivityTaskCompletedEventAttributes(ActivityTaskCompletedEventAttributes.newBuilder()
                .setScheduledEventId(5).setStartedEventId(9).setIdentity("vm:222/cpu,gpu")).build(),
        scheduled(6, "2", "CurateShard", "curate shard 3/12", 100));
    PendingActivityInfo running = PendingActivityInfo.newBuilder().setActivityId("2")
        .setState(PendingActivityState.PENDING_ACTIVITY_STATE_STARTED).setAttempt(1)
        .setLastWorkerIdentity("vm:111/cpu,gpu").setLastStartedTime(Timestamp.newBuilder().setSeconds(System.currentTimeMillis() / 1000)).build();

    List<RunActivities.Activity> activities = RunActivities.activities("run-curate", events, Map.of("2", running));

    RunActivities.Activity retried = activities.get(0);
    assertEquals("curate shard 2/12", retried.label());
    assertEquals("vm:222/cpu,gpu", retried.worker());
    assertEquals(2, retried.attempts());
    assertEquals(Duration.ofMillis(3_500), retried.duration());
    assertEquals("completed", retried.state());
    assertEquals("activity Heartbeat timeout (heartbeat)", retried.lastFailure());
    RunActivities.Activity going = activities.get(1);
    assertEquals("running", going.state());
    assertEquals("vm:111/cpu,gpu", going.worker());
    assertNull(going.lastFailure());

    String table = RunActivities.format(activities);
    assertTrue(table.contains("completed (previous attempt: activity Heartbeat timeout (heartbeat))"), table);
    assertTrue(table.contains("vm:222/cpu,gpu: 1 activities, 3.5s busy"), table);
    assertTrue(table.contains("vm:111/cpu,gpu: 1 activities"), table);
  }

  @Test
  void anActivityWithoutASummaryIsLabelledByItsTypeAndOneNotStartedHasNoWorker() {
    HistoryEvent noSummary = HistoryEvent.newBuilder().setEventId(5).setEventTime(at(0))
        .setActivityTaskScheduledEventAttributes(ActivityTaskScheduledEventAttributes.newBuilder()
            .setActivityId("1").setActivityType(ActivityType.newBuilder().setName("Evaluate"))).build();
    RunActivities.Activity a = RunActivities.activities("run", List.of(noSummary), Map.of()).get(0);
    assertEquals("Evaluate", a.label());
    assertEquals("-", a.worker());
    assertEquals("scheduled", a.state());
    assertNull(a.duration());
  }

  @Test
  void orchestrationIsTheRunsWallTimeOutsideTheUnionOfItsAndItsChildrensActivities() {
    List<HistoryEvent> run = List.of(
        HistoryEvent.newBuilder().setEventId(1).setEventTime(at(0)).build(),
        scheduled(5, "1", "Scope", "scope", 500),
        started(6, 5, "w", 1, Failure.getDefaultInstance(), 1_000),
        completed(7, 5, 2_000),
        HistoryEvent.newBuilder().setEventId(20).setEventTime(at(10_000)).build());
    List<HistoryEvent> child = List.of(
        HistoryEvent.newBuilder().setEventId(1).setEventTime(at(2_500)).build(),
        started(6, 5, "w", 1, Failure.getDefaultInstance(), 3_000),
        started(8, 7, "w", 1, Failure.getDefaultInstance(), 4_000), // overlaps the first: counted once
        completed(9, 5, 6_000),
        completed(10, 7, 7_000));
    RunActivities.Orchestration o = RunActivities.orchestration("run", new java.util.LinkedHashMap<>(Map.of("run", run, "run-train", child)));
    assertEquals(Duration.ofSeconds(10), o.wall());
    assertEquals(Duration.ofSeconds(5), o.inActivities()); // 1-2 s and 3-7 s
    assertEquals(0.5, o.outsideFraction(), 1e-9);
  }

  private static HistoryEvent completed(long id, long scheduledId, long millis) {
    return HistoryEvent.newBuilder().setEventId(id).setEventTime(at(millis))
        .setActivityTaskCompletedEventAttributes(ActivityTaskCompletedEventAttributes.newBuilder().setScheduledEventId(scheduledId)).build();
  }

  private static HistoryEvent scheduled(long id, String activityId, String type, String summary, long millis) {
    return HistoryEvent.newBuilder().setEventId(id).setEventTime(at(millis))
        .setUserMetadata(UserMetadata.newBuilder().setSummary(DefaultDataConverter.STANDARD_INSTANCE.toPayload(summary).orElseThrow()))
        .setActivityTaskScheduledEventAttributes(ActivityTaskScheduledEventAttributes.newBuilder()
            .setActivityId(activityId).setActivityType(ActivityType.newBuilder().setName(type))).build();
  }

  private static HistoryEvent started(long id, long scheduledId, String identity, int attempt, Failure lastFailure, long millis) {
    return HistoryEvent.newBuilder().setEventId(id).setEventTime(at(millis))
        .setActivityTaskStartedEventAttributes(ActivityTaskStartedEventAttributes.newBuilder()
            .setScheduledEventId(scheduledId).setIdentity(identity).setAttempt(attempt).setLastFailure(lastFailure)).build();
  }

  private static Failure heartbeatTimeout() {
    return Failure.newBuilder().setMessage("activity Heartbeat timeout")
        .setTimeoutFailureInfo(TimeoutFailureInfo.newBuilder().setTimeoutType(TimeoutType.TIMEOUT_TYPE_HEARTBEAT)).build();
  }

  private static Timestamp at(long millis) {
    return Timestamp.newBuilder().setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000).build();
  }
}
