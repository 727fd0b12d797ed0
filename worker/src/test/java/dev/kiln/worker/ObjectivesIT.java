package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.workflows.TaskQueues;
import dev.kiln.workflows.evaluation.EvaluationResult;
import dev.kiln.workflows.pretraining.PretrainingWorkflow;
import dev.kiln.workflows.pretraining.RunSummary;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.client.WorkflowOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The encoder (classification -> MLM) and encoder-decoder (summarization -> span corruption) configs run the
 * whole life cycle on the embedded stack and beat their baselines. They read the small corpus slice instead
 * of the full corpora so that both runs fit in a few minutes on 2 cores; everything else is the config's.
 */
class ObjectivesIT {
  @TempDir Path home;

  @Test
  void theEncoderAndTheEncoderDecoderBeatTheirBaselines() throws Exception {
    try (EmbeddedStack stack = EmbeddedStack.start(home.resolve("s3"), 0, 0);
        ObjectStore store = new ObjectStore(stack.storage("kiln"));
        TemporalConnection connection = TemporalConnection.connect(stack.temporalAddress(), "default")) {
      store.ensureBucket();
      TestData.seedSmallCorpus(store, TestData.dataDir());
      try (KilnWorker worker = new KilnWorker(connection.client(), store, true, true, 2, 1)) {
        worker.start();

        EvaluationResult encoder = run(connection, "classification-encoder").evaluation();
        System.out.println("encoder: " + encoder);
        assertTrue(encoder.beatsBaseline(), "pseudo-perplexity " + encoder.heldOutPerplexity() + " vs unigram " + encoder.unigramPerplexity());
        Map<String, Double> mlm = encoder.objectiveMetrics();
        assertTrue(mlm.get("masked_token_accuracy") > mlm.get("most_frequent_token_accuracy"), mlm.toString());

        RunSummary t5 = run(connection, "summarization-t5");
        EvaluationResult seq2seq = t5.evaluation();
        System.out.println("encoder-decoder: " + seq2seq + ", " + t5.training().tokensPerSecond() + " tokens/s");
        assertEquals("span-corruption", t5.plan().objective());
        assertTrue(seq2seq.beatsBaseline(), "span perplexity " + seq2seq.heldOutPerplexity() + " vs unigram " + seq2seq.unigramPerplexity());
        Map<String, Double> span = seq2seq.objectiveMetrics();
        assertTrue(span.get("span_exact_match") > span.get("baseline_span_exact_match"), span.toString());
        String tokenizer = new String(store.get(seq2seq.modelPrefix() + "tokenizer.json"), StandardCharsets.UTF_8);
        assertTrue(tokenizer.contains("<extra_id_0>"), "the published tokenizer knows the sentinels");
      }
    }
  }

  private static RunSummary run(TemporalConnection connection, String config) throws Exception {
    String yaml = Files.readString(Path.of("..", "configs", config + ".yaml"))
        .replace("rawPrefixes: [raw/debian-handbook/, raw/gutenberg/]", "rawPrefixes: [raw/gutenberg-small/]")
        .replace("heldOutFraction: 0.05", "heldOutFraction: 0.2");
    RunSpec spec = RunSpecLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), config + ".yaml (small corpus)", Path.of("..", "configs"));
    PretrainingWorkflow run = connection.client().newWorkflowStub(PretrainingWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(config).setTaskQueue(TaskQueues.CPU).build());
    return run.run(spec);
  }
}
