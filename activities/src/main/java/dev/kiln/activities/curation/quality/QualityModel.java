package dev.kiln.activities.curation.quality;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.Failures;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A trained quality classifier with its training record, as stored under one S3 prefix:
 * {@code <prefix>weights.bin} ({@link LinearTextClassifier#toBytes}) and {@code <prefix>model.json}
 * ({@link QualityModelInfo}).
 */
public record QualityModel(LinearTextClassifier classifier, QualityModelInfo info) {
  public static final String WEIGHTS = "weights.bin";
  public static final String INFO = "model.json";
  static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** The prefix with exactly one trailing slash. */
  public static String prefix(String key) {
    String p = key.strip();
    if (p.endsWith(INFO) || p.endsWith(WEIGHTS)) {
      p = p.substring(0, p.lastIndexOf('/') + 1);
    }
    return p.endsWith("/") ? p : p + "/";
  }

  public void write(ObjectStore store, String key) {
    String prefix = prefix(key);
    try {
      // the weights first: a prefix with model.json is complete
      store.put(prefix + WEIGHTS, classifier.toBytes());
      store.put(prefix + INFO, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(info));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads a model; a missing or damaged one fails non-retryably, naming the key and the fix. */
  public static QualityModel read(ObjectStore store, String key) {
    String prefix = prefix(key);
    String fix = ". Fix: train one with 'kiln quality train --out " + prefix + "' (docs/quality-filter.md), "
        + "or point qualityClassifier.model at the prefix of an existing one";
    if (!store.exists(prefix + INFO) || !store.exists(prefix + WEIGHTS)) {
      throw ApplicationFailure.newNonRetryableFailure("quality classifier " + prefix + " is not in bucket "
          + store.bucket() + " (needs " + prefix + INFO + " and " + prefix + WEIGHTS + ")" + fix, Failures.BAD_DATA);
    }
    try {
      QualityModelInfo info = JSON.readValue(store.get(prefix + INFO), QualityModelInfo.class);
      if (!QualityModelInfo.FORMAT.equals(info.format())) {
        throw new IllegalArgumentException(prefix + INFO + " has format " + info.format() + ", expected " + QualityModelInfo.FORMAT);
      }
      return new QualityModel(LinearTextClassifier.fromBytes(store.get(prefix + WEIGHTS), prefix + WEIGHTS), info);
    } catch (IOException | IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure("quality classifier " + prefix + " in bucket " + store.bucket()
          + " cannot be read: " + e.getMessage() + fix, Failures.BAD_DATA);
    }
  }
}
