package dev.kiln.activities.curation.quality;

import dev.kiln.activities.curation.RawDocument;
import dev.kiln.activities.storage.ObjectStore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Trains a quality classifier from objects in the bucket and stores it: each positive and negative prefix is one
 * {@link QualityTrainer.Source} (so each is split into train and held-out documents on its own), and the model goes
 * to {@code <out>weights.bin} and {@code <out>model.json}. What {@code kiln quality train} runs.
 */
public final class QualityTraining {

  private QualityTraining() {}

  public static QualityModel run(ObjectStore store, List<String> positives, List<String> negatives, String out,
      QualityTrainer.Settings settings, Consumer<String> progress) {
    if (positives.isEmpty() || negatives.isEmpty()) {
      throw new IllegalArgumentException("give at least one positive and one negative prefix (--positive, --negative)");
    }
    List<QualityTrainer.Source> sources = new ArrayList<>();
    for (String prefix : positives) {
      sources.add(new QualityTrainer.Source(prefix, true, QualityTrainer.extract(read(store, prefix, progress))));
    }
    for (String prefix : negatives) {
      sources.add(new QualityTrainer.Source(prefix, false, QualityTrainer.extract(read(store, prefix, progress))));
    }
    QualityModel model = QualityTrainer.train(sources, settings, progress);
    String prefix = QualityModel.prefix(out);
    model.write(store, prefix);
    progress.accept("wrote " + prefix + QualityModel.WEIGHTS + " and " + prefix + QualityModel.INFO);
    return model;
  }

  private static List<RawDocument> read(ObjectStore store, String prefix, Consumer<String> progress) {
    List<ObjectStore.StoredObject> objects = store.list(prefix);
    if (objects.isEmpty()) {
      throw new IllegalArgumentException("prefix '" + prefix + "' holds no objects in bucket " + store.bucket()
          + ": upload the corpora (kiln seed) or correct the prefix");
    }
    progress.accept("reading " + objects.size() + " objects under " + prefix);
    List<RawDocument> raw = new ArrayList<>(objects.size());
    for (ObjectStore.StoredObject o : objects) {
      raw.add(RawDocument.of(o.key(), store.get(o.key())));
    }
    return raw;
  }
}
