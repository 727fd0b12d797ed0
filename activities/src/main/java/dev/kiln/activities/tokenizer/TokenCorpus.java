package dev.kiln.activities.tokenizer;

import dev.kiln.activities.storage.ObjectStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The curated token streams of a run, read through their manifest with every shard checked against its
 * SHA-256. Kept in memory per manifest, as each training segment of a run reads the same data.
 */
public record TokenCorpus(TokenManifest manifest, int[] train, int[] heldOut) {
  private static final Map<String, TokenCorpus> LOADED = new ConcurrentHashMap<>();
  private static final int MAX_CACHED = 4;

  public static TokenCorpus load(ObjectStore store, String manifestKey) {
    TokenCorpus cached = LOADED.get(manifestKey);
    if (cached != null) {
      return cached;
    }
    TokenManifest manifest = TokenManifest.fromJson(new String(store.get(manifestKey), java.nio.charset.StandardCharsets.UTF_8));
    String dir = manifestKey.substring(0, manifestKey.lastIndexOf('/') + 1);
    TokenCorpus corpus = new TokenCorpus(manifest, read(store, dir, manifest.train(), manifest.dtype()), read(store, dir, manifest.heldOut(), manifest.dtype()));
    if (LOADED.size() >= MAX_CACHED) {
      LOADED.clear();
    }
    LOADED.put(manifestKey, corpus);
    return corpus;
  }

  private static int[] read(ObjectStore store, String dir, List<TokenManifest.Shard> shards, String dtype) {
    List<byte[]> contents = new ArrayList<>();
    for (TokenManifest.Shard shard : shards) {
      byte[] bytes = store.get(dir + shard.name());
      if (!ObjectStore.sha256(bytes).equals(shard.sha256())) {
        throw new IllegalStateException(dir + shard.name() + " does not match the SHA-256 in its manifest");
      }
      contents.add(bytes);
    }
    return TokenShards.readAll(contents, dtype);
  }
}
