package dev.kiln.worker.cli;

import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.worker.DataSeeder;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the embedded stack keeps its data, and what it loads into its bucket when it starts. */
final class EmbeddedOptions {
  @Option(names = "--home", defaultValue = ".kiln", description = "embedded stack's directory (S3 data under s3/)")
  Path home;

  @Option(names = "--data-dir", description = "corpora fetched by infra/fetch-data.sh (default: $KILN_DATA_DIR or ~/.cache/kiln/data)")
  Path dataDir;

  @Option(names = "--bucket", defaultValue = "kiln")
  String bucket;

  Path storageDir() {
    return home.resolve("s3");
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
}
