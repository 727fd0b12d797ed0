package dev.kiln.activities.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * Data parallelism on one worker (as PyTorch's DataParallel): the master model on the first device holds the
 * weights the optimizer updates; every further device holds a replica with the same weights. A step splits the
 * batch's rows across the devices; each replica runs forward on its rows; their losses, each weighted by its
 * share of the batch's predicted positions, are summed on the master device and one backward pass runs through
 * all of them (libtorch's autograd engine runs each device's part on that device). The replicas' gradients are
 * then added into the master's, which makes it exactly the gradient of the whole batch's mean loss, even when
 * the shares are unequal (MLM selects a random number of positions per row). After the optimizer's update,
 * the master's weights are copied to every replica.
 *
 * <p>The replicas may sit on the same device (the unit tests put two on the CPU); that checks the splitting,
 * weighting, reduction and broadcast, though not the speed-up of real GPUs.
 */
final class DataParallelReplicas implements AutoCloseable {

  /** One device's share of a step: its rows and the weight of its mean loss in the batch's mean loss. */
  record Share(int fromRow, int toRow, TrainingBatch batch, double weight) {}

  private final TransformerModel master;
  private final List<TransformerModel> replicas;

  /** @param replicas models of the master's architecture and shape on the other devices (this takes ownership) */
  DataParallelReplicas(TransformerModel master, List<TransformerModel> replicas) {
    this.master = master;
    this.replicas = List.copyOf(replicas);
    for (TransformerModel replica : replicas) {
      if (!replica.parameters().keySet().equals(master.parameters().keySet())) {
        throw new IllegalArgumentException("A replica's parameters differ from the master's");
      }
    }
  }

  /** How many devices share a step (the master's included). */
  int devices() {
    return replicas.size() + 1;
  }

  /**
   * Splits a batch's rows into {@code devices} contiguous shares as equal as the row count allows, each
   * weighted by its predicted positions over the batch's.
   *
   * @throws IllegalArgumentException if the batch has fewer rows than devices
   */
  static List<Share> split(TrainingBatch batch, int devices) {
    if (batch.rows() < devices) {
      throw new IllegalArgumentException(
          "A batch of " + batch.rows() + " rows cannot be split over " + devices + " devices; use batchSize >= " + devices);
    }
    double total = batch.predictedPositions();
    List<Share> shares = new ArrayList<>();
    for (int d = 0; d < devices; d++) {
      int from = (int) ((long) batch.rows() * d / devices);
      int to = (int) ((long) batch.rows() * (d + 1) / devices);
      TrainingBatch rows = batch.rows(from, to);
      int predicted = rows.predictedPositions();
      shares.add(new Share(from, to, rows, predicted / total));
    }
    return shares;
  }

  /**
   * Forward over every share; returns the batch's mean loss on the master's device, ready for backward.
   *
   * @param managers one step manager per device (master first), each closed by the caller after the update
   */
  NDArray loss(List<NDManager> managers, TrainingBatch batch, boolean training) {
    List<Share> shares = split(batch, devices());
    NDManager masterManager = managers.get(0);
    NDArray total = null;
    for (int d = 0; d < shares.size(); d++) {
      Share share = shares.get(d); // every row of every objective predicts at least one position
      TransformerModel model = d == 0 ? master : replicas.get(d - 1);
      NDManager manager = managers.get(d);
      if (d > 0) {
        model.bindForTraining(manager); // the master's step is bound by the caller
      }
      // The weight is a tensor of the step manager, not a Number operand: DJL's mul(Number) closes its temporary
      // scalar tensor right after the forward op, which backward still reads.
      NDArray weighted = model.loss(manager, share.batch(), training).mul(manager.create((float) share.weight()));
      NDArray onMaster = weighted.toDevice(master.device(), false);
      onMaster.attach(masterManager);
      total = total == null ? onMaster : total.add(onMaster);
    }
    return total;
  }

  /** Adds every replica's gradient into the master's (call after backward; each is one flat tensor). */
  void reduceGradients() {
    try (NDArray masterGradient = master.parameterGradient()) {
      for (TransformerModel replica : replicas) {
        try (NDArray replicaGradient = replica.parameterGradient();
            NDArray moved = replicaGradient.toDevice(master.device(), true)) {
          masterGradient.addi(moved);
        }
      }
    }
  }

  /** Copies the master's weights to every replica (after each update, and after init, load or restore). */
  void broadcastWeights() {
    NDArray weights = master.parameters.flat();
    for (TransformerModel replica : replicas) {
      NamedParameters.copyInto(replica.parameters.flat(), weights); // in place: the replica's views stay views of it
    }
  }

  List<TransformerModel> replicas() {
    return replicas;
  }

  @Override
  public void close() {
    for (TransformerModel replica : replicas) {
      replica.close();
    }
  }
}
