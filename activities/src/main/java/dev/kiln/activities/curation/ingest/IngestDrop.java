package dev.kiln.activities.curation.ingest;

/**
 * A record that could not be read into a document: its id (object key and position), URL if known, the drop reason
 * ({@code <format>:<what>}, e.g. {@code warc:not-text}) and what went wrong, shown as the example's excerpt.
 */
public record IngestDrop(String id, String url, String reason, String detail) {}
