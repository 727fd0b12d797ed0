package dev.kiln.activities.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downloads from a local mirror of the Hub's URL layout: the cache comes out as huggingface_hub lays it out, a
 * cached model costs no request, a dropped connection resumes, and each way of failing says what to fix.
 */
class HfHubClientTest {
  private static final String CONFIG = "{\"model_type\":\"gpt2\",\"n_embd\":8,\"n_layer\":1}\n";
  private static final String TOKEN = "hf_test_token_123";

  @TempDir Path dir;
  private HfHubMirror mirror;
  private final List<Duration> waits = new CopyOnWriteArrayList<>();
  private Path cache;

  @BeforeEach
  void start() throws IOException {
    mirror = new HfHubMirror(dir.resolve("mirror"));
    cache = dir.resolve("hf-home/hub");
  }

  @AfterEach
  void stop() {
    mirror.close();
  }

  private HfHubClient client(Optional<String> token, boolean offline) {
    return client(token, offline, Duration.ofSeconds(5));
  }

  private HfHubClient client(Optional<String> token, boolean offline, Duration timeout) {
    HfHubSettings settings = new HfHubSettings(mirror.endpoint(), token, cache, offline, timeout);
    HfHubRetry retry = new HfHubRetry(3, Duration.ofMillis(100), Duration.ofMillis(400), Duration.ofSeconds(30),
        waits::add);
    return new HfHubClient(settings, retry);
  }

  private HfHubClient client() {
    return client(Optional.empty(), false);
  }

  private static byte[] weights(int n, long seed) {
    return HfHubMirror.randomBytes(n, seed);
  }

  @Test
  void aFullDownloadBuildsTheCacheLayoutOfHuggingfaceHub() throws IOException {
    byte[] safetensors = weights(300_000, 1);
    String readme = "---\nlicense: mit\n---\n# tiny\n";
    String sha = mirror.model("kiln-test/tiny-gpt2").file("config.json", CONFIG).lfs("model.safetensors", safetensors)
        .file("tokenizer.json", "{\"version\":\"1.0\"}").file("README.md", readme).publish("main");

    HfHubSnapshot snap = client().download(HfModelId.parse("kiln-test/tiny-gpt2"));

    Path repo = cache.resolve("models--kiln-test--tiny-gpt2");
    assertEquals(sha, snap.commit());
    assertEquals(repo.resolve("snapshots").resolve(sha), snap.directory());
    assertEquals(sha, Files.readString(repo.resolve("refs/main")), "refs/main holds the bare sha");
    assertEquals(List.of("config.json", "model.safetensors", "tokenizer.json", "README.md"), snap.files());

    String weightsBlob = HfHubMirror.sha256(safetensors);
    Path weightsLink = snap.directory().resolve("model.safetensors");
    assertTrue(Files.isSymbolicLink(weightsLink));
    assertEquals(Path.of("../../blobs/" + weightsBlob), Files.readSymbolicLink(weightsLink),
        "an LFS file's blob is named by its sha256, linked relatively");
    assertArrayEquals(safetensors, Files.readAllBytes(weightsLink));
    String configBlob = HfHubMirror.gitBlobId(CONFIG.getBytes(StandardCharsets.UTF_8));
    assertEquals(Path.of("../../blobs/" + configBlob), Files.readSymbolicLink(snap.directory().resolve("config.json")),
        "a small file's blob is named by its git blob sha1");
    assertEquals(CONFIG, Files.readString(snap.file("config.json").orElseThrow()));
    assertEquals(readme, Files.readString(snap.directory().resolve("README.md")));

    assertTrue(Files.exists(repo.resolve(".no_exist").resolve(sha).resolve("generation_config.json")),
        "optional files the repository lacks are recorded as absent");
    assertFalse(Files.exists(snap.directory().resolve("generation_config.json")));
    try (Stream<Path> blobs = Files.list(repo.resolve("blobs"))) {
      assertEquals(4, blobs.filter(p -> !p.toString().endsWith(".incomplete")).count());
    }
    try (Stream<Path> leftovers = Files.list(repo.resolve("blobs"))) {
      assertEquals(0, leftovers.filter(p -> p.toString().endsWith(".incomplete")).count());
    }
    assertEquals(List.of(snap.directory().resolve("model.safetensors")), snap.weights());
    assertTrue(Files.readString(cache.resolve("CACHEDIR.TAG"))
        .startsWith("Signature: 8a477f597d28d172789f06886806bc55"), "backup tools skip the cache");
    // one info call and one resolve per file, the LFS one redirected to the CDN
    assertEquals(5, mirror.requests("hub").size(), mirror.requests().toString());
    assertEquals(1, mirror.requests("cdn").size());
  }

  @Test
  void aCachedModelIsReturnedWithoutAnyRequestAndAlsoOffline() throws IOException {
    mirror.model("kiln-test/tiny").file("config.json", CONFIG).lfs("model.safetensors", weights(5000, 2))
        .publish("main");
    HfHubSnapshot first = client().download(HfModelId.parse("kiln-test/tiny"));
    int requests = mirror.requests().size();

    HfHubSnapshot second = client().download(HfModelId.parse("kiln-test/tiny@main"));
    HfHubSnapshot offline = client(Optional.empty(), true).download(HfModelId.parse("kiln-test/tiny"));
    HfHubSnapshot byCommit = client().download(HfModelId.parse("kiln-test/tiny@" + first.commit()));

    assertEquals(requests, mirror.requests().size(), "no request once the snapshot is complete");
    assertEquals(first, second);
    assertEquals(first.files(), offline.files());
    assertEquals(first.directory(), byCommit.directory());
  }

  @Test
  void revalidatingAMovedBranchDownloadsOnlyTheChangedFiles() throws IOException {
    byte[] safetensors = weights(20_000, 3);
    String old = mirror.model("kiln-test/moving").file("config.json", CONFIG).lfs("model.safetensors", safetensors)
        .publish("main");
    client().download(HfModelId.parse("kiln-test/moving"));
    String newer = mirror.model("kiln-test/moving").file("config.json", CONFIG.replace("8", "16"))
        .lfs("model.safetensors", safetensors).publish("main");
    int cdnBefore = mirror.requests("cdn").size();

    HfHubSnapshot stale = client().download(HfModelId.parse("kiln-test/moving"));
    HfHubSnapshot fresh = client().download(HfModelId.parse("kiln-test/moving"), true);

    assertEquals(old, stale.commit(), "without revalidation the branch stays at the commit resolved before");
    assertEquals(newer, fresh.commit());
    assertEquals(newer, Files.readString(cache.resolve("models--kiln-test--moving/refs/main")));
    assertEquals(cdnBefore, mirror.requests("cdn").size(), "the unchanged weights blob is reused");
    assertTrue(Files.readString(fresh.directory().resolve("config.json")).contains("16"));
  }

  @Test
  void aShardedModelBringsTheIndexAndEveryShardItNames() throws IOException {
    byte[] one = weights(70_000, 4);
    byte[] two = weights(50_000, 5);
    String index = "{\"metadata\":{\"total_size\":120000},\"weight_map\":{"
        + "\"a.weight\":\"model-00001-of-00002.safetensors\",\"b.weight\":\"model-00002-of-00002.safetensors\","
        + "\"c.weight\":\"model-00001-of-00002.safetensors\"}}";
    mirror.model("kiln-test/sharded").file("config.json", CONFIG).file("model.safetensors.index.json", index)
        .lfs("model-00001-of-00002.safetensors", one).lfs("model-00002-of-00002.safetensors", two)
        .file("generation_config.json", "{}").publish("main");

    HfHubSnapshot snap = client().download(HfModelId.parse("kiln-test/sharded"));

    assertEquals(2, snap.weights().size());
    assertArrayEquals(one, Files.readAllBytes(snap.weights().get(0)));
    assertArrayEquals(two, Files.readAllBytes(snap.weights().get(1)));
    assertTrue(snap.file("generation_config.json").isPresent());
    int requests = mirror.requests().size();
    assertEquals(snap, client(Optional.empty(), true).download(HfModelId.parse("kiln-test/sharded")));
    assertEquals(snap, client().download(HfModelId.parse("kiln-test/sharded")));
    assertEquals(requests, mirror.requests().size());
  }

  @Test
  void aConnectionDroppedMidFileResumesWithRangeAndYieldsTheSameBytes() throws IOException {
    byte[] safetensors = weights(400_000, 6);
    mirror.model("kiln-test/flaky").file("config.json", CONFIG).lfs("model.safetensors", safetensors).publish("main");
    mirror.inject(HfHubMirror.sha256(safetensors), new HfHubMirror.Drop(150_000));

    HfHubSnapshot snap = client().download(HfModelId.parse("kiln-test/flaky"));

    assertArrayEquals(safetensors, Files.readAllBytes(snap.directory().resolve("model.safetensors")));
    List<HfHubMirror.Seen> cdn = mirror.requests("cdn");
    assertEquals(2, cdn.size(), cdn.toString());
    assertNull(cdn.get(0).range());
    String range = cdn.get(1).range();
    assertTrue(range != null && range.matches("bytes=\\d+-"), String.valueOf(range));
    long resumedAt = Long.parseLong(range.replaceAll("\\D", ""));
    assertTrue(resumedAt > 0 && resumedAt <= 150_000, "resumed from the bytes received: " + range);
    assertEquals(1, waits.size(), "one backoff before resuming");
  }

  @Test
  void aConnectionThatGoesQuietMidFileIsCutAfterTheTimeoutAndResumed() throws IOException {
    byte[] safetensors = weights(200_000, 20);
    mirror.model("kiln-test/quiet").file("config.json", CONFIG).lfs("model.safetensors", safetensors).publish("main");
    mirror.inject(HfHubMirror.sha256(safetensors), new HfHubMirror.Stall(60_000, 20_000));

    long start = System.nanoTime();
    HfHubSnapshot snap = client(Optional.empty(), false, Duration.ofMillis(400))
        .download(HfModelId.parse("kiln-test/quiet"));
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertArrayEquals(safetensors, Files.readAllBytes(snap.directory().resolve("model.safetensors")));
    assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "cut after the timeout, not after the stall: " + took);
    List<HfHubMirror.Seen> cdn = mirror.requests("cdn");
    assertEquals(2, cdn.size(), cdn.toString());
    assertTrue(cdn.get(1).range() != null && cdn.get(1).range().startsWith("bytes="), cdn.toString());
    assertFalse(Thread.currentThread().isInterrupted(), "the watch's interrupt is cleared");
  }

  @Test
  void twoDownloadsOfOneModelAtOnceFetchEachBlobOnce() throws Exception {
    byte[] safetensors = weights(2_000_000, 24);
    mirror.model("kiln-test/popular").file("config.json", CONFIG).lfs("model.safetensors", safetensors)
        .publish("main");
    HfHubClient client = client();
    var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      var a = pool.submit(() -> client.download(HfModelId.parse("kiln-test/popular")));
      var b = pool.submit(() -> client.download(HfModelId.parse("kiln-test/popular")));
      assertEquals(a.get(), b.get());
      assertArrayEquals(safetensors, Files.readAllBytes(a.get().directory().resolve("model.safetensors")));
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, mirror.requests("cdn").size(), "the second waits on the blob's lock, then finds it");
  }

  @Test
  void aPartialFileLeftByAnEarlierProcessIsContinued() throws IOException {
    byte[] safetensors = weights(100_000, 7);
    mirror.model("kiln-test/crashed").file("config.json", CONFIG).lfs("model.safetensors", safetensors)
        .publish("main");
    Path part = cache.resolve("models--kiln-test--crashed/blobs/" + HfHubMirror.sha256(safetensors) + ".incomplete");
    Files.createDirectories(part.getParent());
    Files.write(part, java.util.Arrays.copyOf(safetensors, 40_000));

    HfHubSnapshot snap = client().download(HfModelId.parse("kiln-test/crashed"));

    assertArrayEquals(safetensors, Files.readAllBytes(snap.directory().resolve("model.safetensors")));
    assertEquals("bytes=40000-", mirror.requests("cdn").get(0).range());
    assertFalse(Files.exists(part));
  }

  @Test
  void busyAnswersAreRetriedAsTheServerAsks() throws IOException {
    mirror.model("kiln-test/busy").file("config.json", CONFIG).lfs("model.safetensors", weights(1000, 8))
        .publish("main");
    mirror.inject("/revision/main", new HfHubMirror.Status(429, "7"));
    mirror.inject("/config.json", new HfHubMirror.Status(503, null));

    HfHubSnapshot snap = client().download(HfModelId.parse("kiln-test/busy"));

    assertEquals(CONFIG, Files.readString(snap.directory().resolve("config.json")));
    assertEquals(List.of(Duration.ofSeconds(7), Duration.ofMillis(100)), waits, "Retry-After, then the backoff");
  }

  @Test
  void aCdnRefusingItsSignedUrlIsAskedAgainThroughTheHub() throws IOException {
    byte[] safetensors = weights(5000, 23);
    mirror.model("kiln-test/expired").file("config.json", CONFIG).lfs("model.safetensors", safetensors)
        .publish("main");
    mirror.inject(HfHubMirror.sha256(safetensors), new HfHubMirror.Status(403, null));

    HfHubSnapshot snap = client().download(HfModelId.parse("kiln-test/expired"));

    assertArrayEquals(safetensors, Files.readAllBytes(snap.directory().resolve("model.safetensors")));
    assertEquals(2, mirror.requests("cdn").size());
    assertEquals(2, mirror.requests("hub").stream().filter(s -> s.path().endsWith("/model.safetensors")).count(),
        "each retry starts at the Hub for a fresh redirect");
  }

  @Test
  void aHubThatStaysDownGivesUpAfterTheRetryBudget() {
    mirror.model("kiln-test/down").file("config.json", CONFIG).lfs("model.safetensors", weights(1000, 9))
        .publish("main");
    for (int i = 0; i < 10; i++) {
      mirror.inject("/revision/main", new HfHubMirror.Status(503, null));
    }
    HfHubTransferException e = assertThrows(HfHubTransferException.class,
        () -> client().download(HfModelId.parse("kiln-test/down")));
    assertTrue(e.getMessage().contains("kept answering 503"), e.getMessage());
    assertEquals(4, mirror.requests().size(), "the first attempt and 3 retries");
    assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400)), waits);
  }

  @Test
  void bytesThatDoNotMatchTheHashAreNeverCached() throws IOException {
    byte[] safetensors = weights(10_000, 10);
    mirror.model("kiln-test/corrupt").file("config.json", CONFIG).lfs("model.safetensors", safetensors)
        .publish("main");
    mirror.inject(HfHubMirror.sha256(safetensors), new HfHubMirror.Corrupt());

    HfHubTransferException e = assertThrows(HfHubTransferException.class,
        () -> client().download(HfModelId.parse("kiln-test/corrupt")));

    assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("sha256"), e.getMessage());
    Path blobs = cache.resolve("models--kiln-test--corrupt/blobs");
    assertFalse(Files.exists(blobs.resolve(HfHubMirror.sha256(safetensors))));
    assertFalse(Files.exists(blobs.resolve(HfHubMirror.sha256(safetensors) + ".incomplete")));
    // the next attempt gets the good bytes
    HfHubSnapshot snap = client().download(HfModelId.parse("kiln-test/corrupt"));
    assertArrayEquals(safetensors, Files.readAllBytes(snap.directory().resolve("model.safetensors")));
  }

  @Test
  void anUnknownModelSaysItDoesNotExist() {
    HfHubException e = assertThrows(HfHubException.class,
        () -> client().download(HfModelId.parse("kiln-test/no-such-model")));
    assertInstanceOf(IllegalArgumentException.class, e);
    assertTrue(e.getMessage().contains("'kiln-test/no-such-model' does not exist on " + mirror.endpoint()),
        e.getMessage());
    assertTrue(e.getMessage().contains("Fix: check the id"), e.getMessage());
  }

  @Test
  void anUnknownRevisionIsNamed() {
    mirror.model("kiln-test/tiny").file("config.json", CONFIG).lfs("model.safetensors", weights(100, 11))
        .publish("main");
    HfHubException e = assertThrows(HfHubException.class,
        () -> client().download(HfModelId.parse("kiln-test/tiny@v9")));
    assertTrue(e.getMessage().contains("has no revision 'v9'"), e.getMessage());
  }

  @Test
  void aPrivateModelAsksForAToken() {
    mirror.makePrivate("kiln-test/secret");
    mirror.requireToken(TOKEN);
    mirror.model("kiln-test/secret").file("config.json", CONFIG).lfs("model.safetensors", weights(100, 12))
        .publish("main");
    HfHubException e = assertThrows(HfHubException.class,
        () -> client().download(HfModelId.parse("kiln-test/secret")));
    assertTrue(e.getMessage().contains("or it is private and no token was sent (HF_TOKEN is not set)"),
        e.getMessage());
    assertEquals("kiln-test/secret", client(Optional.of(TOKEN), false)
        .download(HfModelId.parse("kiln-test/secret")).id().repoId());
  }

  @Test
  void aRevokedTokenIsReportedAsSuch() {
    mirror.model("kiln-test/public").file("config.json", CONFIG).lfs("model.safetensors", weights(100, 19))
        .publish("main");
    HfHubException e = assertThrows(HfHubException.class,
        () -> client(Optional.of("hf_invalid_old"), false).download(HfModelId.parse("kiln-test/public")));
    assertTrue(e.getMessage().contains("the Hub rejected the token (invalid or expired)"), e.getMessage());
    assertTrue(e.getMessage().contains("set HF_TOKEN to a valid read token"), e.getMessage());
  }

  @Test
  void aGatedModelAsksForATokenAndTheTerms() {
    mirror.makeGated("kiln-test/gated");
    mirror.requireToken(TOKEN);
    mirror.model("kiln-test/gated").file("config.json", CONFIG).lfs("model.safetensors", weights(100, 13))
        .publish("main");
    HfModelId id = HfModelId.parse("kiln-test/gated");

    HfHubException noToken = assertThrows(HfHubException.class, () -> client().download(id));
    HfHubException notGranted = assertThrows(HfHubException.class,
        () -> client(Optional.of("hf_other"), false).download(id));

    String page = mirror.endpoint() + "/kiln-test/gated";
    assertTrue(noToken.getMessage().contains("is gated: it can only be downloaded with a token, and HF_TOKEN is not"
        + " set"), noToken.getMessage());
    assertTrue(noToken.getMessage().contains("accept the model's terms") && noToken.getMessage().contains(page),
        noToken.getMessage());
    assertTrue(notGranted.getMessage().contains("has not been granted access"), notGranted.getMessage());
    assertTrue(notGranted.getMessage().contains("set HF_TOKEN"), notGranted.getMessage());
  }

  @Test
  void theTokenGoesToTheEndpointOnlyNeverToTheCdn() {
    mirror.makeGated("kiln-test/gated");
    mirror.requireToken(TOKEN);
    mirror.model("kiln-test/gated").file("config.json", CONFIG).lfs("model.safetensors", weights(2000, 14))
        .publish("main");

    client(Optional.of(TOKEN), false).download(HfModelId.parse("kiln-test/gated"));

    assertFalse(mirror.requests("hub").isEmpty());
    assertTrue(mirror.requests("hub").stream().allMatch(s -> ("Bearer " + TOKEN).equals(s.authorization())),
        mirror.requests("hub").toString());
    assertEquals(1, mirror.requests("cdn").size());
    assertNull(mirror.requests("cdn").get(0).authorization(), "the CDN is another origin");
  }

  @Test
  void aRenamedModelIsFollowedOnTheSameOriginWithTheToken() throws IOException {
    mirror.makePrivate("kiln-test/new-name");
    mirror.requireToken(TOKEN);
    mirror.rename("kiln-test/old-name", "kiln-test/new-name");
    mirror.model("kiln-test/new-name").file("config.json", CONFIG).lfs("model.safetensors", weights(3000, 21))
        .publish("main");

    HfHubSnapshot snap = client(Optional.of(TOKEN), false).download(HfModelId.parse("kiln-test/old-name"));

    assertEquals(CONFIG, Files.readString(snap.directory().resolve("config.json")));
    assertTrue(snap.directory().startsWith(cache.resolve("models--kiln-test--old-name")),
        "cached under the id asked for, as huggingface_hub does");
    List<HfHubMirror.Seen> hub = mirror.requests("hub");
    assertTrue(hub.stream().anyMatch(s -> s.path().startsWith("/api/models/kiln-test/new-name/")), hub.toString());
    assertTrue(hub.stream().allMatch(s -> ("Bearer " + TOKEN).equals(s.authorization())), hub.toString());
  }

  @Test
  void aLegacyIdWithoutOrganisationIsCachedUnderItsName() throws IOException {
    String sha = mirror.model("tiny").file("config.json", CONFIG).lfs("model.safetensors", weights(500, 22))
        .publish("main");
    HfHubSnapshot snap = client().download(HfModelId.parse("tiny"));
    assertEquals(cache.resolve("models--tiny/snapshots/" + sha), snap.directory());
    assertEquals(CONFIG, Files.readString(snap.directory().resolve("config.json")));
  }

  @Test
  void aShardTheIndexNamesButTheHubLacksIsNamed() {
    String index = "{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\","
        + "\"b\":\"model-00002-of-00002.safetensors\"}}";
    mirror.model("kiln-test/broken").file("config.json", CONFIG).file("model.safetensors.index.json", index)
        .lfs("model-00001-of-00002.safetensors", weights(100, 15)).publish("main");
    HfHubException e = assertThrows(HfHubException.class,
        () -> client().download(HfModelId.parse("kiln-test/broken")));
    assertTrue(e.getMessage().contains("names the shard 'model-00002-of-00002.safetensors', which is not in the"
        + " repository"), e.getMessage());
    assertTrue(e.getMessage().contains("'kiln-test/broken'"), e.getMessage());
  }

  @Test
  void anIndexCannotNameAFileOutsideTheRepository() {
    String index = "{\"weight_map\":{\"a\":\"../../../../escape.safetensors\"}}";
    mirror.model("kiln-test/evil").file("config.json", CONFIG).file("model.safetensors.index.json", index)
        .publish("main");
    HfHubException e = assertThrows(HfHubException.class,
        () -> client().download(HfModelId.parse("kiln-test/evil")));
    assertTrue(e.getMessage().contains("not a relative path inside the repository"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("escape.safetensors")));
  }

  @Test
  void aModelWithoutSafetensorsSaysSo() {
    mirror.model("kiln-test/bin-only").file("config.json", CONFIG).lfs("pytorch_model.bin", weights(100, 16))
        .publish("main");
    HfHubException e = assertThrows(HfHubException.class,
        () -> client().download(HfModelId.parse("kiln-test/bin-only")));
    assertTrue(e.getMessage().contains("has no safetensors weights"), e.getMessage());
  }

  @Test
  void offlineWithoutTheModelCachedSaysSoAndSendsNothing() {
    HfHubException e = assertThrows(HfHubException.class,
        () -> client(Optional.empty(), true).download(HfModelId.parse("kiln-test/tiny")));
    assertTrue(e.getMessage().contains("'kiln-test/tiny@main' is not in the cache"), e.getMessage());
    assertTrue(e.getMessage().contains("HF_HUB_OFFLINE is set"), e.getMessage());
    assertTrue(mirror.requests().isEmpty());
  }

  @Test
  void aMirrorWithoutBlobMetadataIsReadFromTheHeaders() throws IOException {
    mirror.withoutBlobMetadata();
    byte[] safetensors = weights(30_000, 17);
    String sha = mirror.model("kiln-test/plain").file("config.json", CONFIG).lfs("model.safetensors", safetensors)
        .publish("main");
    mirror.inject(HfHubMirror.sha256(safetensors), new HfHubMirror.Drop(10_000));

    HfHubSnapshot snap = client().download(HfModelId.parse("kiln-test/plain"));

    assertArrayEquals(safetensors, Files.readAllBytes(snap.directory().resolve("model.safetensors")));
    assertEquals(Path.of("../../blobs/" + HfHubMirror.sha256(safetensors)),
        Files.readSymbolicLink(cache.resolve("models--kiln-test--plain/snapshots/" + sha + "/model.safetensors")));
  }

  @Test
  void aRevisionWithASlashIsEncodedAndKeptUnderRefs() throws IOException {
    String sha = mirror.model("kiln-test/pr").file("config.json", CONFIG).lfs("model.safetensors", weights(100, 18))
        .publish("refs/pr/1");
    HfHubSnapshot snap = client().download(HfModelId.parse("kiln-test/pr@refs/pr/1"));
    assertEquals(sha, snap.commit());
    assertEquals(sha, Files.readString(cache.resolve("models--kiln-test--pr/refs/refs/pr/1")));
    assertTrue(mirror.requests().get(0).path().endsWith("/revision/refs%2Fpr%2F1"), mirror.requests().toString());
  }
}
