package dev.kiln.workflows.curation;

/**
 * What the dedup and filter stages kept, summed over shards: small, whatever the number of shards.
 *
 * @param trainCharacters characters of the training documents' text (the tokenizer sample's denominator)
 */
public record GlobalSummary(long rawDocuments, long keptDocuments, long trainDocuments, long heldOutDocuments,
    long trainCharacters) {}
