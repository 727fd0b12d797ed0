package dev.kiln.activities.hf;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads what Kiln needs of a Hugging Face model (config.json, the safetensors weights, whole or as the shards
 * of {@code model.safetensors.index.json}, and, where the repository has them, generation_config.json, the
 * tokenizer files and README.md) into the Hugging Face cache, the way huggingface_hub's {@code snapshot_download}
 * does, so that Python tools and Kiln share the cache.
 *
 * <p>The revision is resolved once to a commit through the model info API, and every file is fetched at that
 * commit, so a branch that moves during a download cannot mix two versions. A model whose snapshot is complete in
 * the cache is returned without any request: a commit never changes, and a branch resolved before stays at the
 * commit it was resolved to (what a training run wants; {@link #download(HfModelId, boolean)} with
 * {@code revalidate} asks the Hub again). With {@code HF_HUB_OFFLINE} the cache is all there is.
 */
public final class HfHubClient {
  private static final Logger LOG = LoggerFactory.getLogger(HfHubClient.class);

  private final HfHubSettings settings;
  private final HfHubHttp http;

  public HfHubClient(HfHubSettings settings, HfHubRetry retry) {
    this.settings = settings;
    this.http = new HfHubHttp(settings, retry);
  }

  /** A client of this process's environment (HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE). */
  public static HfHubClient fromEnvironment() {
    return new HfHubClient(HfHubSettings.fromEnvironment(), HfHubRetry.DEFAULT);
  }

  public HfHubSettings settings() {
    return settings;
  }

  /** The model at its revision, from the cache if complete there, else downloaded. */
  public HfHubSnapshot download(HfModelId id) {
    return download(id, false);
  }

  /**
   * The model at its revision.
   *
   * @param revalidate for a branch or tag, ask the Hub which commit it points to now even if the cache holds an
   *     earlier one; files already cached are still not downloaded again
   * @throws HfHubException for what the user must fix: unknown id or revision, missing token or accepted terms,
   *     a file missing on the Hub, offline without the model cached
   * @throws HfHubTransferException when the Hub stayed unreachable or the bytes did not match
   */
  public HfHubSnapshot download(HfModelId id, boolean revalidate) {
    HfHubCache cache = new HfHubCache(settings.cacheDir(), id);
    Optional<String> known = id.isCommit() ? Optional.of(id.revision()) : cache.ref(id.revision());
    if (known.isPresent() && (!revalidate || id.isCommit() || settings.offline())) {
      CachedModel cached = CachedModel.read(cache, id, known.get());
      // offline, an optional file of unknown state (a cache another tool filled) is taken as absent
      if (cached.complete() || (settings.offline() && cached.missing().isEmpty())) {
        return snapshot(cache, id, known.get(), cached.files());
      }
      if (settings.offline()) {
        throw notCached(id, cache, "the snapshot of commit " + known.get() + " lacks " + cached.missing());
      }
    } else if (settings.offline()) {
      throw notCached(id, cache, id.isCommit() ? "no snapshot of this commit is cached"
          : "the cache has no ref '" + id.revision() + "' (it was never downloaded at this revision)");
    }
    HfHubRepoInfo info;
    try {
      info = HfHubRepoInfo.parse(id, http.modelInfo(id));
    } catch (HfHubTransferException e) {
      Optional<HfHubSnapshot> fallback = known.map(sha -> CachedModel.read(cache, id, sha))
          .filter(CachedModel::complete).map(c -> snapshot(cache, id, known.get(), c.files()));
      if (fallback.isPresent()) {
        LOG.warn("{}: the Hub cannot be asked for the current commit ({}); using the cached commit {}", id,
            e.getMessage(), known.get());
        return fallback.get();
      }
      throw e;
    }
    if (id.isCommit() && !info.sha().equals(id.revision())) {
      throw new HfHubTransferException("the Hub resolved commit " + id.revision() + " of " + id.repoId() + " to "
          + info.sha() + ". Fix: check that HF_ENDPOINT is the Hub or a faithful mirror");
    }
    cache.tagCacheDir();
    cache.writeRef(id.revision(), info.sha());
    return fetchAll(cache, id, info);
  }

  private HfHubSnapshot fetchAll(HfHubCache cache, HfModelId id, HfHubRepoInfo info) {
    String sha = info.sha();
    HfHubDownload download = new HfHubDownload(http, cache);
    List<String> files = new ArrayList<>();
    fetch(download, cache, id, info, HfHubFiles.CONFIG, "the model's configuration", files);
    if (info.has(HfHubFiles.WEIGHTS)) {
      fetch(download, cache, id, info, HfHubFiles.WEIGHTS, "the weights", files);
    } else if (info.has(HfHubFiles.WEIGHTS_INDEX)) {
      cache.markAbsent(sha, HfHubFiles.WEIGHTS);
      fetch(download, cache, id, info, HfHubFiles.WEIGHTS_INDEX, "the shard index", files);
      for (String shard : HfHubFiles.shards(id, sha, cache.pointer(sha, HfHubFiles.WEIGHTS_INDEX))) {
        if (!info.has(shard)) {
          throw new HfHubException("Hugging Face model '" + id.repoId() + "' at commit " + sha + ": "
              + HfHubFiles.WEIGHTS_INDEX + " names the shard '" + shard + "', which is not in the repository."
              + " Fix: use a revision whose index and shards agree (or tell the model's authors)");
        }
        fetch(download, cache, id, info, shard, "a shard named by " + HfHubFiles.WEIGHTS_INDEX, files);
      }
    } else {
      throw new HfHubException("Hugging Face model '" + id.repoId() + "' at revision " + id.revision()
          + " has no safetensors weights (neither " + HfHubFiles.WEIGHTS + " nor " + HfHubFiles.WEIGHTS_INDEX
          + "); Kiln reads only safetensors. Fix: pick a revision or a model that has them (many repositories"
          + " have a refs/pr/N revision converted to safetensors)");
    }
    for (String optional : HfHubFiles.OPTIONAL) {
      if (info.has(optional)) {
        fetch(download, cache, id, info, optional, null, files);
      } else {
        cache.markAbsent(sha, optional);
      }
    }
    LOG.info("{}: commit {} complete in {}", id, sha, cache.snapshotDir(sha));
    return snapshot(cache, id, sha, files);
  }

  private static void fetch(HfHubDownload download, HfHubCache cache, HfModelId id, HfHubRepoInfo info,
      String file, String role, List<String> files) {
    String sha = info.sha();
    HfHubModelRequest request = new HfHubModelRequest(id, file, role);
    HfHubRepoInfo.RepoFile expected = info.file(file).orElseThrow(() -> new HfHubException(
        "Hugging Face model '" + id.repoId() + "' at revision " + id.revision() + " has no " + request.describeFile()
            + ". Fix: check the id and revision; Kiln needs " + HfHubFiles.CONFIG + " and safetensors weights"));
    if (!cache.has(sha, file)) {
      String etag = download.fetch(request, sha, expected);
      cache.link(sha, file, etag);
    }
    files.add(file);
  }

  private static HfHubSnapshot snapshot(HfHubCache cache, HfModelId id, String sha, List<String> files) {
    return new HfHubSnapshot(id, sha, cache.snapshotDir(sha), files);
  }

  private HfHubException notCached(HfModelId id, HfHubCache cache, String why) {
    return new HfHubException("Hugging Face model '" + id + "' is not in the cache " + cache.repoDir() + " ("
        + why + ") and HF_HUB_OFFLINE is set, so the Hub is not asked. Fix: download it once with network access"
        + " (unset HF_HUB_OFFLINE), or point HF_HUB_CACHE (or HF_HOME) at a cache that holds it");
  }

  /**
   * What the cache holds of a commit, judged by the same rules that decide what to download.
   *
   * @param missing needed files that are not cached
   * @param unknown optional files neither cached nor known to be absent (a cache filled by another tool); offline
   *     they are taken as absent, online the Hub is asked
   */
  private record CachedModel(List<String> files, List<String> missing, List<String> unknown) {
    boolean complete() {
      return missing.isEmpty() && unknown.isEmpty();
    }

    static CachedModel read(HfHubCache cache, HfModelId id, String sha) {
      List<String> files = new ArrayList<>();
      List<String> missing = new ArrayList<>();
      List<String> unknown = new ArrayList<>();
      check(cache, sha, HfHubFiles.CONFIG, files, missing);
      if (cache.has(sha, HfHubFiles.WEIGHTS)) {
        files.add(HfHubFiles.WEIGHTS);
      } else if (cache.has(sha, HfHubFiles.WEIGHTS_INDEX)) {
        files.add(HfHubFiles.WEIGHTS_INDEX);
        for (String shard : HfHubFiles.shards(id, sha, cache.pointer(sha, HfHubFiles.WEIGHTS_INDEX))) {
          check(cache, sha, shard, files, missing);
        }
      } else {
        missing.add(HfHubFiles.WEIGHTS + " or " + HfHubFiles.WEIGHTS_INDEX);
      }
      for (String optional : HfHubFiles.OPTIONAL) {
        if (cache.has(sha, optional)) {
          files.add(optional);
        } else if (!cache.knownAbsent(sha, optional)) {
          unknown.add(optional);
        }
      }
      return new CachedModel(files, missing, unknown);
    }

    private static void check(HfHubCache cache, String sha, String file, List<String> files,
        List<String> missing) {
      (cache.has(sha, file) ? files : missing).add(file);
    }
  }
}
