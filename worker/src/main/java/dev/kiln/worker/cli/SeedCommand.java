package dev.kiln.worker.cli;

import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.storage.StorageSettings;
import dev.kiln.worker.DataSeeder;
import dev.kiln.worker.SlowWaitNotice;
import dev.kiln.worker.TemporalConnection;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Uploads the fetched corpora and the hub cards to an S3 endpoint. */
@Command(name = "seed", mixinStandardHelpOptions = true, description = "Upload the corpora (raw/) and the model hub cards (hub/) to the bucket.")
final class SeedCommand implements Callable<Integer> {
  @Mixin Endpoints endpoints;

  @Option(names = "--data-dir", description = "default: $KILN_DATA_DIR or ~/.cache/kiln/data")
  Path dataDir;

  @Option(names = "--hub", defaultValue = "configs/hub")
  Path hub;

  @Override
  public Integer call() {
    try (ObjectStore store = new ObjectStore(endpoints.storage().withTimeouts(StorageSettings.Timeouts.COMMAND_LINE_UPLOADS))) {
      try (SlowWaitNotice notice = SlowWaitNotice.after(TemporalConnection.PATIENCE_BEFORE_PROGRESS,
          "S3 at " + store.settings().endpointName() + " (bucket " + store.bucket() + ")", System.err)) {
        store.ensureBucket();
      }
      DataSeeder seeder = new DataSeeder(store);
      Path data = Paths.dataDir(dataDir);
      int uploaded = seeder.seedRaw(data);
      System.out.println("raw: " + uploaded + " new objects; hub: " + seeder.seedHub(hub, data));
      return 0;
    }
  }
}
