package dev.kiln.worker;

import dev.kiln.activities.curation.CurationActivitiesImpl;
import dev.kiln.activities.evaluation.EvaluationActivitiesImpl;
import dev.kiln.activities.hub.ModelHubActivitiesImpl;
import dev.kiln.activities.ladder.LadderActivitiesImpl;
import dev.kiln.activities.scope.ScopeActivitiesImpl;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.training.CheckpointActivitiesImpl;
import dev.kiln.activities.training.DeviceActivitiesImpl;
import dev.kiln.activities.training.TrainingActivitiesImpl;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.curation.CurationWorkflowImpl;
import dev.kiln.workflows.ladder.LadderWorkflowImpl;
import dev.kiln.workflows.fanout.ShardBatchWorkflowImpl;
import dev.kiln.workflows.pretraining.PretrainingWorkflowImpl;
import dev.kiln.workflows.training.TrainingWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.common.VersioningBehavior;
import io.temporal.common.WorkerDeploymentVersion;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.worker.WorkerDeploymentOptions;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;

/**
 * A worker process: workflows and CPU activities on the {@code cpu} queue, training on the {@code gpu}
 * queue. On a CPU-only machine the same process serves both; run it with {@code --queues gpu} on a GPU box.
 */
public final class KilnWorker implements AutoCloseable {
  private final WorkerFactory factory;
  private final String identity;

  /**
   * @param gpuSlots training activities held at once on this worker; their steps take turns on the process-global
   *     training engine ({@code TrainingEngine}), so slots above 1 interleave runs rather than add throughput
   * @param curationSlots curation activities at once; each uses a core
   */
  public KilnWorker(WorkflowClient client, ObjectStore store, boolean cpuQueue, boolean gpuQueue, int curationSlots, int gpuSlots) {
    this(client, store, cpuQueue, gpuQueue, curationSlots, gpuSlots, null);
  }

  /** @param identity what the worker is called in workflow histories and the Web UI; null: {@link #defaultIdentity} */
  public KilnWorker(
      WorkflowClient client, ObjectStore store, boolean cpuQueue, boolean gpuQueue, int curationSlots, int gpuSlots, String identity) {
    this(client, store, cpuQueue, gpuQueue, curationSlots, gpuSlots, identity, null);
  }

  /**
   * @param deployment the Worker Deployment version this worker serves (its workflows auto-upgrade to the deployment's
   *     current version; changes to their decisions are guarded by {@code WorkflowVersions}), or null: unversioned
   */
  public KilnWorker(WorkflowClient client, ObjectStore store, boolean cpuQueue, boolean gpuQueue, int curationSlots, int gpuSlots,
      String identity, WorkerDeploymentVersion deployment) {
    this(client, store, cpuQueue, gpuQueue, curationSlots, gpuSlots, identity, deployment, List.of());
  }

  /** @param interceptors wrap every workflow and activity this worker runs (benchmarks measure activities with them) */
  public KilnWorker(WorkflowClient client, ObjectStore store, boolean cpuQueue, boolean gpuQueue, int curationSlots, int gpuSlots,
      String identity, WorkerDeploymentVersion deployment, List<WorkerInterceptor> interceptors) {
    factory = WorkerFactory.newInstance(client,
        WorkerFactoryOptions.newBuilder().setWorkerInterceptors(interceptors.toArray(new WorkerInterceptor[0])).build());
    List<String> queues = new ArrayList<>();
    if (cpuQueue) {
      queues.add(TaskQueues.CPU);
    }
    if (gpuQueue) {
      queues.add(TaskQueues.GPU);
    }
    this.identity = identity != null ? identity : defaultIdentity(hostname(), ProcessHandle.current().pid(), queues);
    if (cpuQueue) {
      Worker cpu =
          factory.newWorker(
              TaskQueues.CPU,
              WorkerOptions.newBuilder()
                  .setIdentity(this.identity)
                  .setMaxConcurrentActivityExecutionSize(curationSlots)
                  // A dead worker's sticky queue is abandoned only after this timeout: keep it short so a
                  // restarted worker takes a run over at once.
                  .setStickyQueueScheduleToStartTimeout(Duration.ofSeconds(1))
                  .setDeploymentOptions(deploymentOptions(deployment))
                  .build());
      cpu.registerWorkflowImplementationTypes(
          PretrainingWorkflowImpl.class, CurationWorkflowImpl.class, ShardBatchWorkflowImpl.class, TrainingWorkflowImpl.class,
          LadderWorkflowImpl.class);
      cpu.registerActivitiesImplementations(
          new ScopeActivitiesImpl(store),
          new ModelHubActivitiesImpl(store),
          new CurationActivitiesImpl(store),
          new dev.kiln.activities.curation.quality.QualityClassifierActivitiesImpl(store),
          new EvaluationActivitiesImpl(store),
          new CheckpointActivitiesImpl(store),
          new LadderActivitiesImpl(store));
    }
    if (gpuQueue) {
      Worker gpu =
          factory.newWorker(
              TaskQueues.GPU,
              WorkerOptions.newBuilder().setIdentity(this.identity).setMaxConcurrentActivityExecutionSize(gpuSlots)
                  .setDeploymentOptions(deploymentOptions(deployment)).build());
      gpu.registerActivitiesImplementations(new TrainingActivitiesImpl(store), new DeviceActivitiesImpl(this.identity),
          new LadderActivitiesImpl(store));
      warmTrainingEngine = true;
    }
  }

  /**
   * Worker Versioning for a deployment version, or none. Kiln's workflows run for weeks and their training activities
   * need the gpu workers of their version: pinned runs would hold every old build's GPU workers until they end, so
   * they auto-upgrade instead, and every change to a decision goes behind a version marker (WorkflowVersions).
   */
  static WorkerDeploymentOptions deploymentOptions(WorkerDeploymentVersion deployment) {
    return deployment == null
        ? null
        : WorkerDeploymentOptions.newBuilder()
            .setUseVersioning(true)
            .setVersion(deployment)
            .setDefaultVersioningBehavior(VersioningBehavior.AUTO_UPGRADE)
            .build();
  }

  /**
   * {@code <host>:<pid>/<queues>}, e.g. {@code gpu-node-3:48213/cpu,gpu}: which machine, which process, which
   * queues. Every activity's ActivityTaskStarted event carries it, which is how {@code kiln activities} shows
   * who ran what.
   */
  public static String defaultIdentity(String host, long pid, List<String> queues) {
    return host + ":" + pid + "/" + String.join(",", queues);
  }

  /** This machine's name: the HOSTNAME variable (a pod's name in Kubernetes), else what the resolver says. */
  public static String hostname() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  public String identity() {
    return identity;
  }


  private boolean warmTrainingEngine;

  /**
   * Starts polling. A training worker loads the deep-learning engine and warms the training path first (libtorch
   * and a cold JVM: seconds), so a segment resumed on it after a failure starts training at once: that time is
   * part of the MTTR.
   */
  public void start() {
    if (warmTrainingEngine) {
      String allocator = NativeMemory.warning(System.getenv());
      if (allocator != null) {
        org.slf4j.LoggerFactory.getLogger(KilnWorker.class).warn(allocator);
      }
      long began = System.nanoTime();
      ai.djl.engine.Engine engine = ai.djl.engine.Engine.getInstance();
      dev.kiln.activities.training.Trainer.warmUp();
      org.slf4j.LoggerFactory.getLogger(KilnWorker.class).info("training engine {} {} loaded and the training path warmed up in {} ms",
          engine.getEngineName(), engine.getVersion(), (System.nanoTime() - began) / 1_000_000);
    }
    factory.start();
  }

  @Override
  public void close() {
    factory.shutdown();
    factory.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
  }
}
