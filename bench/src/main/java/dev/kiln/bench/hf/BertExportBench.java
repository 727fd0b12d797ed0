package dev.kiln.bench.hf;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.training.BertHfExport;
import dev.kiln.activities.training.BertModel;
import dev.kiln.activities.training.PretrainingObjective;
import dev.kiln.activities.training.Trainer;
import dev.kiln.activities.training.TrainingBatch;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.training.EncoderFlavor;
import dev.kiln.workflows.training.Objective;
import dev.kiln.workflows.training.TrainingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains a Kiln BERT and a Kiln RoBERTa some MLM steps with Kiln's Trainer, exports each as a Hugging Face directory
 * ({@link BertHfExport}) and writes Kiln's logits for fixed inputs beside it (kiln-logits.json), which
 * bench/hf/compare_bert.py recomputes with transformers' AutoModelForMaskedLM.
 *
 * <p>Usage: {@code BertExportBench OUT_DIR [STEPS]}; writes {@code OUT_DIR/bert} and {@code OUT_DIR/roberta}.
 */
public final class BertExportBench {
  private static final int TOKENIZER_VOCAB = 60;
  private static final int CONTEXT = 32;

  private BertExportBench() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    ModelShape shape = new ModelShape(Objective.MLM.modelVocabSize(TOKENIZER_VOCAB, CONTEXT), CONTEXT, 32, 2, 4);
    int mask = shape.vocabSize() - 1;
    int pad = TrainingBatch.PAD;
    List<int[]> cases = List.of(
        new int[] {3, 17, mask, 8, 9, 22, mask, 40},
        new SplittableRandom(11).ints(CONTEXT, 2, shape.vocabSize()).toArray(),
        new int[] {5, 6, mask, 7, pad, pad});
    int[] stream = new int[20_000];
    for (int i = 0; i < stream.length; i++) {
      stream[i] = 2 + (i * 7) % 12 + 12 * ((i / 48) % 4); // learnable: four phrases of a 12-token cycle
    }
    for (EncoderFlavor flavor : EncoderFlavor.values()) {
      TrainingConfig config = TrainingConfig.builder().shape(shape).objective(Objective.MLM).batchSize(8).steps(steps)
          .learningRate(1e-2, 1e-3).warmupSteps(10).weightDecay(0.1).gradClip(1.0).dropout(0.1).seed(2026)
          .checkpointEvery(steps).device("cpu").manifestKey("bench").encoderFlavor(flavor).build();
      PretrainingObjective batches = PretrainingObjective.of(Objective.MLM, stream, shape, 8, config.seed());
      try (Trainer trainer = new Trainer(shape, config, Device.cpu())) {
        trainer.initialise();
        double first = Double.NaN;
        double loss = Double.NaN;
        for (int step = 0; step < steps; step++) {
          loss = trainer.trainStep(step, batches.batch(step));
          first = step == 0 ? loss : first;
        }
        BertModel model = (BertModel) trainer.model();
        Path dir = out.resolve(flavor.id());
        BertHfExport.write(model, dir);
        List<Map<String, Object>> logits = new ArrayList<>();
        for (int[] ids : cases) {
          try (NDManager step = model.newStepManager()) {
            NDArray result = model.forward(step, ids, 1, ids.length, false);
            List<float[]> rows = new ArrayList<>();
            for (int t = 0; t < ids.length; t++) {
              rows.add(result.get(0, t).toFloatArray());
            }
            logits.add(Map.of("input_ids", ids, "logits", rows));
          }
        }
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("flavor", flavor.id());
        record.put("steps", steps);
        record.put("first_loss", first);
        record.put("last_loss", loss);
        record.put("pad_token_id", model.architecture().padTokenId());
        record.put("cases", logits);
        Files.write(dir.resolve("kiln-logits.json"), new ObjectMapper().writeValueAsBytes(record));
        System.out.printf("%s: trained %d steps (MLM loss %.4f -> %.4f), exported to %s%n",
            flavor, steps, first, loss, dir);
      }
    }
  }
}
