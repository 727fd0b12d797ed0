package dev.kiln.workflows.curation;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * The raw objects a run with {@code data.onlyNew} curates, chosen against what its lineage consumed before.
 *
 * @param key S3 key of the list of selected raw objects (planShards reads it), or null when nothing was selected
 * @param objects raw objects selected
 * @param bytes their size
 * @param newObjects raw objects under the spec's prefixes that no earlier completed run of the lineage consumed
 * @param consumedEarlier raw objects under the prefixes that earlier runs consumed (and this run leaves out, unless
 *     nothing new arrived and {@code whenNothingNew} is {@code all})
 * @param earlierRuns completed runs of the lineage on record
 */
public record RawSelection(String key, int objects, long bytes, int newObjects, int consumedEarlier, int earlierRuns) {

  @JsonIgnore
  public boolean isEmpty() {
    return objects == 0;
  }
}
