package dev.kiln.activities.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Describes a tokenized dataset: element type, vocabulary, end-of-text id, and the train and held-out shards
 * with their token counts and SHA-256, so a reader can verify every shard before trusting it. Written last,
 * after all shards.
 */
public record TokenManifest(String dtype, int vocabSize, int eosId, List<Shard> train, List<Shard> heldOut) {

  public static final String UINT16 = "uint16";
  /** For vocabularies above 65,536 ids (Llama 3's 128k). */
  public static final String UINT32 = "uint32";

  public record Shard(String name, long tokens, String sha256) {}

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public long trainTokens() {
    return train.stream().mapToLong(Shard::tokens).sum();
  }

  public long heldOutTokens() {
    return heldOut.stream().mapToLong(Shard::tokens).sum();
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static TokenManifest fromJson(String json) {
    try {
      return JSON.readValue(json, TokenManifest.class);
    } catch (IOException e) {
      throw new UncheckedIOException("not a token manifest", e);
    }
  }
}
