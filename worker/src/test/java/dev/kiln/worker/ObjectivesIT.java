package dev.kiln.worker;

import dev.kiln.workflows.training.Objective;
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
 * whole life cycle on the embedded stack, and each beats its baseline on every headline metric. They read the
 * small corpus slice instead of the full corpora so that each run takes a few minutes on 2 cores; everything
 * else is the config's. The encoder's evaluation also trains a GPT of the same shape with causal LM on the same
 * tokens and budget, so the third objective is held to its baseline here too, and the document probe compares
 * the two families' features.
 *
 * <p>The encoder config names Kiln's pre-LN encoder (docs/encoders.md says why at this budget). Measured on that
 * slice (2 heavily shared cores, load ~16): the encoder's pseudo-perplexity 394 against the
 * unigram's 403 (a thin margin: 2,048 scored tokens give a standard error of a few per cent), masked accuracy
 * 13.5 % against 4.7 %; the comparison decoder's perplexity 82 against 377; the document probe (5 documents,
 * chance 20 %) reads 42-49 % from the encoder's features and 60-62 % from the decoder's, over the last runs (why
 * the decoder leads at this budget, and what longer training does to that: README, "Evaluate").
 */
class ObjectivesIT {
  @TempDir Path home;

  @Test
  void theEncoderAndItsComparisonDecoderBeatTheirBaselines() throws Exception {
    RunSummary summary = run("classification-encoder");
    EvaluationResult encoder = summary.evaluation();
    assertEquals(Objective.MLM, summary.plan().objective());
    Map<String, Double> m = encoder.objectiveMetrics();
    assertTrue(encoder.beatsBaseline(), m.toString());
    assertTrue(encoder.heldOutPerplexity() < encoder.unigramPerplexity(),
        "pseudo-perplexity " + encoder.heldOutPerplexity() + " vs unigram " + encoder.unigramPerplexity());
    assertTrue(m.get("masked_token_accuracy") > 1.5 * m.get("most_frequent_token_accuracy"), m.toString());
    assertTrue(m.get("document_probe_accuracy") > 1.5 * m.get("document_probe_chance"), m.toString());
    // The comparison decoder (CLM, same shape, tokens and budget) learned its own objective ...
    assertTrue(m.get("decoder_perplexity") < m.get("decoder_unigram_perplexity"), m.toString());
    // ... and the same probe reads its features; which family reads the document better is measured, not assumed.
    assertTrue(m.get("decoder_document_probe_accuracy") > m.get("document_probe_chance"), m.toString());
  }

  /**
   * The config trains the encoder-decoder family's default, T5 v1.1. Measured on the small slice after 1,200 steps:
   * span-target perplexity 109.2 against the baseline's 128.4 (which pays only the span structure's entropy), span
   * content 293 against 385 (Kiln's own encoder-decoder: 106.5 and 296). The document probe on this model's encoder
   * reads 38 % against 20 % chance: printed, not asserted (the encoder test holds the probe).
   */
  @Test
  void theEncoderDecoderBeatsItsBaselineOnTargetsAndSpanContent() throws Exception {
    RunSummary summary = run("summarization-t5");
    EvaluationResult seq2seq = summary.evaluation();
    assertEquals(Objective.SPAN_CORRUPTION, summary.plan().objective());
    Map<String, Double> m = seq2seq.objectiveMetrics();
    System.out.println("span corruption: target perplexity " + seq2seq.heldOutPerplexity() + " vs baseline "
        + seq2seq.unigramPerplexity() + "; span content " + m.get("span_content_perplexity") + " vs "
        + m.get("baseline_span_content_perplexity") + "; probe " + m.get("document_probe_accuracy") + " vs chance "
        + m.get("document_probe_chance"));
    assertTrue(seq2seq.beatsBaseline(), seq2seq.toString());
    assertTrue(seq2seq.heldOutPerplexity() < seq2seq.unigramPerplexity(),
        "span-target perplexity " + seq2seq.heldOutPerplexity() + " vs baseline " + seq2seq.unigramPerplexity());
    assertTrue(m.get("span_content_perplexity") < m.get("baseline_span_content_perplexity"), m.toString());
    assertTrue(m.get("spans_decoded") > 300, m.toString());
  }

  private RunSummary run(String config) throws Exception {
    String yaml = Files.readString(Path.of("..", "configs", config + ".yaml"))
        .replace("rawPrefixes: [raw/debian-handbook/, raw/gutenberg/]", "rawPrefixes: [raw/gutenberg-small/]")
        .replace("heldOutFraction: 0.05", "heldOutFraction: 0.2");
    RunSpec spec = RunSpecLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), config + ".yaml (small corpus)", Path.of("..", "configs"));
    try (EmbeddedStack stack = EmbeddedStack.start(home.resolve("s3"), 0, 0);
        ObjectStore store = new ObjectStore(stack.storage("kiln"));
        TemporalConnection connection = TemporalConnection.connect(stack.temporalAddress(), "default")) {
      store.ensureBucket();
      TestData.seedSmallCorpus(store, TestData.dataDir());
      try (KilnWorker worker = new KilnWorker(connection.client(), store, true, true, 2, 1)) {
        worker.start();
        PretrainingWorkflow run = connection.client().newWorkflowStub(PretrainingWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId(config).setTaskQueue(TaskQueues.CPU).build());
        RunSummary summary = run.run(spec);
        System.out.println(config + ": " + summary.evaluation() + ", " + summary.training().tokensPerSecond() + " tokens/s");
        String tokenizer = new String(store.get(summary.evaluation().modelPrefix() + "tokenizer.json"), StandardCharsets.UTF_8);
        assertTrue(tokenizer.contains(config.equals("summarization-t5") ? "<extra_id_0>" : "[MASK]"),
            "the published tokenizer knows the reserved tokens");
        return summary;
      }
    }
  }
}
