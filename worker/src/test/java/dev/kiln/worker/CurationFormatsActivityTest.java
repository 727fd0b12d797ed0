package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.curation.CurationActivitiesImpl;
import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.curation.CurationActivities;
import dev.kiln.workflows.curation.ShardPlan;
import dev.kiln.workflows.curation.ShardRequest;
import dev.kiln.workflows.curation.ShardResult;
import dev.kiln.workflows.curation.StepStats;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.netpreserve.jwarc.HttpResponse;
import org.netpreserve.jwarc.MediaType;
import org.netpreserve.jwarc.WarcCompression;
import org.netpreserve.jwarc.WarcResponse;
import org.netpreserve.jwarc.WarcWriter;

/**
 * planShards and curateShard on container formats through the real activities and bucket (s3proxy): a WARC is cut
 * into several shards read by ranged GETs, every response is read once, an image is a counted drop, and a JSONL file
 * whose text field the spec misnames fails planning without retries.
 */
class CurationFormatsActivityTest {
  private static final int PAGES = 23;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path home;
  static EmbeddedStack stack;
  static ObjectStore store;
  static TestActivityEnvironment environment;
  static CurationActivities curation;
  static RunSpec bundled;

  @BeforeAll
  static void start() throws IOException {
    stack = EmbeddedStack.start(home.resolve("s3"), 0, 0);
    store = new ObjectStore(stack.storage("formats"));
    store.ensureBucket();
    store.put("raw/crawl/part-0.warc.gz", warc());
    store.put("raw/rows/part-0.jsonl", "{\"content\":\"a row\",\"id\":\"r1\"}\n".getBytes(StandardCharsets.UTF_8));
    store.put(CurationActivitiesImpl.BAD_WORD_LISTS + "en.json", TestData.dataDir().resolve("lists/ldnoobw/en.json"));
    bundled = RunSpecLoader.load(Path.of("..", "configs", "tiny-gpt.yaml"));
    environment = TestActivityEnvironment.newInstance();
    environment.registerActivitiesImplementations(new CurationActivitiesImpl(store));
    curation = environment.newActivityStub(CurationActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(5)).setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
  }

  @AfterAll
  static void stop() {
    environment.close();
    store.close();
    stack.close();
  }

  private static byte[] warc() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (WarcWriter writer = new WarcWriter(Channels.newChannel(out), WarcCompression.GZIP)) {
      for (int i = 0; i < PAGES; i++) {
        String page = "<html><body><p>Page " + i + " of the crawl, about rivers and the towns along them.</p></body></html>";
        HttpResponse http = new HttpResponse.Builder(200, "OK")
            .body(MediaType.parse("text/html; charset=utf-8"), page.getBytes(StandardCharsets.UTF_8)).build();
        writer.write(new WarcResponse.Builder(URI.create("https://example.org/" + i)).date(Instant.EPOCH).body(http).build());
      }
      HttpResponse image = new HttpResponse.Builder(200, "OK").body(MediaType.parse("image/png"), new byte[] {1, 2, 3}).build();
      writer.write(new WarcResponse.Builder(URI.create("https://example.org/logo.png")).date(Instant.EPOCH).body(image).build());
    }
    return out.toByteArray();
  }

  private static RunSpec spec(String prefix, RunSpec.DataSpec.Fields fields) {
    return new RunSpec(bundled.name(), bundled.useCase(), bundled.budget(), bundled.model(),
        new RunSpec.DataSpec(List.of(prefix), 0.1, 10, null, null, null, fields, 5), bundled.curation(),
        new RunSpec.TokenizerSpec(400), bundled.training(), bundled.evaluation(), bundled.resilience());
  }

  @Test
  void aWarcIsCuratedByManyShardsThatReadEveryRecordOnce() throws IOException {
    RunSpec spec = spec("raw/crawl/", null);
    ShardPlan plan = curation.planShards(new CurationActivities.PlanRequest("formats-warc", spec, null));
    assertEquals(5, plan.shards(), "24 records, 5 a shard");
    assertEquals(1, plan.rawObjects());
    JsonNode written = JSON.readTree(store.get(plan.planKey()));
    assertEquals("bytes", written.get(1).get(0).get("unit").asText(), written.toString());

    long in = 0;
    Map<String, Long> dropped = new java.util.TreeMap<>();
    for (int shard = 0; shard < plan.shards(); shard++) {
      ShardResult result = curation.curateShard(new ShardRequest("formats-warc", spec, plan.planKey(), shard, plan.shards()));
      StepStats decode = result.steps().get(0);
      assertEquals("decode", decode.step());
      assertTrue(decode.documentsIn() <= 5);
      in += decode.documentsIn();
      decode.droppedByReason().forEach((reason, n) -> dropped.merge(reason, n, Long::sum));
    }
    assertEquals(PAGES + 1, in, "every response once");
    assertEquals(Map.of("warc:not-text", 1L), dropped);
  }

  @Test
  void aMisnamedTextFieldFailsPlanningOnceNamingTheFix() {
    ActivityFailure failure = assertThrows(ActivityFailure.class, () -> curation.planShards(
        new CurationActivities.PlanRequest("formats-jsonl", spec("raw/rows/", null), null)));
    ApplicationFailure cause = assertInstanceOf(ApplicationFailure.class, failure.getCause());
    assertEquals(Failures.BAD_DATA, cause.getType());
    assertTrue(cause.getOriginalMessage().contains("raw/rows/part-0.jsonl") && cause.getOriginalMessage().contains("[content, id]")
        && cause.getOriginalMessage().contains("data.fields.text"), cause.getOriginalMessage());
    ShardPlan plan = curation.planShards(new CurationActivities.PlanRequest("formats-jsonl",
        spec("raw/rows/", new RunSpec.DataSpec.Fields("content", null, null)), null));
    assertEquals(1, plan.shards());
  }
}
