package dev.kiln.activities.curation;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Which training text the tokenizer learns from, chosen while streaming the corpus and never holding it: the
 * documents, in global order, whose sample hash (SHA-256 of a salted id, so unrelated to the held-out split) falls
 * under a rate, until the character budget is reached (the trainer cuts the last text). The rate takes documents at
 * {@link PartitionedGlobalStage#SAMPLE_HEADROOM} times the pace that would just fill the budget over the whole corpus,
 * so the budget fills from roughly the first half of the corpus; a corpus of up to that many times the budget is taken
 * whole (rate 1), exactly as the single-process stage reads it.
 */
public final class TokenizerSample {

  private static final byte[] SALT = "kiln-tokenizer-sample:".getBytes(StandardCharsets.UTF_8);

  private TokenizerSample() {}

  /** The fraction of documents to take for a budget of {@code budgetChars} out of {@code corpusChars}. */
  public static double rate(long budgetChars, long corpusChars) {
    if (corpusChars <= 0) {
      return 1;
    }
    return Math.min(1.0, PartitionedGlobalStage.SAMPLE_HEADROOM * budgetChars / (double) corpusChars);
  }

  /** Whether the document with this id is in a sample taken at {@code rate}; rate 1 takes every document. */
  public static boolean selected(String docId, double rate) {
    if (rate >= 1) {
      return true;
    }
    byte[] id = docId.getBytes(StandardCharsets.UTF_8);
    byte[] salted = new byte[SALT.length + id.length];
    System.arraycopy(SALT, 0, salted, 0, SALT.length);
    System.arraycopy(id, 0, salted, SALT.length, id.length);
    long top = ByteBuffer.wrap(PartitionedGlobalStage.sha256(salted)).getLong() >>> 11; // 53 bits: exact as a double
    return top / (double) (1L << 53) < rate;
  }

  /**
   * The texts of the selected documents, in the order given, until their characters reach {@code budgetChars}:
   * reads no further document once the budget is full, so at most one text beyond the budget is ever held.
   */
  public static Iterator<String> texts(Iterator<Document> documents, double rate, long budgetChars) {
    return new Iterator<>() {
      long taken;
      String next;

      @Override
      public boolean hasNext() {
        while (next == null && taken < budgetChars && documents.hasNext()) {
          Document doc = documents.next();
          if (selected(doc.id(), rate)) {
            next = doc.text();
            taken += next.length();
          }
        }
        return next != null;
      }

      @Override
      public String next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        String text = next;
        next = null;
        return text;
      }
    };
  }
}
