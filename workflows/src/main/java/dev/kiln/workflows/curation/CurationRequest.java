package dev.kiln.workflows.curation;

import dev.kiln.workflows.spec.RunSpec;

/**
 * @param tokenizerKey S3 key of an existing tokenizer.json to reuse (continued pretraining), or null to
 *     train a new byte-level BPE on the kept text
 */
public record CurationRequest(String runId, RunSpec spec, String tokenizerKey) {}
