package dev.kiln.activities.tokenizer;

import dev.kiln.activities.tokenizer.TokenManifest.Shard;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Packs tokenized documents into fixed-size shards of little-endian unsigned integers (the nanoGPT {@code .bin}
 * layout): uint16 while every id fits (vocabularies up to 65,536: Kiln's own tokenizers, GPT-2's), else uint32
 * (Llama 3's 128k vocabulary). Each document is followed by the end-of-text token, shards hold exactly
 * {@code shardTokens} tokens except the last, and documents flow across shard boundaries. One instance per split
 * (train or held-out); finished shards go to a {@link ShardSink} as soon as they are full.
 */
public final class TokenShards {

  /** Where finished shards go (a directory, an S3 prefix). */
  @FunctionalInterface
  public interface ShardSink {
    void write(String name, byte[] content) throws IOException;
  }

  private static final int MAX_UINT16_VOCAB = 1 << 16;

  private final String prefix;
  private final int eosId;
  private final int vocabSize;
  private final int bytesPerToken;
  private final ShardSink sink;
  private final ByteBuffer buffer;
  private final List<Shard> shards = new ArrayList<>();

  /** Shards are named {@code <prefix>-00000.bin}, {@code <prefix>-00001.bin}, ..., in {@link #dtypeFor} elements. */
  public TokenShards(String prefix, int vocabSize, int eosId, int shardTokens, ShardSink sink) {
    if (vocabSize <= 0) {
      throw new IllegalArgumentException("vocabSize must be positive, got " + vocabSize);
    }
    if (shardTokens <= 0) {
      throw new IllegalArgumentException("shardTokens must be positive");
    }
    this.prefix = prefix;
    this.eosId = eosId;
    this.vocabSize = vocabSize;
    this.bytesPerToken = bytesPerToken(dtypeFor(vocabSize));
    this.sink = sink;
    this.buffer = ByteBuffer.allocate(shardTokens * bytesPerToken).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The narrowest element type that holds every id of a vocabulary: what the manifest's {@code dtype} says. */
  public static String dtypeFor(int vocabSize) {
    return vocabSize <= MAX_UINT16_VOCAB ? TokenManifest.UINT16 : TokenManifest.UINT32;
  }

  private static int bytesPerToken(String dtype) {
    return switch (dtype) {
      case TokenManifest.UINT16 -> Short.BYTES;
      case TokenManifest.UINT32 -> Integer.BYTES;
      default -> throw new IllegalArgumentException("token shards of dtype '" + dtype + "' are not known; Kiln writes "
          + TokenManifest.UINT16 + " and " + TokenManifest.UINT32);
    };
  }

  /** The element type these shards are written in. */
  public String dtype() {
    return bytesPerToken == Short.BYTES ? TokenManifest.UINT16 : TokenManifest.UINT32;
  }

  /**
   * Deterministic held-out split by document id, so every run and every worker agrees without
   * coordination: the first 8 bytes of SHA-256(id), as a fraction of 2^64, below {@code fraction}.
   */
  public static boolean isHeldOut(String docId, double fraction) {
    byte[] digest = sha256(docId.getBytes(StandardCharsets.UTF_8));
    long top = ByteBuffer.wrap(digest).getLong() >>> 11; // 53 bits: exact as a double
    return top / (double) (1L << 53) < fraction;
  }

  public void addDocument(int[] tokens) {
    for (int token : tokens) {
      put(token);
    }
    put(eosId);
  }

  /** Writes the last, shorter shard and returns every shard written, in order. */
  public List<Shard> finish() {
    if (buffer.position() > 0) {
      flush();
    }
    return List.copyOf(shards);
  }

  /** A uint16 shard's ids. */
  public static int[] readShard(byte[] content) {
    return readShard(content, TokenManifest.UINT16);
  }

  /** A shard's ids, its elements of {@code dtype} ({@link TokenManifest#dtype()}). */
  public static int[] readShard(byte[] content, String dtype) {
    ByteBuffer bytes = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
    int[] tokens = new int[content.length / bytesPerToken(dtype)];
    if (dtype.equals(TokenManifest.UINT32)) {
      bytes.asIntBuffer().get(tokens);
    } else {
      for (int i = 0; i < tokens.length; i++) {
        tokens[i] = Short.toUnsignedInt(bytes.getShort());
      }
    }
    return tokens;
  }

  /** Concatenates uint16 shards in the order given (the manifest's order). */
  public static int[] readAll(List<byte[]> shardContents) {
    return readAll(shardContents, TokenManifest.UINT16);
  }

  /** Concatenates shards of {@code dtype} in the order given (the manifest's order). */
  public static int[] readAll(List<byte[]> shardContents, String dtype) {
    int width = bytesPerToken(dtype);
    int total = shardContents.stream().mapToInt(content -> content.length / width).sum();
    int[] tokens = new int[total];
    int at = 0;
    for (byte[] content : shardContents) {
      int[] shard = readShard(content, dtype);
      System.arraycopy(shard, 0, tokens, at, shard.length);
      at += shard.length;
    }
    return tokens;
  }

  public static String sha256Hex(byte[] content) {
    return HexFormat.of().formatHex(sha256(content));
  }

  private void put(int token) {
    if (token < 0 || token >= vocabSize) {
      throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of " + vocabSize);
    }
    if (bytesPerToken == Short.BYTES) {
      buffer.putShort((short) token);
    } else {
      buffer.putInt(token);
    }
    if (!buffer.hasRemaining()) {
      flush();
    }
  }

  private void flush() {
    byte[] content = new byte[buffer.position()];
    buffer.flip();
    buffer.get(content);
    buffer.clear();
    String name = String.format("%s-%05d.bin", prefix, shards.size());
    try {
      sink.write(name, content);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write shard " + name, e);
    }
    shards.add(new Shard(name, content.length / bytesPerToken, sha256Hex(content)));
  }

  private static byte[] sha256(byte[] content) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }
}
