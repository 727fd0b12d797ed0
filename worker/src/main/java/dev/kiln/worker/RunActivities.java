package dev.kiln.worker;

import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.common.converter.DefaultDataConverter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which worker ran what: every activity of a run and of its child workflows (curation, training), read from the
 * workflow histories, with its summary, the identity of the worker that ran its last attempt, the number of
 * attempts, how long the last attempt took, and how it ended. Activities still going come from the server's
 * pending-activity view (the history records an attempt only once it ends).
 */
public final class RunActivities {
  /**
   * One activity.
   *
   * @param label the activity's summary (user metadata) or, in older histories, its type
   * @param worker identity of the worker of the last attempt, or "-" if no worker has taken it yet
   * @param attempts attempts so far, the last one included
   * @param duration the last attempt's time, from start to its end (or to now while it runs); null if not started
   * @param state completed, failed, timed out, canceled, running, or scheduled (waiting for a worker)
   * @param lastFailure why the previous attempt failed (e.g. the heartbeat timeout after its worker died), or null
   */
  public record Activity(String workflowId, String activityId, String type, String label, String worker, int attempts,
      Duration duration, String state, String lastFailure) {}

  private final TemporalConnection connection;

  public RunActivities(TemporalConnection connection) {
    this.connection = connection;
  }

  /** The activities of {@code runId} and of every child workflow it started, in the order they were scheduled. */
  public List<Activity> read(String runId) {
    return report(runId).activities();
  }

  /** A run's activities and its orchestration overhead, from one reading of its histories. */
  public record Report(List<Activity> activities, Orchestration orchestration) {}

  public Report report(String runId) {
    Map<String, List<HistoryEvent>> histories = histories(runId);
    List<Activity> all = new ArrayList<>();
    histories.forEach((workflowId, events) -> all.addAll(activities(workflowId, events, pending(workflowId))));
    return new Report(all, orchestration(runId, histories));
  }

  /**
   * How a run's wall time splits between its activities (its own and its children's, any overlap counted once) and
   * orchestration: workflow tasks, scheduling, round trips to the server, retries' backoff, local activities.
   *
   * @param wall from the run's start to its last event
   * @param inActivities the union of every activity attempt's time from start to end that the histories record
   */
  public record Orchestration(Duration wall, Duration inActivities) {
    public Duration outside() {
      return wall.minus(inActivities);
    }

    public double outsideFraction() {
      return wall.isZero() ? 0 : outside().toMillis() / (double) wall.toMillis();
    }
  }

  static Orchestration orchestration(String runId, Map<String, List<HistoryEvent>> histories) {
    List<HistoryEvent> run = histories.get(runId);
    Instant first = instant(run.get(0).getEventTime());
    Instant last = instant(run.get(run.size() - 1).getEventTime());
    List<Instant[]> intervals = new ArrayList<>();
    for (List<HistoryEvent> events : histories.values()) {
      Map<Long, Instant> started = new TreeMap<>();
      for (HistoryEvent e : events) {
        if (e.hasActivityTaskStartedEventAttributes()) {
          started.put(e.getActivityTaskStartedEventAttributes().getScheduledEventId(), instant(e.getEventTime()));
        }
        long scheduledId = e.hasActivityTaskCompletedEventAttributes() ? e.getActivityTaskCompletedEventAttributes().getScheduledEventId()
            : e.hasActivityTaskFailedEventAttributes() ? e.getActivityTaskFailedEventAttributes().getScheduledEventId()
            : e.hasActivityTaskTimedOutEventAttributes() ? e.getActivityTaskTimedOutEventAttributes().getScheduledEventId()
            : e.hasActivityTaskCanceledEventAttributes() ? e.getActivityTaskCanceledEventAttributes().getScheduledEventId()
            : -1;
        if (scheduledId >= 0 && started.containsKey(scheduledId)) {
          intervals.add(new Instant[] {started.get(scheduledId), instant(e.getEventTime())});
        }
      }
    }
    intervals.sort(java.util.Comparator.comparing(i -> i[0]));
    Duration busy = Duration.ZERO;
    Instant from = null;
    Instant to = null;
    for (Instant[] i : intervals) {
      if (to == null || i[0].isAfter(to)) {
        if (to != null) {
          busy = busy.plus(Duration.between(from, to));
        }
        from = i[0];
        to = i[1];
      } else if (i[1].isAfter(to)) {
        to = i[1];
      }
    }
    if (to != null) {
      busy = busy.plus(Duration.between(from, to));
    }
    return new Orchestration(Duration.between(first, last), busy);
  }

  /** The run's history and its children's (and theirs), by workflow id, in the order they were started. */
  private Map<String, List<HistoryEvent>> histories(String runId) {
    Map<String, List<HistoryEvent>> histories = new LinkedHashMap<>();
    List<String> workflows = new ArrayList<>(List.of(runId));
    for (int i = 0; i < workflows.size(); i++) {
      String workflowId = workflows.get(i);
      List<HistoryEvent> events = history(workflowId);
      histories.put(workflowId, events);
      for (HistoryEvent e : events) {
        if (e.hasStartChildWorkflowExecutionInitiatedEventAttributes()) {
          String child = e.getStartChildWorkflowExecutionInitiatedEventAttributes().getWorkflowId();
          if (!workflows.contains(child)) {
            workflows.add(child);
          }
        }
      }
    }
    return histories;
  }

  /** Every run of a workflow id, oldest first: a workflow that continued as new has one history per run. */
  private List<HistoryEvent> history(String workflowId) {
    List<List<HistoryEvent>> runs = new ArrayList<>();
    String runId = "";
    do {
      List<HistoryEvent> events = connection.client().fetchHistory(workflowId, runId).getEvents();
      runs.add(0, events);
      runId = events.isEmpty() ? "" : events.get(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
    } while (!runId.isEmpty());
    return runs.stream().flatMap(List::stream).toList();
  }

  /** Pending activities by activity id, if the workflow is still running. */
  private Map<String, PendingActivityInfo> pending(String workflowId) {
    DescribeWorkflowExecutionResponse d = connection.service().blockingStub().describeWorkflowExecution(
        DescribeWorkflowExecutionRequest.newBuilder()
            .setNamespace(connection.namespace())
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
            .build());
    Map<String, PendingActivityInfo> pending = new LinkedHashMap<>();
    if (d.getWorkflowExecutionInfo().getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      d.getPendingActivitiesList().forEach(p -> pending.put(p.getActivityId(), p));
    }
    return pending;
  }

  /** The activities of one workflow's history, scheduled events joined with their started and closing events. */
  static List<Activity> activities(String workflowId, List<HistoryEvent> events, Map<String, PendingActivityInfo> pending) {
    Map<Long, HistoryEvent> scheduled = new TreeMap<>();
    Map<Long, HistoryEvent> started = new LinkedHashMap<>();
    Map<Long, HistoryEvent> closed = new LinkedHashMap<>();
    for (HistoryEvent e : events) {
      if (e.hasActivityTaskScheduledEventAttributes()) {
        scheduled.put(e.getEventId(), e);
      } else if (e.hasActivityTaskStartedEventAttributes()) {
        started.put(e.getActivityTaskStartedEventAttributes().getScheduledEventId(), e);
      } else if (e.hasActivityTaskCompletedEventAttributes()) {
        closed.put(e.getActivityTaskCompletedEventAttributes().getScheduledEventId(), e);
      } else if (e.hasActivityTaskFailedEventAttributes()) {
        closed.put(e.getActivityTaskFailedEventAttributes().getScheduledEventId(), e);
      } else if (e.hasActivityTaskTimedOutEventAttributes()) {
        closed.put(e.getActivityTaskTimedOutEventAttributes().getScheduledEventId(), e);
      } else if (e.hasActivityTaskCanceledEventAttributes()) {
        closed.put(e.getActivityTaskCanceledEventAttributes().getScheduledEventId(), e);
      }
    }
    List<Activity> activities = new ArrayList<>();
    for (var entry : scheduled.entrySet()) {
      var attributes = entry.getValue().getActivityTaskScheduledEventAttributes();
      String type = attributes.getActivityType().getName();
      String label = entry.getValue().hasUserMetadata() && entry.getValue().getUserMetadata().hasSummary()
          ? text(entry.getValue().getUserMetadata().getSummary()) : type;
      HistoryEvent start = started.get(entry.getKey());
      HistoryEvent end = closed.get(entry.getKey());
      PendingActivityInfo going = pending.get(attributes.getActivityId());
      if (end == null && going != null) {
        boolean running = going.getState() == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
        activities.add(new Activity(workflowId, attributes.getActivityId(), type, label,
            going.getLastWorkerIdentity().isEmpty() ? "-" : going.getLastWorkerIdentity(), Math.max(1, going.getAttempt()),
            running ? Duration.between(instant(going.getLastStartedTime()), Instant.now()) : null,
            running ? "running" : "scheduled", going.hasLastFailure() ? message(going.getLastFailure()) : null));
        continue;
      }
      String worker = "-";
      int attempts = 1;
      String lastFailure = null;
      Duration duration = null;
      if (start != null) {
        var s = start.getActivityTaskStartedEventAttributes();
        worker = s.getIdentity();
        attempts = s.getAttempt();
        lastFailure = s.hasLastFailure() ? message(s.getLastFailure()) : null;
        if (end != null) {
          duration = Duration.between(instant(start.getEventTime()), instant(end.getEventTime()));
        }
      }
      String state = end == null ? "scheduled"
          : end.hasActivityTaskCompletedEventAttributes() ? "completed"
          : end.hasActivityTaskFailedEventAttributes() ? "failed"
          : end.hasActivityTaskTimedOutEventAttributes() ? "timed out"
          : "canceled";
      if (end != null && end.hasActivityTaskFailedEventAttributes()) {
        lastFailure = message(end.getActivityTaskFailedEventAttributes().getFailure());
      } else if (end != null && end.hasActivityTaskTimedOutEventAttributes()) {
        lastFailure = message(end.getActivityTaskTimedOutEventAttributes().getFailure());
      }
      activities.add(new Activity(workflowId, attributes.getActivityId(), type, label, worker, attempts, duration, state, lastFailure));
    }
    return activities;
  }

  /** A table for the terminal, one line per activity, then what each worker ran. */
  public static String format(List<Activity> activities) {
    String[] headers = {"WORKFLOW", "ACTIVITY", "WORKER", "ATTEMPTS", "TIME", "STATE"};
    List<String[]> rows = new ArrayList<>();
    for (Activity a : activities) {
      rows.add(new String[] {a.workflowId(), a.label(), a.worker(), Integer.toString(a.attempts()),
          a.duration() == null ? "-" : seconds(a.duration()),
          a.state() + (a.lastFailure() == null ? "" : " (" + (a.state().equals("completed") || a.state().equals("running")
              ? "previous attempt: " : "") + a.lastFailure() + ")")});
    }
    int[] widths = new int[headers.length];
    for (int c = 0; c < headers.length; c++) {
      widths[c] = headers[c].length();
      for (String[] row : rows) {
        widths[c] = Math.max(widths[c], row[c].length());
      }
    }
    StringBuilder out = new StringBuilder();
    appendRow(out, headers, widths);
    rows.forEach(row -> appendRow(out, row, widths));
    Map<String, List<Activity>> byWorker = new TreeMap<>();
    activities.stream().filter(a -> !a.worker().equals("-")).forEach(a -> byWorker.computeIfAbsent(a.worker(), w -> new ArrayList<>()).add(a));
    if (!byWorker.isEmpty()) {
      out.append("\nworkers:\n");
      byWorker.forEach((worker, ran) -> {
        Duration busy = ran.stream().map(Activity::duration).filter(d -> d != null).reduce(Duration.ZERO, Duration::plus);
        out.append(String.format("  %s: %d activities, %s busy%n", worker, ran.size(), seconds(busy)));
      });
    }
    return out.toString();
  }

  private static void appendRow(StringBuilder out, String[] cells, int[] widths) {
    for (int c = 0; c < cells.length; c++) {
      out.append(c == cells.length - 1 ? cells[c] : String.format("%-" + widths[c] + "s  ", cells[c]));
    }
    out.append('\n');
  }

  public static String seconds(Duration d) {
    double s = d.toMillis() / 1000.0;
    return s < 60 ? String.format("%.1fs", s) : RunWatcher.formatSeconds(s);
  }

  private static String text(Payload payload) {
    return DefaultDataConverter.STANDARD_INSTANCE.fromPayload(payload, String.class, String.class);
  }

  private static String message(Failure failure) {
    String m = failure.getMessage();
    if (failure.hasTimeoutFailureInfo()) {
      m = m + " (" + failure.getTimeoutFailureInfo().getTimeoutType().name().replace("TIMEOUT_TYPE_", "").toLowerCase().replace('_', '-') + ")";
    }
    return m;
  }

  private static Instant instant(com.google.protobuf.Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
