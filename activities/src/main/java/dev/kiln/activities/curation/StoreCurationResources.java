package dev.kiln.activities.curation;

import dev.kiln.activities.curation.fasttext.FastTextModel;
import dev.kiln.activities.curation.quality.QualityModel;
import dev.kiln.activities.curation.web.UrlBlocklist;
import dev.kiln.activities.evaluation.SavedModel;
import dev.kiln.activities.hub.ModelCard;
import dev.kiln.activities.hub.ModelHub;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.spec.CurationStepSpec;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Blocklists, quality classifiers and reference language models read from the bucket, kept per worker (a JVM) so
 * that the shards a worker curates load each once: entries are keyed by bucket, key and the objects' ETags, so a
 * changed object is read again. Blocklists and classifiers: the last {@value #KEPT} used are kept; language models
 * stay loaded for the worker's life (a profile names one). A missing or unreadable resource fails the shard
 * non-retryably ({@link Failures#BAD_DATA}), naming the key and the fix.
 */
public final class StoreCurationResources implements CurationResources {
  static final int KEPT = 4;

  private static final Map<String, Object> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
      long evictable = values().stream().filter(v -> !(v instanceof PerplexityScorer)).count();
      return evictable > KEPT && !(eldest.getValue() instanceof PerplexityScorer);
    }
  };

  private final ObjectStore store;

  public StoreCurationResources(ObjectStore store) {
    this.store = store;
  }

  @Override
  public UrlBlocklist urlBlocklist(CurationStepSpec.UrlBlocklist spec) {
    String list = spec.list().endsWith("/") ? spec.list() : spec.list() + "/";
    Map<String, ObjectStore.StoredObject> objects = new TreeMap<>();
    for (String category : spec.categories()) {
      for (String file : List.of("domains", "urls")) {
        String key = list + category + "/" + file;
        store.list(key).stream().filter(o -> o.key().equals(key)).findFirst().ifPresent(o -> objects.put(key, o));
      }
      if (!objects.containsKey(list + category + "/domains") && !objects.containsKey(list + category + "/urls")) {
        throw ApplicationFailure.newNonRetryableFailure("URL blocklist category '" + category + "' has neither "
            + list + category + "/domains nor " + list + category + "/urls in bucket " + store.bucket()
            + ". Fix: upload the UT1 category directory (domains and urls files, one entry per line) under " + list
            + ", or remove '" + category + "' from urlBlocklist.categories", Failures.BAD_DATA);
      }
    }
    String cacheKey = "blocklist|" + store.bucket() + "|" + list + "|" + spec.categories() + "|" + etags(objects.values());
    return cached(cacheKey, UrlBlocklist.class, () -> {
      UrlBlocklist blocklist = new UrlBlocklist();
      for (String category : spec.categories()) {
        blocklist.addDomains(category, read(objects, list + category + "/domains"));
        blocklist.addUrls(category, read(objects, list + category + "/urls"));
      }
      return blocklist;
    });
  }

  private byte[] read(Map<String, ObjectStore.StoredObject> objects, String key) {
    if (!objects.containsKey(key)) {
      return null;
    }
    try {
      return store.get(key);
    } catch (RuntimeException e) {
      throw ApplicationFailure.newNonRetryableFailure("URL blocklist file " + key + " in bucket " + store.bucket()
          + " cannot be read (" + e.getMessage() + "). Fix: upload it again, or remove its category from the profile",
          Failures.BAD_DATA);
    }
  }

  @Override
  public QualityModel qualityModel(String key) {
    String prefix = QualityModel.prefix(key);
    List<ObjectStore.StoredObject> objects = store.list(prefix);
    return cached("quality|" + store.bucket() + "|" + prefix + "|" + etags(objects), QualityModel.class,
        () -> QualityModel.read(store, prefix));
  }

  @Override
  public PerplexityScorer perplexityScorer(String hubId) {
    ModelHub hub = new ModelHub(store);
    String cardKey = ModelHub.cardKey(hubId);
    List<ObjectStore.StoredObject> card = store.list(cardKey).stream().filter(o -> o.key().equals(cardKey)).toList();
    if (card.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure("perplexity model '" + hubId + "' is not in the hub (no "
          + cardKey + " in bucket " + store.bucket() + "). Fix: name a causal model of the hub (its card is hub/<id>/card.yaml; a"
          + " finished decoder run publishes one there), or import one (model.hubModel, docs/huggingface.md)", Failures.BAD_DATA);
    }
    return cached("perplexity|" + store.bucket() + "|" + hubId + "|" + etags(card), PerplexityScorer.class, () -> {
      try {
        ModelCard modelCard = hub.card(hubId);
        return PerplexityScorer.load(SavedModel.fromHub(store, modelCard));
      } catch (IllegalArgumentException e) {
        throw ApplicationFailure.newNonRetryableFailure("perplexity model '" + hubId + "' cannot be used: "
            + e.getMessage(), Failures.BAD_DATA);
      }
    });
  }

  @Override
  public FastTextModel languageModel(String key) {
    List<ObjectStore.StoredObject> object = store.list(key).stream().filter(o -> o.key().equals(key)).toList();
    if (object.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure("language model " + key + " is not in bucket " + store.bucket()
          + ". Fix: upload a fastText language-identification model there (lid.176.ftz: infra/fetch-lid-model.sh,"
          + " docs/language-id.md), or remove curation.languageModel to use the built-in detector", Failures.BAD_DATA);
    }
    return cached("lid|" + store.bucket() + "|" + key + "|" + etags(object), FastTextModel.class, () -> {
      try (java.io.InputStream in = store.open(key)) {
        return FastTextModel.load(in);
      } catch (java.io.IOException | RuntimeException e) {
        throw ApplicationFailure.newNonRetryableFailure("language model " + key + " in bucket " + store.bucket()
            + " cannot be read as a fastText model (" + e.getMessage() + "). Fix: upload a fastText .bin or .ftz"
            + " there (lid.176.ftz: infra/fetch-lid-model.sh), or remove curation.languageModel", Failures.BAD_DATA);
      }
    });
  }

  private static String etags(java.util.Collection<ObjectStore.StoredObject> objects) {
    List<String> tags = new ArrayList<>();
    objects.forEach(o -> tags.add(o.key() + "=" + o.etag()));
    return String.join(",", tags);
  }

  /** The cached value, loading it under the cache's lock (one load per key, even when shards start together). */
  private static <T> T cached(String key, Class<T> type, Supplier<T> load) {
    synchronized (CACHE) {
      Object value = CACHE.get(key);
      if (value == null) {
        value = load.get();
        CACHE.put(key, value);
      }
      return type.cast(value);
    }
  }
}
