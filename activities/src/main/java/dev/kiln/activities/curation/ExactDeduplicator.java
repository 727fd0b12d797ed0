package dev.kiln.activities.curation;

import dev.kiln.workflows.curation.StepStats;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;

/**
 * Global exact deduplication across shards: keeps the first document of each SHA-256 of its text after
 * case folding and whitespace collapsing. Which copy is "first" depends on the order documents are offered
 * in, so callers offer them in a fixed order (shard by shard, documents in shard order). Not thread-safe.
 */
public final class ExactDeduplicator {

  public static final String NAME = "exact-dedup";
  public static final String DUPLICATE = "duplicate";

  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  private final ToIntFunction<String> tokenCounter;
  private final Set<ByteBuffer> seen = new HashSet<>();
  private long documentsIn;
  private long documentsKept;
  private long tokensIn;
  private long tokensKept;
  private long nanos;

  public ExactDeduplicator(ToIntFunction<String> tokenCounter) {
    this.tokenCounter = tokenCounter;
  }

  /** Returns true if the document is the first with its normalised text, and so is kept. */
  public boolean offer(Document doc) {
    int tokens = tokenCounter.applyAsInt(doc.text());
    long start = System.nanoTime();
    boolean first = seen.add(ByteBuffer.wrap(fingerprint(doc.text())));
    nanos += System.nanoTime() - start;
    documentsIn++;
    tokensIn += tokens;
    if (first) {
      documentsKept++;
      tokensKept += tokens;
    }
    return first;
  }

  public StepStats stats() {
    long duplicates = documentsIn - documentsKept;
    Map<String, Long> reasons = duplicates == 0 ? Map.of() : Map.of(DUPLICATE, duplicates);
    return new StepStats(NAME, documentsIn, documentsKept, tokensIn, tokensKept, reasons, nanos);
  }

  static byte[] fingerprint(String text) {
    String normalised = WHITESPACE.matcher(text.toLowerCase(Locale.ROOT)).replaceAll(" ").strip();
    try {
      return MessageDigest.getInstance("SHA-256").digest(normalised.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }
}
