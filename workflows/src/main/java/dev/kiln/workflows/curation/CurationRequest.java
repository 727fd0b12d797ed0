package dev.kiln.workflows.curation;

import dev.kiln.workflows.spec.RunSpec;

/**
 * @param tokenizerKey S3 key of an existing tokenizer.json to reuse (continued pretraining), or null to
 *     train a new byte-level BPE on the kept text
 * @param rawSelectionKey the raw objects to curate (a {@link RawSelection}'s list, for runs with data.onlyNew), or
 *     null for every object under the spec's prefixes
 */
public record CurationRequest(String runId, RunSpec spec, String tokenizerKey, String rawSelectionKey) {}
