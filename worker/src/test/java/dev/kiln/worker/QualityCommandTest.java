package dev.kiln.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.activities.curation.quality.QualityClassifierActivitiesImpl;
import dev.kiln.activities.curation.quality.QualityModel;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.storage.StorageSettings;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.worker.embedded.LocalS3;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.curation.QualityClassifierActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln quality train} and the training activity against S3 over a local directory: they train, store the
 * model and report the figures.
 */
class QualityCommandTest {
  private static final String BOOK = "The Debian project is an association of individuals who have made common cause to"
      + " create a free operating system. Packages are maintained by volunteers, and the distribution is released when"
      + " it is ready rather than on a fixed date.";
  private static final String MENU = "Home | Download | Mirrors | Login | Sign up | Cookies | Contact | Sitemap | Search";

  @AfterEach
  void clearCredentials() {
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
    System.clearProperty("aws.region");
  }

  @Test
  void trainsFromPrefixesAndWritesTheModel(@TempDir Path dir) throws Exception {
    try (LocalS3 s3 = LocalS3.start(Files.createDirectories(dir.resolve("s3")), 0);
        ObjectStore store = new ObjectStore(new StorageSettings(s3.endpoint(), "kiln", "us-east-1",
            EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY))) {
      store.ensureBucket();
      for (int i = 0; i < 6; i++) {
        store.put("raw/books/b" + i + ".txt", (BOOK + "\n").repeat(4 + i).getBytes(StandardCharsets.UTF_8));
        store.put("raw/site/p" + i + ".txt", (MENU + "\n").repeat(6 + i).getBytes(StandardCharsets.UTF_8));
      }
      System.setProperty("aws.accessKeyId", EmbeddedStack.ACCESS_KEY);
      System.setProperty("aws.secretAccessKey", EmbeddedStack.SECRET_KEY);
      System.setProperty("aws.region", "us-east-1");
      CliRunner cli = new CliRunner("--s3-endpoint", s3.endpoint().toString(), "--bucket", "kiln");

      CliRunner.Result r = cli.kiln("quality", "train", "--positive", "raw/books/", "--negative", "raw/site/",
          "--out", "models/quality/test", "--buckets", "4096", "--dim", "8", "--chunk-words", "40", "--lr", "0.5");
      assertEquals(0, r.code(), r.err());
      assertTrue(r.out().contains("model models/quality/test/:"), r.out());
      assertTrue(r.out().contains("Gopher quality rules"), r.out());
      QualityModel model = QualityModel.read(store, "models/quality/test/");
      assertEquals(4096, model.classifier().buckets());

      // the activity runs the same training on a worker
      TestActivityEnvironment environment = TestActivityEnvironment.newInstance();
      try {
        environment.registerActivitiesImplementations(new QualityClassifierActivitiesImpl(store));
        QualityClassifierActivities activities = environment.newActivityStub(QualityClassifierActivities.class,
            ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(5))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
        QualityClassifierActivities.TrainResult result = activities.trainQualityClassifier(
            new QualityClassifierActivities.TrainRequest(List.of("raw/books/"), List.of("raw/site/"),
                "models/quality/by-activity/", 4096, 8, 5, 0.5, 40, 0.2, 0));
        assertEquals("models/quality/by-activity/model.json", result.infoKey());
        assertTrue(store.exists(result.weightsKey()));
        assertTrue(result.heldOutExamples() > 0 && result.trainExamples() > 0, result.toString());
        ActivityFailure failure = assertThrows(ActivityFailure.class, () -> activities.trainQualityClassifier(
            new QualityClassifierActivities.TrainRequest(List.of("raw/none/"), List.of("raw/site/"),
                "models/quality/x/", 4096, 8, 5, 0.5, 40, 0.2, 0)));
        ApplicationFailure cause = (ApplicationFailure) failure.getCause();
        assertEquals(Failures.BAD_DATA, cause.getType());
        assertTrue(cause.getOriginalMessage().contains("raw/none/"), cause.getOriginalMessage());
      } finally {
        environment.close();
      }

      CliRunner.Result empty = cli.kiln("quality", "train", "--positive", "raw/none/", "--negative", "raw/site/",
          "--out", "models/quality/x");
      assertEquals(2, empty.code(), empty.err());
      assertTrue(empty.err().contains("prefix 'raw/none/' holds no objects"), empty.err());
    }
  }
}
