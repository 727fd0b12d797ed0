package dev.kiln.workflows.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A curation profile (YAML in configs/curation/): the per-shard steps in order with their thresholds, then
 * the global dedup across all shards. The CLI reads the file named by the run spec and puts its content into
 * the spec, so workers need no local files and a run records the exact rules it used.
 */
public record CurationProfile(String name, List<CurationStepSpec> steps, boolean exactDedup, NearDedup nearDedup,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) Boolean urlDedup) {

  /** A profile file may leave {@code urlDedup} out: off. */
  public CurationProfile {
    urlDedup = Boolean.TRUE.equals(urlDedup);
  }

  /**
   * A profile without URL dedup. {@code urlDedup} (optional, default false): drop a document whose normalised URL an
   * earlier document (global order) has; documents without a URL are never URL duplicates. Only the partitioned
   * global stage applies it.
   */
  public CurationProfile(String name, List<CurationStepSpec> steps, boolean exactDedup, NearDedup nearDedup) {
    this(name, steps, exactDedup, nearDedup, false);
  }

  /**
   * MinHash-LSH near-duplicate removal: signatures of {@code bands x rows} hashes over word
   * {@code shingleWords}-grams; two documents are candidates when any band matches. FineWeb: 14 x 8, 5-grams.
   */
  public record NearDedup(int bands, int rows, int shingleWords) {}
}
