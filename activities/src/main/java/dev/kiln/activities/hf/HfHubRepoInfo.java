package dev.kiln.activities.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the Hub's model info API ({@code GET /api/models/<id>/revision/<rev>?blobs=true}) says about one revision:
 * the commit it resolves to and the files ("siblings") at that commit. With {@code blobs=true} each sibling also
 * carries its size and blob id, and LFS files their sha256, so a file whose blob is already cached needs no request
 * and every download has a size and hash to be checked against.
 *
 * @param sha the commit the revision resolved to
 * @param files the repository's files by path
 * @param gated whether the Hub marks the repository as gated ({@code "auto"} or {@code "manual"})
 */
record HfHubRepoInfo(String sha, Map<String, RepoFile> files, boolean gated) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One file of the repository.
   *
   * @param path its path in the repository
   * @param size its size in bytes, or -1 when the API did not say
   * @param etag the name its blob has in the cache: the LFS sha256, else the git blob id; null when unknown
   */
  record RepoFile(String path, long size, String etag) {}

  Optional<RepoFile> file(String path) {
    return Optional.ofNullable(files.get(path));
  }

  boolean has(String path) {
    return files.containsKey(path);
  }

  static HfHubRepoInfo parse(HfModelId id, byte[] body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      throw malformed(id, "its body is not JSON");
    }
    String sha = root.path("sha").asText("");
    if (!sha.matches("[0-9a-f]{40}")) {
      throw malformed(id, "it has no 40-character commit \"sha\"");
    }
    JsonNode siblings = root.path("siblings");
    if (!siblings.isArray()) {
      throw malformed(id, "it has no \"siblings\" list of files");
    }
    Map<String, RepoFile> files = new LinkedHashMap<>();
    for (JsonNode s : siblings) {
      String path = s.path("rfilename").asText(null);
      if (path == null) {
        continue;
      }
      JsonNode lfs = s.path("lfs");
      String lfsSha = lfs.path("sha256").asText(null);
      if (lfsSha != null && lfsSha.matches("[0-9a-f]{64}")) {
        files.put(path, new RepoFile(path, lfs.path("size").asLong(s.path("size").asLong(-1)), lfsSha));
      } else {
        String blobId = s.path("blobId").asText(null);
        files.put(path, new RepoFile(path, s.path("size").asLong(-1),
            blobId != null && blobId.matches("[0-9a-f]{40}") ? blobId : null));
      }
    }
    JsonNode gated = root.path("gated");
    return new HfHubRepoInfo(sha, files, gated.isTextual() || gated.asBoolean(false));
  }

  private static HfHubTransferException malformed(HfModelId id, String why) {
    return new HfHubTransferException("the Hub's model info for " + id + " cannot be used: " + why
        + ". Fix: check that HF_ENDPOINT is the Hub or a mirror of it");
  }
}
