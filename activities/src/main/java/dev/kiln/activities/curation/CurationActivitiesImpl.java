package dev.kiln.activities.curation;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.curation.ingest.RangedSource;
import dev.kiln.activities.curation.ingest.ShardPlanner;
import dev.kiln.activities.curation.ingest.ShardReader;
import dev.kiln.activities.KeepAlive;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.tokenizer.BpeTokenizer;
import dev.kiln.activities.tokenizer.ByteLevelBpeTrainer;
import dev.kiln.activities.tokenizer.StoredTokenizer;
import dev.kiln.activities.tokenizer.TokenManifest;
import dev.kiln.activities.tokenizer.TokenShards;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.curation.CurationActivities;
import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.curation.FinalizeRequest;
import dev.kiln.workflows.curation.GlobalStageRequest;
import dev.kiln.workflows.curation.GlobalSummary;
import dev.kiln.workflows.curation.FinalizeShardsRequest;
import dev.kiln.workflows.curation.RawSelection;
import dev.kiln.workflows.curation.ShardPlan;
import dev.kiln.workflows.curation.ShardRequest;
import dev.kiln.workflows.curation.ShardResult;
import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import dev.kiln.workflows.spec.CurationProfile;
import dev.kiln.workflows.spec.CurationStepSpec;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.TreeMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Stage 3's activities. Outputs go under {@code runs/<run>/curated/}; a shard's stats file is written after
 * its documents, so a shard whose stats exist is done and is read back instead of redone.
 */
public final class CurationActivitiesImpl implements CurationActivities {
  static final int SHARD_TOKENS = 1 << 20;
  /** Where the LDNOOBW lists are in the bucket, one {@code <language>.json} array each (kiln seed puts them). */
  public static final String BAD_WORD_LISTS = "lists/ldnoobw/";
  static final String REPORT = "report";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How often a curation activity heartbeats while it computes; well inside ActivityPolicies.DATA_WORK's timeout. */
  static final java.time.Duration KEEP_ALIVE = java.time.Duration.ofSeconds(2);

  private final ObjectStore store;

  public CurationActivitiesImpl(ObjectStore store) {
    this.store = store;
  }

  static String curatedPrefix(String runId) {
    return "runs/" + runId + "/curated/";
  }

  /** Where a lineage's record of consumed raw objects lives: one list per completed run. */
  public static String consumedPrefix(String lineage) {
    return "lineages/" + lineage + "/consumed/";
  }

  /** A raw object as recorded in a selection or a lineage's consumed list; equal records are the same content. */
  public record RawObject(String key, long size, String etag) {}

  @Override
  public RawSelection selectRaw(SelectRawRequest request) {
    try (KeepAlive alive = KeepAlive.start(Activity.getExecutionContext(), KEEP_ALIVE)) {
      return select(request);
    }
  }

  private RawSelection select(SelectRawRequest request) {
    List<RawObject> all = new ArrayList<>();
    for (ObjectStore.StoredObject o : listRaw(request.spec().data())) {
      all.add(new RawObject(o.key(), o.size(), o.etag()));
    }
    java.util.Set<RawObject> consumed = new java.util.HashSet<>();
    List<ObjectStore.StoredObject> earlierRuns = store.list(consumedPrefix(request.lineage()));
    for (ObjectStore.StoredObject run : earlierRuns) {
      consumed.addAll(parse(store.get(run.key()), new TypeReference<List<RawObject>>() {}));
    }
    List<RawObject> fresh = all.stream().filter(o -> !consumed.contains(o)).toList();
    int consumedEarlier = all.size() - fresh.size();
    List<RawObject> selected =
        !fresh.isEmpty() ? fresh : RunSpec.DataSpec.ALL.equals(request.spec().data().nothingNewPolicy()) ? all : List.of();
    if (selected.isEmpty()) {
      return new RawSelection(null, 0, 0, 0, consumedEarlier, earlierRuns.size());
    }
    String key = "runs/" + request.runId() + "/raw-selection.json";
    store.put(key, json(selected));
    return new RawSelection(key, selected.size(), selected.stream().mapToLong(RawObject::size).sum(), fresh.size(),
        consumedEarlier, earlierRuns.size());
  }

  @Override
  public void recordConsumed(RecordConsumedRequest request) {
    // the selection as it was planned, copied under the lineage; a retry writes the same bytes again
    store.put(consumedPrefix(request.lineage()) + request.runId() + ".json", store.get(request.rawSelectionKey()));
  }

  /** The objects under the spec's raw prefixes; fails non-retryably on a prefix that holds none. */
  private List<ObjectStore.StoredObject> listRaw(RunSpec.DataSpec data) {
    List<ObjectStore.StoredObject> all = new ArrayList<>();
    for (int i = 0; i < data.rawPrefixes().size(); i++) {
      String prefix = data.rawPrefixes().get(i);
      List<ObjectStore.StoredObject> objects = store.list(prefix);
      if (objects.isEmpty()) {
        throw ApplicationFailure.newNonRetryableFailure(
            "data.rawPrefixes[" + i + "] '" + prefix + "' holds no objects in bucket " + store.bucket()
                + ". Fix: upload the data (kiln seed) or correct the prefix",
            Failures.BAD_DATA);
      }
      all.addAll(objects);
    }
    return all;
  }

  @Override
  public ShardPlan planShards(PlanRequest request) {
    try (KeepAlive alive = KeepAlive.start(Activity.getExecutionContext(), KEEP_ALIVE)) {
      return plan(request);
    }
  }

  private ShardPlan plan(PlanRequest request) {
    RunSpec.DataSpec data = request.spec().data();
    List<String> keys = new ArrayList<>();
    long bytes = 0;
    if (request.rawSelectionKey() != null) {
      for (RawObject o : parse(store.get(request.rawSelectionKey()), new TypeReference<List<RawObject>>() {})) {
        keys.add(o.key());
        bytes += o.size();
      }
    } else {
      for (ObjectStore.StoredObject o : listRaw(data)) {
        keys.add(o.key());
        bytes += o.size();
      }
    }
    // one-document objects are grouped documentsPerShard to a shard and written as keys, as always; container
    // objects (WARC, JSONL, Parquet) become slices of at most recordsPerShard records (docs/curation-formats.md)
    int[] planned = {0};
    List<List<Object>> shards = new ShardPlanner(source(), data).plan(keys,
        () -> Activity.getExecutionContext().heartbeat("planned " + (++planned[0]) + "/" + keys.size()));
    String planKey = curatedPrefix(request.runId()) + "plan.json";
    store.put(planKey, json(shards));
    return new ShardPlan(planKey, shards.size(), keys.size(), bytes);
  }

  @Override
  public ShardResult curateShard(ShardRequest request) {
    try (KeepAlive alive = KeepAlive.start(Activity.getExecutionContext(), KEEP_ALIVE)) {
      return curate(request);
    }
  }

  /** Where shard {@code shard}'s outputs go: {@code runs/<run>/curated/docs/shard-00042} and a suffix per output. */
  static String shardPrefix(String runId, int shard) {
    return String.format("%sdocs/shard-%05d", curatedPrefix(runId), shard);
  }

  /** Shard {@code shard}'s {@link ShardResult}, written last by {@link #curateShard}: the shard is done when it exists. */
  static String shardStatsKey(String runId, int shard) {
    return shardPrefix(runId, shard) + ".stats.json";
  }

  private ShardResult curate(ShardRequest request) {
    String shardPrefix = shardPrefix(request.runId(), request.shard());
    String statsKey = shardStatsKey(request.runId(), request.shard());
    if (store.exists(statsKey)) {
      return parse(store.get(statsKey), new TypeReference<ShardResult>() {});
    }
    List<List<JsonNode>> plan = parse(store.get(request.planKey()), new TypeReference<List<List<JsonNode>>>() {});
    List<JsonNode> entries = plan.get(request.shard());
    int[] read = {0};
    ShardReader.Batch batch = new ShardReader(source(), request.spec().data()).read(entries,
        () -> Activity.getExecutionContext().heartbeat("read " + (read[0] += 50) + " documents"));
    RunSpec.CurationSpec curation = request.spec().curation();
    CurationPipeline pipeline = new CurationPipeline(curation, badWordLists(curation), ReferenceTokenCounter.GPT2,
        new StoreCurationResources(store));
    CurationPipeline.ShardOutcome outcome = pipeline.run(batch.documents(), batch.drops());
    CurationProfile.NearDedup near = curation.rules().nearDedup();
    MinHasher minHasher = new MinHasher(near.bands(), near.rows(), near.shingleWords());
    List<int[]> signatures = outcome.kept().stream().map(doc -> minHasher.signature(doc.text())).toList();

    // every output is a pure function of the inputs, so a retry after a kill overwrites the same keys with
    // the same bytes; the stats go last and mark the shard as done
    ShardResult result = new ShardResult(request.shard(), shardPrefix + ".jsonl.gz", shardPrefix + ".minhash.bin",
        shardPrefix + ".dropped.json", outcome.kept().size(), outcome.steps());
    store.put(result.outputKey(), writeDocuments(outcome.kept()));
    store.put(result.signaturesKey(), MinHasher.write(signatures, minHasher.signatureLength()));
    store.put(result.droppedExamplesKey(), json(outcome.dropped()));
    store.put(statsKey, json(result));
    return result;
  }

  /** The bucket as the readers see it: ranged streams and sizes. */
  private RangedSource source() {
    return new RangedSource() {
      @Override
      public java.io.InputStream open(String key, long start, long end) {
        return store.open(key, start, end);
      }

      @Override
      public long size(String key) {
        return store.size(key);
      }
    };
  }

  /** The LDNOOBW lists of the run's languages, read from the bucket when the profile filters bad words. */
  private Map<String, List<String>> badWordLists(RunSpec.CurationSpec curation) {
    if (curation.rules().steps().stream().noneMatch(step -> step instanceof CurationStepSpec.BadWords)) {
      return Map.of();
    }
    Map<String, List<String>> lists = new TreeMap<>();
    for (String language : curation.languages()) {
      String key = BAD_WORD_LISTS + language + ".json";
      if (!store.exists(key)) {
        throw ApplicationFailure.newNonRetryableFailure(
            "curation profile '" + curation.profile() + "' filters bad words, but " + key + " is not in bucket "
                + store.bucket() + ". Fix: run infra/fetch-data.sh and kiln seed, or remove the badWords step",
            Failures.BAD_DATA);
      }
      lists.put(language, parse(store.get(key), new TypeReference<List<String>>() {}));
    }
    return lists;
  }

  @Override
  public CurationResult finalizeCuration(FinalizeRequest request) {
    try (KeepAlive alive = KeepAlive.start(Activity.getExecutionContext(), KEEP_ALIVE)) {
      return finalizeShards(request);
    }
  }

  @Override
  public CurationResult finalizeCurationFromStats(FinalizeShardsRequest request) {
    try (KeepAlive alive = KeepAlive.start(Activity.getExecutionContext(), KEEP_ALIVE)) {
      return finalizeShards(new FinalizeRequest(request.runId(), request.spec(), request.tokenizerKey(),
          readShardResults(request.runId(), request.shards())));
    }
  }

  /** The results of shards {@code 0 .. shards - 1} from their stats files, in shard order. */
  private List<ShardResult> readShardResults(String runId, int shards) {
    List<ShardResult> results = new ArrayList<>(shards);
    for (int shard = 0; shard < shards; shard++) {
      String key = shardStatsKey(runId, shard);
      if (!store.exists(key)) {
        throw ApplicationFailure.newNonRetryableFailure("shard " + shard + " of " + shards + " of run " + runId
            + " has no stats file " + key + " in bucket " + store.bucket() + ": it was never curated, or was deleted",
            Failures.BAD_DATA);
      }
      results.add(parse(store.get(key), new TypeReference<ShardResult>() {}));
      if (shard % 1000 == 0) {
        Activity.getExecutionContext().heartbeat("read stats of shard " + shard + "/" + shards);
      }
    }
    return results;
  }

  private CurationResult finalizeShards(FinalizeRequest request) {
    RunSpec spec = request.spec();
    CurationProfile profile = spec.curation().rules();
    String prefix = curatedPrefix(request.runId());
    List<StepStats> funnel = mergeShardStats(request.shards());

    long start = System.nanoTime();
    int documents = request.shards().stream().mapToInt(shard -> (int) shard.documentsKept()).sum();
    MinHashDeduplicator minHash = new MinHashDeduplicator(profile.nearDedup().bands(), profile.nearDedup().rows(), documents);
    for (ShardResult shard : request.shards()) {
      MinHasher.read(store.get(shard.signaturesKey())).forEach(minHash::add);
    }
    BitSet nearDuplicates = minHash.duplicates();
    GlobalDeduplication dedup = new GlobalDeduplication(profile, nearDuplicates, System.nanoTime() - start,
        funnel.get(funnel.size() - 1).tokensKept(), ReferenceTokenCounter.GPT2);
    List<Document> kept = new ArrayList<>();
    for (ShardResult shard : request.shards()) {
      for (Document doc : readDocuments(store.get(shard.outputKey()))) {
        if (dedup.keep(doc)) {
          kept.add(doc);
        }
      }
      Activity.getExecutionContext().heartbeat("dedup shard " + shard.shard());
    }
    funnel.addAll(dedup.stats());
    // the report comes before the emptiness check, so a run that kept nothing can be understood from it
    String reportKey = writeReport(request, funnel);
    failIfEmpty(kept, funnel);
    List<Document> train = new ArrayList<>();
    List<Document> heldOut = new ArrayList<>();
    for (Document doc : kept) {
      (TokenShards.isHeldOut(doc.id(), spec.data().heldOutFraction()) ? heldOut : train).add(doc);
    }
    if (heldOut.isEmpty() || train.isEmpty()) {
      // a tiny corpus can hash every document to one side: move the last one over so both splits exist
      (heldOut.isEmpty() ? heldOut : train).add((heldOut.isEmpty() ? train : heldOut).remove(0));
    }

    String tokenizerKey = request.tokenizerKey();
    if (tokenizerKey == null) {
      Activity.getExecutionContext().heartbeat("training tokenizer");
      tokenizerKey = prefix + "tokenizer.json";
      String tokenizerJson = new ByteLevelBpeTrainer(spec.tokenizer().vocabSize()).train(train.stream().map(Document::text).toList());
      store.put(tokenizerKey, tokenizerJson.getBytes(StandardCharsets.UTF_8));
    }
    TokenManifest manifest;
    try (BpeTokenizer tokenizer = StoredTokenizer.load(store, tokenizerKey)) {
      List<TokenManifest.Shard> trainShards = pack(prefix, "train", train, tokenizer);
      List<TokenManifest.Shard> heldOutShards = pack(prefix, "heldout", heldOut, tokenizer);
      manifest = new TokenManifest(TokenShards.dtypeFor(tokenizer.vocabSize()), tokenizer.vocabSize(), tokenizer.eosId(), trainShards, heldOutShards);
    }
    String manifestKey = prefix + "manifest.json";
    store.put(manifestKey, manifest.toJson().getBytes(StandardCharsets.UTF_8));

    // retention compares like with like: reference (GPT-2) tokens before the first step and after the last
    long rawTokens = funnel.get(0).tokensIn();
    long rawDocuments = funnel.get(0).documentsIn();
    long keptTokens = funnel.get(funnel.size() - 1).tokensKept();
    CurationResult result = new CurationResult(
        manifestKey, tokenizerKey, prefix + "stats.json", reportKey, prefix + REPORT + ".png", manifest.vocabSize(), rawDocuments, rawTokens, kept.size(),
        keptTokens, manifest.trainTokens(), manifest.heldOutTokens(), funnel);
    store.put(result.statsKey(), json(result));
    return result;
  }

  private PartitionedGlobalStage globalStage() {
    return new PartitionedGlobalStage(store, message -> Activity.getExecutionContext().heartbeat(message), this);
  }

  @Override
  public long writeDedupKeys(GlobalStageRequest request) {
    try (KeepAlive alive = KeepAlive.start(Activity.getExecutionContext(), KEEP_ALIVE)) {
      return globalStage().writeDedupKeys(request);
    }
  }

  @Override
  public long findNearDuplicatePairs(GlobalStageRequest request) {
    try (KeepAlive alive = KeepAlive.start(Activity.getExecutionContext(), KEEP_ALIVE)) {
      return globalStage().findNearDuplicatePairs(request);
    }
  }

  @Override
  public long findExactDuplicates(GlobalStageRequest request) {
    try (KeepAlive alive = KeepAlive.start(Activity.getExecutionContext(), KEEP_ALIVE)) {
      return globalStage().findExactDuplicates(request);
    }
  }

  @Override
  public long clusterDuplicates(GlobalStageRequest request) {
    try (KeepAlive alive = KeepAlive.start(Activity.getExecutionContext(), KEEP_ALIVE)) {
      return globalStage().clusterDuplicates(request);
    }
  }

  @Override
  public long filterShard(GlobalStageRequest request) {
    try (KeepAlive alive = KeepAlive.start(Activity.getExecutionContext(), KEEP_ALIVE)) {
      return globalStage().filterShard(request);
    }
  }

  @Override
  public GlobalSummary summarizeGlobalStage(GlobalStageRequest request) {
    try (KeepAlive alive = KeepAlive.start(Activity.getExecutionContext(), KEEP_ALIVE)) {
      return globalStage().summarize(request);
    }
  }

  @Override
  public String trainTokenizerOnSample(GlobalStageRequest request) {
    try (KeepAlive alive = KeepAlive.start(Activity.getExecutionContext(), KEEP_ALIVE)) {
      return globalStage().trainTokenizer(request);
    }
  }

  @Override
  public long tokenizeShard(GlobalStageRequest request) {
    try (KeepAlive alive = KeepAlive.start(Activity.getExecutionContext(), KEEP_ALIVE)) {
      return globalStage().tokenizeShard(request);
    }
  }

  @Override
  public CurationResult mergeManifest(GlobalStageRequest request) {
    try (KeepAlive alive = KeepAlive.start(Activity.getExecutionContext(), KEEP_ALIVE)) {
      return globalStage().mergeManifest(request);
    }
  }

  /** Writes report.json, report.txt and report.png next to the curated data; returns the JSON's key. */
  private String writeReport(FinalizeRequest request, List<StepStats> funnel) {
    List<DroppedExample> dropped = new ArrayList<>();
    for (ShardResult shard : request.shards()) {
      dropped.addAll(parse(store.get(shard.droppedExamplesKey()), new TypeReference<List<DroppedExample>>() {}));
    }
    return writeReport(request.runId(), request.spec().curation().profile(), funnel,
        CurationReport.firstExamples(dropped, StepAccounting.EXAMPLES_PER_REASON));
  }

  /** Writes the report of a funnel and the examples of dropped documents it shows; returns the JSON's key. */
  String writeReport(String runId, String profile, List<StepStats> funnel, List<DroppedExample> examples) {
    String prefix = curatedPrefix(runId) + REPORT;
    CurationReport report = CurationReport.of(runId, profile, funnel, examples);
    try {
      store.put(prefix + ".json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(report));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    store.put(prefix + ".txt", report.text().getBytes(StandardCharsets.UTF_8));
    store.put(prefix + ".png", FunnelChart.render("Curation funnel of " + runId, funnel));
    return prefix + ".json";
  }

  private List<TokenManifest.Shard> pack(String prefix, String split, List<Document> docs, BpeTokenizer tokenizer) {
    TokenShards shards = new TokenShards(split, tokenizer.vocabSize(), tokenizer.eosId(), SHARD_TOKENS,
        (name, content) -> store.put(prefix + name, content));
    int n = 0;
    for (Document doc : docs) {
      shards.addDocument(tokenizer.encode(doc.text()));
      if (++n % 100 == 0) {
        Activity.getExecutionContext().heartbeat("tokenizing " + split + " " + n + "/" + docs.size());
      }
    }
    return shards.finish();
  }

  /** Sums each step's stats over the shards, keeping the steps' order. */
  static List<StepStats> mergeShardStats(List<ShardResult> shards) {
    Map<String, StepStats> merged = new LinkedHashMap<>();
    for (ShardResult shard : shards) {
      for (StepStats step : shard.steps()) {
        merged.merge(step.step(), step, StepStats::plus);
      }
    }
    return new ArrayList<>(merged.values());
  }

  /** Nothing left to train on: fail before training, showing the funnel and the step that removed most. */
  static void failIfEmpty(List<Document> kept, List<StepStats> funnel) {
    failIfEmpty(kept.size(), funnel);
  }

  /** As {@link #failIfEmpty(List, List)}, for a count of kept documents. */
  static void failIfEmpty(long kept, List<StepStats> funnel) {
    if (kept > 0) {
      return;
    }
    StepStats worst = funnel.stream().max((a, b) -> Long.compare(a.documentsDropped(), b.documentsDropped())).orElseThrow();
    StringBuilder message = new StringBuilder("curation kept no documents; step '" + worst.step() + "' removed the most ("
        + worst.documentsDropped() + " documents, reasons " + worst.droppedByReason() + "). Funnel:");
    funnel.forEach(s -> message.append(String.format("%n  %-16s %,d -> %,d documents", s.step(), s.documentsIn(), s.documentsKept())));
    message.append("\nFix: loosen that step's thresholds in the curation profile (curation.profile), or add data that passes it");
    throw ApplicationFailure.newNonRetryableFailure(message.toString(), Failures.EMPTY_CURATION);
  }

  static byte[] writeDocuments(List<Document> docs) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      for (Document doc : docs) {
        gz.write(JSON.writeValueAsBytes(doc));
        gz.write('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static List<Document> readDocuments(byte[] gzippedJsonLines) {
    List<Document> docs = new ArrayList<>();
    try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(
        new GZIPInputStream(new java.io.ByteArrayInputStream(gzippedJsonLines)), StandardCharsets.UTF_8))) {
      for (String line; (line = reader.readLine()) != null; ) {
        docs.add(JSON.readValue(line, Document.class));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return docs;
  }

  private static byte[] json(Object value) {
    return dev.kiln.activities.storage.Json.bytes(value);
  }

  private static <T> T parse(byte[] bytes, TypeReference<T> type) {
    return dev.kiln.activities.storage.Json.parse(bytes, type);
  }
}
