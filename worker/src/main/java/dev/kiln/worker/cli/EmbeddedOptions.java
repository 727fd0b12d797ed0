package dev.kiln.worker.cli;

import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.DataSeeder;
import dev.kiln.worker.embedded.EmbeddedStack;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The home of a local stack (its S3 data and Temporal database), which Temporal serves it, and what it seeds. */
final class EmbeddedOptions {
  @Option(names = "--home", defaultValue = ".kiln", description = "the local stack's directory: S3 data under s3/, "
      + "the Temporal dev server's database under temporal/ (default: .kiln)")
  Path home;

  @Option(names = "--temporal", defaultValue = "dev-server", converter = TemporalKindConverter.class,
      description = "dev-server (default: the Temporal CLI's dev server, SQLite under the home, Web UI; runs survive a "
          + "crash) or in-jvm (Temporal's in-JVM test server: no persistence, Web UI, Schedules or visibility queries)")
  EmbeddedStack.Temporal temporal;

  @Option(names = "--data-dir", description = "corpora fetched by infra/fetch-data.sh (default: $KILN_DATA_DIR or ~/.cache/kiln/data)")
  Path dataDir;

  @Option(names = "--bucket", defaultValue = "kiln")
  String bucket;

  EmbeddedStack startStack(int temporalPort, int uiPort, int s3Port, PrintStream progress) {
    return EmbeddedStack.start(home, temporal, temporalPort, uiPort, s3Port, progress);
  }

  /** Creates the bucket and uploads the corpora and hub cards that are not there yet; returns new raw objects. */
  int seed(ObjectStore store, Path hubCards) {
    store.ensureBucket();
    DataSeeder seeder = new DataSeeder(store);
    Path data = Paths.dataDir(dataDir);
    int uploaded = data.resolve("raw").toFile().isDirectory() ? seeder.seedRaw(data) : 0;
    if (hubCards.toFile().isDirectory()) {
      seeder.seedHub(hubCards, data);
    }
    return uploaded;
  }

  static final class TemporalKindConverter implements picocli.CommandLine.ITypeConverter<EmbeddedStack.Temporal> {
    @Override
    public EmbeddedStack.Temporal convert(String value) {
      return switch (value) {
        case "dev-server" -> EmbeddedStack.Temporal.DEV_SERVER;
        case "in-jvm" -> EmbeddedStack.Temporal.IN_JVM;
        default -> throw new picocli.CommandLine.TypeConversionException(
            "'" + value + "' is not a Temporal kind; use dev-server (durable, the default) or in-jvm");
      };
    }
  }
}
