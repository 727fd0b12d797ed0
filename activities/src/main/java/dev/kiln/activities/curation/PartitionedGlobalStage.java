package dev.kiln.activities.curation;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.curation.web.UrlNormalizer;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.tokenizer.BpeTokenizer;
import dev.kiln.activities.tokenizer.ByteLevelBpeTrainer;
import dev.kiln.activities.tokenizer.StoredTokenizer;
import dev.kiln.activities.tokenizer.TokenManifest;
import dev.kiln.activities.tokenizer.TokenShards;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.curation.CurationResult;
import dev.kiln.workflows.curation.DedupLayout;
import dev.kiln.workflows.curation.GlobalStageRequest;
import dev.kiln.workflows.curation.GlobalSummary;
import dev.kiln.workflows.curation.ShardResult;
import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.spec.CurationProfile;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.failure.ApplicationFailure;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The global stage of curation cut into tasks whose memory does not grow with the corpus, after DataTrove's MinHash
 * pipeline (signatures, buckets, cluster, filter). Every input and output key follows from the run id, the
 * {@link DedupLayout} and an index, under {@code runs/<run>/curated/global/}; every output is a pure function of its
 * inputs, so a retried task rewrites the same bytes. Semantics equal the single-process stage
 * ({@link GlobalDeduplication}): a document is dropped when it is an exact copy (normalised text) of an earlier one
 * in global order (shard, index), or a member but the first of a MinHash cluster, or (with {@code urlDedup}) has the
 * normalised URL of an earlier document. See docs/curation.md.
 */
public final class PartitionedGlobalStage {

  static final int EXACT = 1;
  static final int NEAR = 2;
  static final int URL = 4;
  /** The tokenizer sample takes documents at twice the rate that would just fill it, so it fills early and reliably. */
  static final double SAMPLE_HEADROOM = 2.0;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BAND_KEY_WIDTH = Integer.BYTES + Long.BYTES;
  private static final int DIGEST_WIDTH = 32;

  /** A shard's dedup stats and what it kept, per split. */
  record FilteredShard(List<StepStats> steps, long documents, long kept, long train, long heldOut, long trainChars) {}

  /** Time a shard spent computing its keys, reported as each dedup step's time. */
  record KeyNanos(long exact, long near, long url) {}

  /** What the clustering removed, and how long it took (added to the near dedup's time). */
  record Removals(long exact, long near, long url, long nanos) {}

  /**
   * When one split would be empty, the first document (in global order) of the other moves over, as the single-process
   * stage does: the shard it is in and the split it leaves, or a null shard when nothing moves.
   */
  record SplitFix(Integer shard, String from) {
    static final String TRAIN = "train";
    static final String HELD_OUT = "heldout";
  }

  /** The token shards one curated shard packed, in order. */
  record ShardTokens(List<TokenManifest.Shard> train, List<TokenManifest.Shard> heldOut) {}

  private final ObjectStore store;
  private final Consumer<String> heartbeat;
  private final CurationActivitiesImpl reports;

  /** @param heartbeat told what the task is doing every so often (an activity's heartbeat) */
  PartitionedGlobalStage(ObjectStore store, Consumer<String> heartbeat, CurationActivitiesImpl reports) {
    this.store = store;
    this.heartbeat = heartbeat;
    this.reports = reports;
  }

  // ---- keys, by convention -------------------------------------------------------------------------------------

  static String global(String runId) {
    return CurationActivitiesImpl.curatedPrefix(runId) + "global/";
  }

  /** The curated shard's objects as curateShard writes them: {@code suffix} is .jsonl.gz, .minhash.bin, .stats.json... */
  static String shardKey(String runId, int shard, String suffix) {
    return String.format("%sdocs/shard-%05d%s", CurationActivitiesImpl.curatedPrefix(runId), shard, suffix);
  }

  static String bandRunKey(String runId, int group, int shard) {
    return String.format("%skeys/minhash/b%03d/s%05d.bin", global(runId), group, shard);
  }

  static String partitionRunKey(String runId, String kind, int partition, int shard) {
    return String.format("%skeys/%s/p%03d/s%05d.bin", global(runId), kind, partition, shard);
  }

  static String keyNanosKey(String runId, int shard) {
    return String.format("%skeys/s%05d.json", global(runId), shard);
  }

  static String pairsKey(String runId, int group) {
    return String.format("%spairs/b%03d.bin", global(runId), group);
  }

  static String duplicatesKey(String runId, String kind, int partition) {
    return String.format("%sdups/%s-p%03d.bin", global(runId), kind, partition);
  }

  static String removeKey(String runId, int shard) {
    return String.format("%sremove/s%05d.bin", global(runId), shard);
  }

  static String removalsKey(String runId) {
    return global(runId) + "remove/summary.json";
  }

  static String filteredKey(String runId, int shard) {
    return String.format("%sfiltered/s%05d.jsonl.gz", global(runId), shard);
  }

  static String filteredStatsKey(String runId, int shard) {
    return String.format("%sfiltered/s%05d.stats.json", global(runId), shard);
  }

  static String tokensKey(String runId, int shard) {
    return String.format("%stokens/s%05d.json", global(runId), shard);
  }

  // ---- 1. keys per shard ---------------------------------------------------------------------------------------

  /** Writes the shard's band keys per band group and its exact and URL keys per partition, each run sorted. */
  long writeDedupKeys(GlobalStageRequest request) {
    String run = request.runId();
    int shard = request.index();
    DedupLayout layout = request.layout();
    CurationProfile profile = request.spec().curation().rules();
    int bands = profile.nearDedup().bands();
    int rows = profile.nearDedup().rows();
    List<int[]> signatures = MinHasher.read(get(shardKey(run, shard, ".minhash.bin"), "curateShard of shard " + shard));
    List<List<SortedKeys.Entry>> byGroup = emptyLists(layout.bandGroups());
    long start = System.nanoTime();
    for (int doc = 0; doc < signatures.size(); doc++) {
      int[] signature = signatures.get(doc);
      if (signature.length != bands * rows) {
        throw ApplicationFailure.newNonRetryableFailure(shardKey(run, shard, ".minhash.bin") + " holds signatures of "
            + signature.length + " values but the profile asks for " + bands + " x " + rows
            + ". Fix: curate the run again with one profile (a new run id)", Failures.BAD_DATA);
      }
      for (int band = 0; band < bands; band++) {
        byte[] key = ByteBuffer.allocate(BAND_KEY_WIDTH).putInt(band)
            .putLong(MinHashDeduplicator.bandKey(signature, band, rows)).array();
        byGroup.get(band % layout.bandGroups()).add(new SortedKeys.Entry(key, SortedKeys.ref(shard, doc)));
      }
    }
    long nearNanos = System.nanoTime() - start;
    for (int group = 0; group < layout.bandGroups(); group++) {
      putRun(bandRunKey(run, group, shard), BAND_KEY_WIDTH, byGroup.get(group));
    }
    byGroup = null;

    List<List<SortedKeys.Entry>> exact = emptyLists(layout.partitions());
    List<List<SortedKeys.Entry>> urls = emptyLists(layout.partitions());
    long exactNanos = 0;
    long urlNanos = 0;
    int documents = 0;
    try (DocumentReader docs = openDocuments(shardKey(run, shard, ".jsonl.gz"), "curateShard of shard " + shard)) {
      for (Document doc : docs) {
        long t0 = System.nanoTime();
        if (profile.exactDedup()) {
          byte[] fingerprint = ExactDeduplicator.fingerprint(doc.text());
          exact.get(partition(fingerprint, layout)).add(new SortedKeys.Entry(fingerprint, SortedKeys.ref(shard, documents)));
        }
        long t1 = System.nanoTime();
        String url = profile.urlDedup() ? UrlNormalizer.normalize(doc.url()) : null;
        if (url != null) {
          byte[] digest = sha256(url.getBytes(StandardCharsets.UTF_8));
          urls.get(partition(digest, layout)).add(new SortedKeys.Entry(digest, SortedKeys.ref(shard, documents)));
        }
        exactNanos += t1 - t0;
        urlNanos += System.nanoTime() - t1;
        documents++;
      }
    }
    if (documents != signatures.size()) {
      throw ApplicationFailure.newNonRetryableFailure(shardKey(run, shard, ".jsonl.gz") + " holds " + documents
          + " documents but " + shardKey(run, shard, ".minhash.bin") + " " + signatures.size()
          + " signatures: the shard was written by two different curations. Fix: curate the run again (a new run id)",
          Failures.BAD_DATA);
    }
    for (int p = 0; p < layout.partitions(); p++) {
      if (profile.exactDedup()) {
        putRun(partitionRunKey(run, "exact", p, shard), DIGEST_WIDTH, exact.get(p));
      }
      if (profile.urlDedup()) {
        putRun(partitionRunKey(run, "url", p, shard), DIGEST_WIDTH, urls.get(p));
      }
    }
    store.put(keyNanosKey(run, shard), json(new KeyNanos(exactNanos, nearNanos, urlNanos)));
    return documents;
  }

  private static int partition(byte[] digest, DedupLayout layout) {
    return Integer.remainderUnsigned(ByteBuffer.wrap(digest).getInt(), layout.partitions());
  }

  private void putRun(String key, int width, List<SortedKeys.Entry> entries) {
    putStreamed(key, out -> SortedKeys.write(out, width, entries));
  }

  // ---- 2. buckets per band group -------------------------------------------------------------------------------

  /**
   * Merges every shard's run of one band group and writes, for each band key shared by several documents, the pair
   * (first document, other document) per other document: the edges that connect each bucket.
   */
  long findNearDuplicatePairs(GlobalStageRequest request) {
    String run = request.runId();
    int group = request.index();
    long[] pairs = {0};
    withLocalRuns(run, request.layout().shards(), s -> bandRunKey(run, group, s), "writeDedupKeys", (runs, scratch) ->
        putStreamed(pairsKey(run, group), raw -> {
          DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw));
          long[] first = new long[1];
          SortedKeys.merge(runs, scratch, (key, ref, firstOfKey) -> {
            if (firstOfKey) {
              first[0] = ref;
            } else {
              out.writeLong(first[0]);
              out.writeLong(ref);
              if (++pairs[0] % 100_000 == 0) {
                heartbeat.accept("band group " + group + ": " + pairs[0] + " pairs");
              }
            }
          });
          out.flush();
        }));
    return pairs[0];
  }

  // ---- 3. exact and URL partitions -----------------------------------------------------------------------------

  /** Merges every shard's exact (and URL) run of one partition and writes every copy of a key but its first. */
  long findExactDuplicates(GlobalStageRequest request) {
    CurationProfile profile = request.spec().curation().rules();
    long duplicates = 0;
    if (profile.exactDedup()) {
      duplicates += laterCopies(request, "exact");
    }
    if (profile.urlDedup()) {
      duplicates += laterCopies(request, "url");
    }
    return duplicates;
  }

  private long laterCopies(GlobalStageRequest request, String kind) {
    String run = request.runId();
    int partition = request.index();
    long[] copies = {0};
    withLocalRuns(run, request.layout().shards(), s -> partitionRunKey(run, kind, partition, s), "writeDedupKeys",
        (runs, scratch) -> putStreamed(duplicatesKey(run, kind, partition), raw -> {
          DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw));
          SortedKeys.merge(runs, scratch, (key, ref, firstOfKey) -> {
            if (!firstOfKey) {
              out.writeLong(ref);
              copies[0]++;
            }
          });
          out.flush();
        }));
    return copies[0];
  }

  // ---- 4. clusters ---------------------------------------------------------------------------------------------

  /**
   * Union-find over the pairs of every band group, the smaller (shard, index) becoming the root, so each cluster's
   * first document in global order survives; memory grows with the documents that have a duplicate, not the corpus.
   * Writes, for each shard with any, its documents to remove and why (exact, near, URL flags).
   */
  long clusterDuplicates(GlobalStageRequest request) {
    String run = request.runId();
    DedupLayout layout = request.layout();
    CurationProfile profile = request.spec().curation().rules();
    long start = System.nanoTime();
    Map<Long, Long> parent = new HashMap<>();
    for (int group = 0; group < layout.bandGroups(); group++) {
      try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(
          open(pairsKey(run, group), "findNearDuplicatePairs of band group " + group)))) {
        while (true) {
          long a;
          try {
            a = in.readLong();
          } catch (EOFException end) {
            break;
          }
          union(parent, a, in.readLong());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      heartbeat.accept("clustered band group " + group + "/" + layout.bandGroups());
    }
    TreeMap<Long, Integer> flags = new TreeMap<>();
    long near = 0;
    for (Long doc : parent.keySet()) {
      if (root(parent, doc) != doc) {
        flags.merge(doc, NEAR, (x, y) -> x | y);
        near++;
      }
    }
    parent = null;
    long exact = profile.exactDedup() ? readDuplicates(run, "exact", layout, EXACT, flags) : 0;
    long url = profile.urlDedup() ? readDuplicates(run, "url", layout, URL, flags) : 0;

    // per shard, in shard order: the documents to remove, by index, with their flags
    Iterator<Map.Entry<Long, Integer>> entries = flags.entrySet().iterator();
    Map.Entry<Long, Integer> next = entries.hasNext() ? entries.next() : null;
    while (next != null) {
      int shard = SortedKeys.shardOf(next.getKey());
      List<long[]> docs = new ArrayList<>();
      while (next != null && SortedKeys.shardOf(next.getKey()) == shard) {
        docs.add(new long[] {SortedKeys.indexOf(next.getKey()), next.getValue()});
        next = entries.hasNext() ? entries.next() : null;
      }
      putStreamed(removeKey(run, shard), raw -> {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw));
        out.writeInt(docs.size());
        for (long[] d : docs) {
          out.writeInt((int) d[0]);
          out.writeByte((int) d[1]);
        }
        out.flush();
      });
    }
    // written last: its presence says every shard's list is written (a shard without one removes nothing)
    store.put(removalsKey(run), json(new Removals(exact, near, url, System.nanoTime() - start)));
    return flags.size();
  }

  private long readDuplicates(String run, String kind, DedupLayout layout, int flag, Map<Long, Integer> flags) {
    long count = 0;
    for (int p = 0; p < layout.partitions(); p++) {
      try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(
          open(duplicatesKey(run, kind, p), "findExactDuplicates of partition " + p)))) {
        while (true) {
          long doc;
          try {
            doc = in.readLong();
          } catch (EOFException end) {
            break;
          }
          flags.merge(doc, flag, (x, y) -> x | y);
          count++;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return count;
  }

  private static void union(Map<Long, Long> parent, long a, long b) {
    long rootA = root(parent, a);
    long rootB = root(parent, b);
    if (rootA < rootB) {
      parent.put(rootB, rootA);
    } else if (rootB < rootA) {
      parent.put(rootA, rootB);
    }
  }

  private static long root(Map<Long, Long> parent, long node) {
    long root = node;
    for (Long up; (up = parent.get(root)) != null && up != root; ) {
      root = up;
    }
    parent.putIfAbsent(node, node);
    // path compression: every node on the way points at the root
    for (long at = node; at != root; ) {
      long up = parent.get(at);
      parent.put(at, root);
      at = up;
    }
    return root;
  }

  // ---- 5. filter per shard -------------------------------------------------------------------------------------

  /** Writes the shard's kept documents (in order) and its dedup stats; accounts as {@link GlobalDeduplication}. */
  long filterShard(GlobalStageRequest request) {
    String run = request.runId();
    int shard = request.index();
    RunSpec spec = request.spec();
    CurationProfile profile = spec.curation().rules();
    if (!store.exists(removalsKey(run))) {
      throw ApplicationFailure.newNonRetryableFailure("no " + removalsKey(run) + ": clusterDuplicates has not finished for run "
          + run + ". Fix: run the global stage's steps in order (the workflow does)", Failures.BAD_DATA);
    }
    Map<Integer, Integer> removals = readRemovals(run, shard);
    ShardResult curated = parse(get(shardKey(run, shard, ".stats.json"), "curateShard of shard " + shard), new TypeReference<>() {});
    KeyNanos nanos = parse(get(keyNanosKey(run, shard), "writeDedupKeys of shard " + shard), new TypeReference<>() {});
    long shardTokens = curated.steps().isEmpty() ? 0 : curated.steps().get(curated.steps().size() - 1).tokensKept();
    var counter = ReferenceTokenCounter.GPT2;

    long[] exact = new long[4]; // documents in, kept, tokens in, kept
    long[] near = new long[4];
    long[] url = new long[4];
    long[] split = new long[3]; // train, held out, train characters
    int[] index = {0};
    putStreamed(filteredKey(run, shard), raw -> {
      GZIPOutputStream gz = new GZIPOutputStream(raw);
      try (DocumentReader docs = openDocuments(shardKey(run, shard, ".jsonl.gz"), "curateShard of shard " + shard)) {
        for (Document doc : docs) {
          int flags = removals.getOrDefault(index[0]++, 0);
          int tokens = profile.exactDedup() ? counter.applyAsInt(doc.text()) : -1;
          if (profile.exactDedup()) {
            count(exact, tokens, (flags & EXACT) == 0);
            if ((flags & EXACT) != 0) {
              continue;
            }
          }
          near[0]++;
          if ((flags & NEAR) != 0) {
            near[2] += tokens >= 0 ? tokens : counter.applyAsInt(doc.text());
            continue;
          }
          near[1]++;
          if (profile.urlDedup()) {
            url[0]++;
            if ((flags & URL) != 0) {
              url[2] += tokens >= 0 ? tokens : counter.applyAsInt(doc.text());
              continue;
            }
            url[1]++;
          }
          gz.write(JSON.writeValueAsBytes(doc));
          gz.write('\n');
          if (TokenShards.isHeldOut(doc.id(), spec.data().heldOutFraction())) {
            split[1]++;
          } else {
            split[0]++;
            split[2] += doc.text().length();
          }
          if (index[0] % 1000 == 0) {
            heartbeat.accept("filtered " + index[0] + " documents of shard " + shard);
          }
        }
      }
      gz.finish();
    });
    List<StepStats> steps = new ArrayList<>();
    long nearTokensIn = shardTokens;
    if (profile.exactDedup()) {
      steps.add(stats(ExactDeduplicator.NAME, ExactDeduplicator.DUPLICATE, exact[0], exact[1], exact[2], exact[3], nanos.exact()));
      nearTokensIn = exact[3];
    }
    // near[2] holds the dropped tokens, as GlobalDeduplication counts them
    steps.add(stats(MinHashDeduplicator.NAME, MinHashDeduplicator.NEAR_DUPLICATE, near[0], near[1], nearTokensIn,
        nearTokensIn - near[2], nanos.near()));
    if (profile.urlDedup()) {
      long urlTokensIn = nearTokensIn - near[2];
      steps.add(stats(UrlDedup.NAME, UrlDedup.DUPLICATE, url[0], url[1], urlTokensIn, urlTokensIn - url[2], nanos.url()));
    }
    long kept = split[0] + split[1];
    store.put(filteredStatsKey(run, shard), json(new FilteredShard(steps, index[0], kept, split[0], split[1], split[2])));
    return kept;
  }

  private static void count(long[] acc, int tokens, boolean kept) {
    acc[0]++;
    acc[2] += tokens;
    if (kept) {
      acc[1]++;
      acc[3] += tokens;
    }
  }

  private static StepStats stats(String name, String reason, long in, long kept, long tokensIn, long tokensKept, long nanos) {
    Map<String, Long> reasons = in == kept ? Map.of() : Map.of(reason, in - kept);
    return new StepStats(name, in, kept, tokensIn, tokensKept, reasons, nanos);
  }

  private Map<Integer, Integer> readRemovals(String run, int shard) {
    String key = removeKey(run, shard);
    Map<Integer, Integer> removals = new HashMap<>();
    if (!store.exists(key)) {
      return removals;
    }
    try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(store.open(key)))) {
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        removals.put(in.readInt(), (int) in.readByte());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return removals;
  }

  /** The URL dedup step's name and drop reason in the funnel. */
  public static final class UrlDedup {
    public static final String NAME = "url-dedup";
    public static final String DUPLICATE = "duplicate-url";

    private UrlDedup() {}
  }

  // ---- 6. summary ----------------------------------------------------------------------------------------------

  /**
   * Streams every shard's stats (per-shard steps, dedup steps, dropped examples) into the funnel and the report, fails
   * when nothing was kept, and decides the held-out fix; writes funnel.json, summary.json and split.json.
   */
  GlobalSummary summarize(GlobalStageRequest request) {
    String run = request.runId();
    int shards = request.layout().shards();
    Map<String, StepStats> perShard = new LinkedHashMap<>();
    Map<String, StepStats> dedup = new LinkedHashMap<>();
    Map<String, Integer> taken = new LinkedHashMap<>();
    List<DroppedExample> examples = new ArrayList<>();
    long documents = 0;
    long kept = 0;
    long train = 0;
    long heldOut = 0;
    long trainChars = 0;
    int firstWithTrain = -1;
    int firstWithHeldOut = -1;
    for (int shard = 0; shard < shards; shard++) {
      ShardResult curated = parse(get(shardKey(run, shard, ".stats.json"), "curateShard of shard " + shard), new TypeReference<>() {});
      curated.steps().forEach(step -> perShard.merge(step.step(), step, StepStats::plus));
      for (DroppedExample example : parse(get(curated.droppedExamplesKey(), "curateShard of shard " + shard),
          new TypeReference<List<DroppedExample>>() {})) {
        if (taken.merge(example.step() + "\u0000" + example.reason(), 1, Integer::sum) <= StepAccounting.EXAMPLES_PER_REASON) {
          examples.add(example);
        }
      }
      FilteredShard filtered = parse(get(filteredStatsKey(run, shard), "filterShard of shard " + shard), new TypeReference<>() {});
      filtered.steps().forEach(step -> dedup.merge(step.step(), step, StepStats::plus));
      documents += filtered.documents();
      kept += filtered.kept();
      train += filtered.train();
      heldOut += filtered.heldOut();
      trainChars += filtered.trainChars();
      if (firstWithTrain < 0 && filtered.train() > 0) {
        firstWithTrain = shard;
      }
      if (firstWithHeldOut < 0 && filtered.heldOut() > 0) {
        firstWithHeldOut = shard;
      }
      if (shard % 100 == 0) {
        heartbeat.accept("summarized " + shard + "/" + shards + " shards");
      }
    }
    Removals removals = parse(get(removalsKey(run), "clusterDuplicates"), new TypeReference<>() {});
    StepStats near = dedup.get(MinHashDeduplicator.NAME);
    if (near != null) {
      // the clustering's time is the near dedup's too, as in the single-process stage
      dedup.put(near.step(), new StepStats(near.step(), near.documentsIn(), near.documentsKept(), near.tokensIn(),
          near.tokensKept(), near.droppedByReason(), near.nanos() + removals.nanos()));
    }
    List<StepStats> funnel = new ArrayList<>(perShard.values());
    funnel.addAll(dedup.values());
    if (funnel.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure("run " + run + " has no curation steps in its " + shards
          + " shards' stats. Fix: curate the shards first (the workflow does)", Failures.BAD_DATA);
    }
    store.put(global(run) + "funnel.json", json(funnel));
    // the report comes before the emptiness check, so a run that kept nothing can be understood from it
    reports.writeReport(run, request.spec().curation().profile(), funnel, examples);
    CurationActivitiesImpl.failIfEmpty(kept, funnel);

    if (kept == 1) {
      // one document cannot be both the training text and the held-out text: fail here, before training on nothing
      throw ApplicationFailure.newNonRetryableFailure("curation of run " + run + " kept 1 document, but training and"
          + " evaluation each need one of their own. Fix: add raw data, or loosen the curation profile's thresholds"
          + " (report: " + CurationActivitiesImpl.curatedPrefix(run) + CurationActivitiesImpl.REPORT + ".txt)",
          Failures.EMPTY_CURATION);
    }
    SplitFix fix = new SplitFix(null, null);
    if (heldOut == 0) {
      fix = new SplitFix(firstWithTrain, SplitFix.TRAIN);
      train--;
      heldOut++;
    } else if (train == 0) {
      fix = new SplitFix(firstWithHeldOut, SplitFix.HELD_OUT);
      train++;
      heldOut--;
    }
    store.put(global(run) + "split.json", json(fix));
    GlobalSummary summary = new GlobalSummary(funnel.get(0).documentsIn(), kept, train, heldOut, trainChars);
    store.put(global(run) + "summary.json", json(summary));
    return summary;
  }

  // ---- 7. tokenizer on a sample --------------------------------------------------------------------------------

  /**
   * Trains the byte-level BPE on at most {@code tokenizer.trainingSampleChars} characters of training text: the
   * training documents, in global order, whose sample hash falls under {@link TokenizerSample#rate}, read streaming
   * and cut at the budget. A corpus of up to twice the budget is read whole, as the single-process stage does.
   */
  String trainTokenizer(GlobalStageRequest request) {
    String run = request.runId();
    RunSpec spec = request.spec();
    GlobalSummary summary = parse(get(global(run) + "summary.json", "summarizeGlobalStage"), new TypeReference<>() {});
    long budget = spec.tokenizer().sampleChars();
    double rate = TokenizerSample.rate(budget, summary.trainCharacters());
    heartbeat.accept("training tokenizer on up to " + budget + " characters, sampling at " + rate);
    String tokenizerJson;
    try (TrainingDocuments documents = new TrainingDocuments(request)) {
      Iterable<String> sample = () -> TokenizerSample.texts(documents, rate, budget);
      tokenizerJson = new ByteLevelBpeTrainer(spec.tokenizer().vocabSize(), budget).train(sample);
    }
    String key = CurationActivitiesImpl.curatedPrefix(run) + "tokenizer.json";
    store.put(key, tokenizerJson.getBytes(StandardCharsets.UTF_8));
    return key;
  }

  /**
   * The training documents of every shard in global order, streamed one shard at a time; closing it closes the shard
   * being read (the sample may stop in the middle of one).
   */
  private final class TrainingDocuments implements Iterator<Document>, AutoCloseable {
    private final String run;
    private final SplitFix fix;
    private final double fraction;
    private final int shards;
    private int shard = -1;
    private DocumentReader reader;
    private Iterator<Document> docs = java.util.Collections.emptyIterator();
    private Document next;
    private boolean moved;

    TrainingDocuments(GlobalStageRequest request) {
      this.run = request.runId();
      this.fix = parse(get(global(run) + "split.json", "summarizeGlobalStage"), new TypeReference<>() {});
      this.fraction = request.spec().data().heldOutFraction();
      this.shards = request.layout().shards();
    }

    @Override
    public void close() {
      if (reader != null) {
        reader.close();
        reader = null;
      }
    }

    @Override
    public boolean hasNext() {
      while (next == null) {
        if (docs.hasNext()) {
          Document doc = docs.next();
          boolean heldOut = TokenShards.isHeldOut(doc.id(), fraction);
          if (fix.shard() != null && fix.shard() == shard && !moved
              && (heldOut ? SplitFix.HELD_OUT : SplitFix.TRAIN).equals(fix.from())) {
            moved = true;
            heldOut = !heldOut;
          }
          if (!heldOut) {
            next = doc;
          }
          continue;
        }
        if (reader != null) {
          reader.close();
          reader = null;
        }
        if (++shard >= shards) {
          return false;
        }
        heartbeat.accept("tokenizer sample: shard " + shard + "/" + shards);
        reader = openDocuments(filteredKey(run, shard), "filterShard of shard " + shard);
        docs = reader.iterator();
      }
      return true;
    }

    @Override
    public Document next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Document doc = next;
      next = null;
      return doc;
    }
  }

  // ---- 8. tokenize per shard -----------------------------------------------------------------------------------

  /**
   * Tokenizes the shard's kept documents and packs each split into its own token shards ({@code train-sNNNNN-MMMMM.bin},
   * up to {@link CurationActivitiesImpl#SHARD_TOKENS} tokens each); concatenated in shard order they are the token
   * stream the single-process stage packs.
   */
  long tokenizeShard(GlobalStageRequest request) {
    String run = request.runId();
    int shard = request.index();
    String prefix = CurationActivitiesImpl.curatedPrefix(run);
    SplitFix fix = parse(get(global(run) + "split.json", "summarizeGlobalStage"), new TypeReference<>() {});
    double fraction = request.spec().data().heldOutFraction();
    ShardTokens tokens;
    try (BpeTokenizer tokenizer = StoredTokenizer.load(store, request.tokenizerKey())) {
      TokenShards.ShardSink sink = (name, content) -> store.put(prefix + name, content);
      TokenShards train = new TokenShards(String.format("train-s%05d", shard), tokenizer.vocabSize(), tokenizer.eosId(),
          CurationActivitiesImpl.SHARD_TOKENS, sink);
      TokenShards heldOut = new TokenShards(String.format("heldout-s%05d", shard), tokenizer.vocabSize(), tokenizer.eosId(),
          CurationActivitiesImpl.SHARD_TOKENS, sink);
      boolean moved = false;
      int n = 0;
      try (DocumentReader docs = openDocuments(filteredKey(run, shard), "filterShard of shard " + shard)) {
        for (Document doc : docs) {
          boolean isHeldOut = TokenShards.isHeldOut(doc.id(), fraction);
          if (fix.shard() != null && fix.shard() == shard && !moved
              && (isHeldOut ? SplitFix.HELD_OUT : SplitFix.TRAIN).equals(fix.from())) {
            moved = true;
            isHeldOut = !isHeldOut;
          }
          (isHeldOut ? heldOut : train).addDocument(tokenizer.encode(doc.text()));
          if (++n % 100 == 0) {
            heartbeat.accept("tokenizing shard " + shard + ": " + n + " documents");
          }
        }
      }
      tokens = new ShardTokens(train.finish(), heldOut.finish());
    }
    store.put(tokensKey(run, shard), json(tokens));
    return tokens.train().stream().mapToLong(TokenManifest.Shard::tokens).sum();
  }

  // ---- 9. manifest ---------------------------------------------------------------------------------------------

  /** Streams every shard's token list into manifest.json, writes stats.json and returns the stage's result. */
  CurationResult mergeManifest(GlobalStageRequest request) {
    String run = request.runId();
    String prefix = CurationActivitiesImpl.curatedPrefix(run);
    List<TokenManifest.Shard> train = new ArrayList<>();
    List<TokenManifest.Shard> heldOut = new ArrayList<>();
    for (int shard = 0; shard < request.layout().shards(); shard++) {
      ShardTokens tokens = parse(get(tokensKey(run, shard), "tokenizeShard of shard " + shard), new TypeReference<>() {});
      train.addAll(tokens.train());
      heldOut.addAll(tokens.heldOut());
    }
    int vocabSize;
    int eosId;
    try (BpeTokenizer tokenizer = StoredTokenizer.load(store, request.tokenizerKey())) {
      vocabSize = tokenizer.vocabSize();
      eosId = tokenizer.eosId();
    }
    TokenManifest manifest = new TokenManifest(TokenShards.dtypeFor(vocabSize), vocabSize, eosId, train, heldOut);
    String manifestKey = prefix + "manifest.json";
    store.put(manifestKey, manifest.toJson().getBytes(StandardCharsets.UTF_8));
    List<StepStats> funnel = parse(get(global(run) + "funnel.json", "summarizeGlobalStage"), new TypeReference<>() {});
    GlobalSummary summary = parse(get(global(run) + "summary.json", "summarizeGlobalStage"), new TypeReference<>() {});
    StepStats last = funnel.get(funnel.size() - 1);
    CurationResult result = new CurationResult(manifestKey, request.tokenizerKey(), prefix + "stats.json",
        prefix + CurationActivitiesImpl.REPORT + ".json", prefix + CurationActivitiesImpl.REPORT + ".png",
        manifest.vocabSize(), funnel.get(0).documentsIn(), funnel.get(0).tokensIn(), summary.keptDocuments(),
        last.tokensKept(), manifest.trainTokens(), manifest.heldOutTokens(), funnel);
    store.put(result.statsKey(), json(result));
    return result;
  }

  // ---- streaming I/O -------------------------------------------------------------------------------------------

  /** A writer of an object's content; the content goes to a local file first, then up, so nothing is held. */
  @FunctionalInterface
  interface Content {
    void write(OutputStream out) throws IOException;
  }

  private void putStreamed(String key, Content content) {
    Path file = null;
    try {
      file = Files.createTempFile("kiln-global-", ".part");
      try (OutputStream out = Files.newOutputStream(file)) {
        content.write(out);
      }
      store.put(key, file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + key, e);
    } finally {
      deleteQuietly(file);
    }
  }

  /** Downloads each shard's run (to local disk, one at a time) and hands the files and a scratch directory to work. */
  private void withLocalRuns(String run, int shards, java.util.function.IntFunction<String> keyOf, String producer,
      java.util.function.BiConsumer<List<Path>, Path> work) {
    Path dir = null;
    try {
      dir = Files.createTempDirectory("kiln-runs-");
      List<Path> runs = new ArrayList<>(shards);
      for (int shard = 0; shard < shards; shard++) {
        Path file = dir.resolve(shard + ".bin");
        try (InputStream in = open(keyOf.apply(shard), producer + " of shard " + shard)) {
          Files.copy(in, file);
        }
        runs.add(file);
        if (shard % 100 == 0) {
          heartbeat.accept("downloaded " + shard + "/" + shards + " sorted runs");
        }
      }
      work.accept(runs, dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (dir != null) {
        try (Stream<Path> files = Files.list(dir)) {
          files.forEach(PartitionedGlobalStage::deleteQuietly);
        } catch (IOException ignored) {
          // a temporary directory: the OS cleans it
        }
        deleteQuietly(dir);
      }
    }
  }

  private static void deleteQuietly(Path path) {
    if (path != null) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException ignored) {
        // a temporary file: the OS cleans it
      }
    }
  }

  private InputStream open(String key, String producer) {
    if (!store.exists(key)) {
      throw missing(key, producer);
    }
    return store.open(key);
  }

  private byte[] get(String key, String producer) {
    if (!store.exists(key)) {
      throw missing(key, producer);
    }
    return store.get(key);
  }

  private ApplicationFailure missing(String key, String producer) {
    return ApplicationFailure.newNonRetryableFailure(key + " is not in bucket " + store.bucket() + "; " + producer
        + " writes it. Fix: run the global stage's steps in order (the workflow does), or curate the run again",
        Failures.BAD_DATA);
  }

  /** The documents of a gzipped JSON-lines object, read one at a time. */
  DocumentReader openDocuments(String key, String producer) {
    return new DocumentReader(open(key, producer));
  }

  static final class DocumentReader implements Iterable<Document>, AutoCloseable {
    private final BufferedReader reader;

    DocumentReader(InputStream in) {
      try {
        this.reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(in), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public Iterator<Document> iterator() {
      return new Iterator<>() {
        String line = read();

        private String read() {
          try {
            return reader.readLine();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }

        @Override
        public boolean hasNext() {
          return line != null;
        }

        @Override
        public Document next() {
          if (line == null) {
            throw new NoSuchElementException();
          }
          try {
            return JSON.readValue(line, Document.class);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          } finally {
            line = read();
          }
        }
      };
    }

    @Override
    public void close() {
      try {
        reader.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static <T> List<List<T>> emptyLists(int n) {
    List<List<T>> lists = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      lists.add(new ArrayList<>());
    }
    return lists;
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }

  private static byte[] json(Object value) {
    return dev.kiln.activities.storage.Json.bytes(value);
  }

  private static <T> T parse(byte[] bytes, TypeReference<T> type) {
    return dev.kiln.activities.storage.Json.parse(bytes, type);
  }
}
