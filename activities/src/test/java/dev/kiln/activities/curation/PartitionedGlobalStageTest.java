package dev.kiln.activities.curation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.curation.web.UrlNormalizer;
import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.LocalBucket;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.tokenizer.BpeTokenizer;
import dev.kiln.activities.tokenizer.ByteLevelBpeTrainer;
import dev.kiln.activities.tokenizer.StoredTokenizer;
import dev.kiln.activities.tokenizer.TokenManifest;
import dev.kiln.activities.tokenizer.TokenShards;
import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.curation.DedupLayout;
import dev.kiln.workflows.curation.GlobalStageRequest;
import dev.kiln.workflows.curation.GlobalSummary;
import dev.kiln.workflows.curation.ShardResult;
import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.spec.CurationProfile;
import dev.kiln.workflows.spec.RunSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partitioned global stage keeps exactly the documents the single-process stage keeps ({@link MinHashDeduplicator},
 * {@link ExactDeduplicator} through {@link GlobalDeduplication}), with the same dedup stats, tokenizer and token stream,
 * on shards whose exact copies, near copies (a chain of them too) and URL copies are spread across shards, for several
 * cuts into band groups and partitions; one shard is empty. Runs against s3proxy.
 */
class PartitionedGlobalStageTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Shards 0 to 4 get documents; shard 5 keeps none (a shard whose every document a per-shard step dropped). */
  private static final int SHARDS = 6;

  @TempDir static Path dir;
  static LocalBucket bucket;
  static ObjectStore store;
  static RunSpec spec;
  /** The fixture's documents per shard, in order. */
  static List<List<Document>> shards;

  @BeforeAll
  static void start() throws Exception {
    bucket = LocalBucket.start(dir, "kiln");
    store = bucket.store();
    RunSpec bundled = RunSpecLoader.load(Path.of("..", "configs", "tiny-gpt.yaml"));
    CurationProfile rules = bundled.curation().rules();
    CurationProfile withUrls = new CurationProfile(rules.name(), rules.steps(), true, rules.nearDedup(), true);
    spec = new RunSpec(bundled.name(), bundled.useCase(), bundled.budget(), bundled.model(),
        new RunSpec.DataSpec(List.of("raw/x/"), 0.2, 10, false, null),
        new RunSpec.CurationSpec(bundled.curation().profile(), List.of("en"), 0.65, withUrls),
        new RunSpec.TokenizerSpec(320), bundled.training(), bundled.evaluation(), bundled.resilience());
    shards = fixture();
  }

  @AfterAll
  static void stop() throws Exception {
    bucket.close();
  }

  /** Random prose, with copies of some documents planted in other shards (earlier and later ones). */
  static List<List<Document>> fixture() {
    Random random = new Random(18);
    List<String> words = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      words.add(Integer.toString(i * 7919 % 100_003, 36) + "ab".repeat(i % 3));
    }
    List<List<Document>> out = new ArrayList<>();
    for (int s = 0; s < SHARDS; s++) {
      out.add(new ArrayList<>());
    }
    List<String> originals = new ArrayList<>();
    for (int d = 0; d < 60; d++) {
      StringBuilder text = new StringBuilder();
      for (int w = 0; w < 120; w++) {
        text.append(words.get(random.nextInt(words.size()))).append(w % 15 == 14 ? ".\n" : " ");
      }
      originals.add(text.toString());
    }
    int id = 0;
    for (int d = 0; d < originals.size(); d++) {
      // shard 3 gets no originals, only near copies
      int shard = d % 4 == 3 ? 4 : d % 4;
      String url = d % 5 == 0 ? "https://Example.org/page/" + (d / 10) + "?utm_source=x" : null;
      out.get(shard).add(new Document("doc-" + id++, originals.get(d), url));
    }
    for (int d = 0; d < 12; d++) {
      // exact copies (case and spacing differ) into an earlier or later shard
      String copy = originals.get(d * 4 + 1).toUpperCase().replace(" ", "  ");
      out.get((d * 3) % 5 == 3 ? 0 : (d * 3) % 5).add(new Document("copy-" + id++, copy));
    }
    for (int d = 0; d < 10; d++) {
      // near copies: one word replaced; each of the first three also has a near copy of the copy (a chain)
      String original = originals.get(d * 5 + 2);
      String near = original.replaceFirst(" ", " changed ");
      out.get(4 - d % 3).add(new Document("near-" + id++, near, "https://example.org/near/" + d));
      if (d < 3) {
        out.get(d).add(new Document("chain-" + id++, near.replaceFirst("changed", "altered twice"), null));
      }
    }
    for (int d = 0; d < 4; d++) {
      // unique texts at a URL an earlier document has (after normalisation)
      StringBuilder text = new StringBuilder("Another page entirely ");
      for (int w = 0; w < 80; w++) {
        text.append(words.get(random.nextInt(words.size()))).append(' ');
      }
      out.get(1 + d % 3).add(new Document("url-" + id++, text.toString(), "https://example.org/page/" + d + "#top"));
    }
    return out;
  }

  /** Writes the fixture as curateShard does: documents, signatures, stats, dropped examples. */
  static void writeShards(String runId) throws IOException {
    CurationProfile.NearDedup near = spec.curation().rules().nearDedup();
    MinHasher hasher = new MinHasher(near.bands(), near.rows(), near.shingleWords());
    for (int s = 0; s < SHARDS; s++) {
      List<Document> docs = shards.get(s);
      String prefix = String.format("runs/%s/curated/docs/shard-%05d", runId, s);
      store.put(prefix + ".jsonl.gz", CurationActivitiesImpl.writeDocuments(docs));
      store.put(prefix + ".minhash.bin", MinHasher.write(docs.stream().map(d -> hasher.signature(d.text())).toList(),
          hasher.signatureLength()));
      store.put(prefix + ".dropped.json", "[]".getBytes(StandardCharsets.UTF_8));
      long tokens = docs.stream().mapToLong(d -> ReferenceTokenCounter.GPT2.applyAsInt(d.text())).sum();
      StepStats decode = new StepStats("decode", docs.size() + 3, docs.size(), tokens + 100, tokens, Map.of("binary", 3L), 0);
      store.put(prefix + ".stats.json", JSON.writeValueAsBytes(
          new ShardResult(s, prefix + ".jsonl.gz", prefix + ".minhash.bin", prefix + ".dropped.json", docs.size(), List.of(decode))));
    }
  }

  /** The single-process stage on the same documents, plus URL dedup as the partitioned stage defines it. */
  record Reference(List<Document> kept, List<StepStats> stats) {}

  static Reference reference() {
    CurationProfile profile = spec.curation().rules();
    List<Document> all = shards.stream().flatMap(List::stream).toList();
    CurationProfile.NearDedup near = profile.nearDedup();
    MinHasher hasher = new MinHasher(near.bands(), near.rows(), near.shingleWords());
    MinHashDeduplicator minHash = new MinHashDeduplicator(near.bands(), near.rows(), all.size());
    all.forEach(d -> minHash.add(hasher.signature(d.text())));
    BitSet nearDuplicates = minHash.duplicates();
    long tokensIn = all.stream().mapToLong(d -> ReferenceTokenCounter.GPT2.applyAsInt(d.text())).sum();
    GlobalDeduplication dedup = new GlobalDeduplication(profile, nearDuplicates, 0, tokensIn, ReferenceTokenCounter.GPT2);
    Set<String> urls = new HashSet<>();
    List<Document> kept = new ArrayList<>();
    long urlIn = 0;
    long urlDropped = 0;
    long urlTokensDropped = 0;
    for (Document doc : all) {
      boolean keep = dedup.keep(doc);
      String url = UrlNormalizer.normalize(doc.url());
      boolean urlCopy = url != null && !urls.add(url);
      if (keep) {
        urlIn++;
        if (urlCopy) {
          urlDropped++;
          urlTokensDropped += ReferenceTokenCounter.GPT2.applyAsInt(doc.text());
        } else {
          kept.add(doc);
        }
      }
    }
    List<StepStats> stats = new ArrayList<>(dedup.stats());
    StepStats last = stats.get(stats.size() - 1);
    stats.add(new StepStats(PartitionedGlobalStage.UrlDedup.NAME, urlIn, urlIn - urlDropped, last.tokensKept(),
        last.tokensKept() - urlTokensDropped,
        urlDropped == 0 ? Map.of() : Map.of(PartitionedGlobalStage.UrlDedup.DUPLICATE, urlDropped), 0));
    return new Reference(kept, stats);
  }

  /** Runs every task of the partitioned stage in the workflow's order. */
  static CurationResult runStage(String runId, DedupLayout layout) {
    PartitionedGlobalStage stage = new PartitionedGlobalStage(store, message -> {}, new CurationActivitiesImpl(store));
    GlobalStageRequest base = new GlobalStageRequest(runId, spec, null, layout, 0);
    for (int s = 0; s < layout.shards(); s++) {
      stage.writeDedupKeys(base.withIndex(s));
    }
    for (int g = 0; g < layout.bandGroups(); g++) {
      stage.findNearDuplicatePairs(base.withIndex(g));
    }
    for (int p = 0; p < layout.partitions(); p++) {
      stage.findExactDuplicates(base.withIndex(p));
    }
    stage.clusterDuplicates(base);
    for (int s = 0; s < layout.shards(); s++) {
      stage.filterShard(base.withIndex(s));
    }
    GlobalSummary summary = stage.summarize(base);
    assertTrue(summary.trainDocuments() > 0 && summary.heldOutDocuments() > 0, summary.toString());
    GlobalStageRequest tokenized = base.withTokenizer(stage.trainTokenizer(base));
    for (int s = 0; s < layout.shards(); s++) {
      stage.tokenizeShard(tokenized.withIndex(s));
    }
    return stage.mergeManifest(tokenized);
  }

  static List<Document> filtered(String runId) {
    List<Document> kept = new ArrayList<>();
    for (int s = 0; s < SHARDS; s++) {
      kept.addAll(CurationActivitiesImpl.readDocuments(store.get(PartitionedGlobalStage.filteredKey(runId, s))));
    }
    return kept;
  }

  private static StepStats withoutTime(StepStats s) {
    return new StepStats(s.step(), s.documentsIn(), s.documentsKept(), s.tokensIn(), s.tokensKept(), s.droppedByReason(), 0);
  }

  @Test
  void keepsWhatTheSingleProcessStageKeepsWhateverTheCut() throws IOException {
    Reference expected = reference();
    List<Document> all = shards.stream().flatMap(List::stream).toList();
    assertTrue(expected.stats().get(0).documentsDropped() >= 10, "the fixture has exact copies: " + expected.stats());
    assertTrue(expected.stats().get(1).documentsDropped() >= 10, "the fixture has near copies: " + expected.stats());
    assertTrue(expected.stats().get(2).documentsDropped() >= 2, "the fixture has URL copies: " + expected.stats());
    assertTrue(expected.kept().size() < all.size() - 25);

    for (DedupLayout layout : List.of(new DedupLayout(SHARDS, 14, 1), new DedupLayout(SHARDS, 3, 4), new DedupLayout(SHARDS, 1, 7))) {
      String runId = "cut-" + layout.bandGroups() + "-" + layout.partitions();
      writeShards(runId);
      CurationResult result = runStage(runId, layout);
      assertEquals(expected.kept(), filtered(runId), "kept documents with " + layout);
      List<StepStats> funnel = result.funnel();
      assertEquals(List.of("decode", "exact-dedup", "near-dedup", "url-dedup"), funnel.stream().map(StepStats::step).toList());
      assertEquals(expected.stats().stream().map(PartitionedGlobalStageTest::withoutTime).toList(), funnel.subList(1, 4).stream().map(PartitionedGlobalStageTest::withoutTime).toList(),
          "dedup stats with " + layout);
      assertEquals(expected.kept().size(), result.keptDocuments());
      assertEquals(all.size() + 3L * SHARDS, result.rawDocuments());
    }
  }

  @Test
  void trainsTheSameTokenizerAndPacksTheSameTokenStream() {
    String runId = "tokens";
    try {
      writeShards(runId);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    CurationResult result = runStage(runId, new DedupLayout(SHARDS, 14, 2));
    List<Document> kept = reference().kept();
    List<Document> train = new ArrayList<>();
    List<Document> heldOut = new ArrayList<>();
    for (Document doc : kept) {
      (TokenShards.isHeldOut(doc.id(), spec.data().heldOutFraction()) ? heldOut : train).add(doc);
    }
    String expectedTokenizer = new ByteLevelBpeTrainer(spec.tokenizer().vocabSize()).train(train.stream().map(Document::text).toList());
    assertEquals(expectedTokenizer, new String(store.get(result.tokenizerKey()), StandardCharsets.UTF_8));

    TokenManifest manifest = TokenManifest.fromJson(new String(store.get(result.manifestKey()), StandardCharsets.UTF_8));
    try (BpeTokenizer tokenizer = StoredTokenizer.load(store, result.tokenizerKey())) {
      assertArrayEquals(stream(train, tokenizer), read(runId, manifest.train(), manifest.dtype()), "train tokens");
      assertArrayEquals(stream(heldOut, tokenizer), read(runId, manifest.heldOut(), manifest.dtype()), "held-out tokens");
    }
    assertEquals(manifest.trainTokens(), result.trainTokens());
    assertTrue(manifest.train().size() >= 4, "one or more token shards per curated shard with documents: " + manifest.train());
  }

  private static int[] stream(List<Document> docs, BpeTokenizer tokenizer) {
    List<Integer> tokens = new ArrayList<>();
    for (Document doc : docs) {
      for (int t : tokenizer.encode(doc.text())) {
        tokens.add(t);
      }
      tokens.add(tokenizer.eosId());
    }
    return tokens.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int[] read(String runId, List<TokenManifest.Shard> shards, String dtype) {
    List<byte[]> contents = new ArrayList<>();
    for (TokenManifest.Shard shard : shards) {
      byte[] bytes = store.get("runs/" + runId + "/curated/" + shard.name());
      assertEquals(shard.sha256(), ObjectStore.sha256(bytes), shard.name());
      contents.add(bytes);
    }
    return TokenShards.readAll(contents, dtype);
  }

  /** Every object of a run's curation, by key. */
  private static Map<String, String> objects(String runId) {
    Map<String, String> out = new java.util.TreeMap<>();
    for (ObjectStore.StoredObject o : store.list("runs/" + runId + "/curated/")) {
      out.put(o.key(), ObjectStore.sha256(store.get(o.key())));
    }
    return out;
  }

  @Test
  void everyTaskDoneAgainRewritesTheSameBytes() throws IOException {
    writeShards("again");
    runStage("again", new DedupLayout(SHARDS, 3, 2));
    Map<String, String> first = objects("again");
    runStage("again", new DedupLayout(SHARDS, 3, 2));
    Map<String, String> second = objects("again");
    // the report and stats carry the steps' times; the key runs record them too
    java.util.function.Predicate<String> timed = key -> key.contains("/report.") || key.endsWith("stats.json")
        || key.endsWith("funnel.json") || key.matches(".*/global/keys/s\\d+\\.json") || key.endsWith("remove/summary.json");
    assertEquals(first.keySet(), second.keySet(), "a task done again adds no object");
    first.forEach((key, sha) -> assertTrue(timed.test(key) || sha.equals(second.get(key)), key + " changed when done again"));
    assertTrue(first.keySet().stream().anyMatch(k -> k.contains("/global/pairs/")), first.keySet().toString());
  }

  @Test
  void aSplitThatWouldBeEmptyGetsTheFirstDocumentOfTheOther() throws IOException {
    RunSpec noHeldOut = new RunSpec(spec.name(), spec.useCase(), spec.budget(), spec.model(),
        new RunSpec.DataSpec(List.of("raw/x/"), 0.0, 10, false, null), spec.curation(), spec.tokenizer(), spec.training(),
        spec.evaluation(), spec.resilience());
    RunSpec saved = spec;
    spec = noHeldOut;
    try {
      writeShards("split");
      CurationResult result = runStage("split", new DedupLayout(SHARDS, 14, 1));
      assertTrue(result.heldOutTokens() > 0, "held-out tokens: " + result.heldOutTokens());
      TokenManifest manifest = TokenManifest.fromJson(new String(store.get(result.manifestKey()), StandardCharsets.UTF_8));
      try (BpeTokenizer tokenizer = StoredTokenizer.load(store, result.tokenizerKey())) {
        List<Document> kept = reference().kept();
        assertArrayEquals(stream(List.of(kept.get(0)), tokenizer), read("split", manifest.heldOut(), manifest.dtype()),
            "the first kept document is held out, as the single-process stage does");
        assertArrayEquals(stream(kept.subList(1, kept.size()), tokenizer), read("split", manifest.train(), manifest.dtype()));
      }
    } finally {
      spec = saved;
    }
  }
}
