package dev.kiln.worker.cli;

import dev.kiln.activities.evaluation.SavedModel;
import dev.kiln.activities.hf.HfFileSource;
import dev.kiln.activities.hf.StoreHfFiles;
import dev.kiln.activities.hub.ModelCard;
import dev.kiln.activities.hub.ModelHub;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.storage.StorageSettings;
import dev.kiln.worker.embedded.EmbeddedStack;
import dev.kiln.worker.embedded.LocalS3;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where the MODEL of {@code kiln generate} and {@code kiln evaluate} is: a model directory on this machine, or a run
 * id or hub model id in a bucket, the local home's (served by s3proxy for the command's duration) unless an S3
 * endpoint is given.
 */
final class ModelLocation {
  @Option(names = "--home", defaultValue = ".kiln", description = "the local stack whose storage holds the runs and hub (default: .kiln)")
  Path home;

  @Option(names = "--s3-endpoint", description = "read runs and the hub from this S3 endpoint instead of the home (default: $KILN_S3_ENDPOINT); credentials from the AWS default chain")
  String s3Endpoint;

  @Option(names = "--bucket", description = "bucket (default: $KILN_BUCKET, else kiln)")
  String bucket;

  /** The model {@code model} names, read whole. */
  SavedModel read(String model) throws Exception {
    Path directory = Path.of(model);
    if (Files.isDirectory(directory)) {
      return SavedModel.fromDirectory(HfFileSource.directory(directory));
    }
    String endpoint = s3Endpoint != null ? s3Endpoint : System.getenv("KILN_S3_ENDPOINT");
    if (endpoint != null) {
      StorageSettings env = StorageSettings.fromEnvironment();
      StorageSettings settings = new StorageSettings(URI.create(endpoint), bucket(env), env.region(), null, null)
          .withTimeouts(StorageSettings.Timeouts.COMMAND_LINE);
      return read(new ObjectStore(settings), model, "s3 endpoint " + endpoint);
    }
    Path data = home.resolve("s3");
    if (!Files.isDirectory(data)) {
      throw new IllegalArgumentException("MODEL '" + model + "' is not a directory, and the home " + home.toAbsolutePath()
          + " has no storage (no s3/): give a model directory, a run or hub id of another home (--home), or an S3"
          + " endpoint (--s3-endpoint)");
    }
    try (LocalS3 s3 = LocalS3.start(data, freePort())) {
      StorageSettings settings = new StorageSettings(s3.endpoint(), bucket(StorageSettings.fromEnvironment()),
          "us-east-1", EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY).withTimeouts(StorageSettings.Timeouts.COMMAND_LINE);
      return read(new ObjectStore(settings), model, "home " + home.toAbsolutePath());
    }
  }

  private String bucket(StorageSettings env) {
    return bucket != null ? bucket : env.bucket();
  }

  /** A run's model ({@code runs/<id>/model/}), else a hub model ({@code hub/<id>/}). */
  private static SavedModel read(ObjectStore store, String id, String where) {
    if (!id.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("MODEL '" + id + "' is neither a directory nor a run or hub model id"
          + " (letters, digits, '.', '_' and '-')");
    }
    String runModel = "runs/" + id + "/model/";
    if (store.exists(runModel + "config.json")) {
      return SavedModel.fromDirectory(new StoreHfFiles(store, runModel));
    }
    ModelCard card = new ModelHub(store).card(id);
    if (card != null) {
      return SavedModel.fromHub(store, card);
    }
    throw new IllegalArgumentException("MODEL '" + id + "' is not a directory, not a run with a model ("
        + runModel + ") and not a hub model (" + ModelHub.cardKey(id) + ") in the " + where
        + "; `kiln list` shows runs, and a run has a model once its evaluation finished");
  }

  private static int freePort() throws java.io.IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
