package dev.kiln.activities.hub;

import dev.kiln.activities.hf.HfFileSource;
import dev.kiln.activities.hf.HfHubClient;
import dev.kiln.activities.hf.HfHubSnapshot;
import dev.kiln.activities.hf.HfImportException;
import dev.kiln.activities.hf.HfModelDirectory;
import dev.kiln.activities.hf.HfModelId;
import dev.kiln.activities.hf.HfReadme;
import dev.kiln.activities.hf.StoreHfFiles;
import dev.kiln.activities.hf.export.HfDecoderImport;
import dev.kiln.activities.hf.export.SpecialTokens;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.activities.tokenizer.StoredTokenizer;
import dev.kiln.workflows.scope.Architecture;
import dev.kiln.workflows.scope.ModelType;
import dev.kiln.workflows.training.Objective;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Brings a Hugging Face model into the hub so that a run can continue it: {@code model.hubModel} may name, besides a
 * hub card, a model directory in Hugging Face's layout
 * <ul>
 *   <li>in the bucket: {@code hub/<id>/} holding config.json, the safetensors and tokenizer.json;
 *   <li>on the worker's file system: an absolute path (the spec loader makes a relative one absolute);
 *   <li>on the Hugging Face Hub: {@code hf:org/name[@revision]}, downloaded into Hugging Face's cache with the Hub's
 *       conventions (HF_ENDPOINT, HF_TOKEN, HF_HOME; {@link HfHubClient}).
 * </ul>
 * The directory is checked whole before anything is written (an unsupported model_type, a shape the weights
 * contradict, a missing tokenizer or shard: each named, with its fix), converted to Kiln's names, layouts and float32,
 * and published as a hub card whose license, languages, datasets, intended uses and limitations come from the model's
 * own README. The card is written last, so an entry without one is an unfinished import that the next attempt
 * redoes. An entry of another source is never replaced.
 */
final class HfModelImport {
  static final String HF_PREFIX = "hf:";
  /** Beside the Hugging Face files of an S3 entry: the converted weights and the tokenizer a run reads. */
  static final String KILN_FOLDER = "kiln/";

  private final ObjectStore store;
  private final ModelHub hub;
  private final Supplier<HfHubClient> hubClient;

  HfModelImport(ObjectStore store, ModelHub hub, Supplier<HfHubClient> hubClient) {
    this.store = store;
    this.hub = hub;
    this.hubClient = hubClient;
  }

  /** Whether {@code hubModel} names a Hugging Face model rather than (only) a hub card. */
  boolean names(String hubModel) {
    return hubModel.startsWith(HF_PREFIX) || hubModel.startsWith("/")
        || (hub.card(hubModel) == null && store.exists(ModelHub.PREFIX + hubModel + "/config.json"));
  }

  /**
   * The hub card of the Hugging Face model {@code hubModel} names, imported now or by an earlier run of the same
   * source.
   *
   * @throws IllegalArgumentException (bad input: not retried) naming what is wrong and the fix
   */
  ModelCard importModel(String hubModel) {
    Source source = resolve(hubModel);
    ModelCard existing = hub.card(source.cardId());
    if (existing != null) {
      if (source.provenance().equals(existing.source())) {
        return existing;
      }
      throw new IllegalArgumentException("model.hubModel '" + hubModel + "': the hub already has an entry '"
          + source.cardId() + "' (" + (existing.source() == null ? "not imported from Hugging Face" : "imported from "
          + existing.source()) + "), and an import never replaces a hub entry. Fix: name that entry itself"
          + " (model.hubModel: " + source.cardId() + "), or delete " + ModelHub.PREFIX + source.cardId() + "/ first");
    }
    try (HfModelDirectory directory = HfModelDirectory.open(source.files())) {
      directory.requireTokenizer();
      HfDecoderImport model = HfDecoderImport.of(directory);
      String prefix = ModelHub.PREFIX + source.cardId() + "/" + KILN_FOLDER;
      String weights = prefix + "model.safetensors";
      String tokenizer = prefix + "tokenizer.json";
      store.put(weights, model.safetensors());
      store.put(tokenizer, directory.requireTokenizer().bytes());
      if (source.files().exists(SpecialTokens.TOKENIZER_CONFIG)) {
        store.put(StoredTokenizer.configKey(tokenizer), source.files().readAll(SpecialTokens.TOKENIZER_CONFIG, 1 << 20));
      }
      ModelCard card = card(source, directory, model, weights, tokenizer);
      hub.publish(card);
      return card;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + source.files().describe() + ": " + e.getMessage(), e);
    }
  }

  private static ModelCard card(Source source, HfModelDirectory directory, HfDecoderImport model, String weights,
      String tokenizer) {
    Optional<HfReadme> readme = directory.readme();
    long parameters = model.llama() != null ? model.llama().parameters(model.shape()) : model.shape().parameters();
    List<String> languages = readme.map(HfReadme::languages).filter(l -> !l.isEmpty()).orElse(null);
    return new ModelCard(
        source.cardId(), Architecture.DECODER, Objective.CLM, parameters, model.shape(), tokenizer, weights,
        readme.map(HfReadme::license).orElse(null), languages,
        readme.flatMap(HfReadme::intendedUses).map(List::of).orElse(null),
        readme.map(r -> r.datasets().isEmpty() ? null : String.join(", ", r.datasets())).orElse(null),
        readme.flatMap(HfReadme::limitations).map(List::of).orElse(null),
        Map.of(), "imported from " + source.provenance() + " (" + model.modelType() + ")", null,
        model.llama() != null ? ModelType.LLAMA : ModelType.GPT2, model.llama(), model.activation(), source.provenance(),
        readme.map(HfReadme::datasets).filter(d -> !d.isEmpty()).orElse(null));
  }

  /** Where the files are, the hub id the import gets, and the provenance its card records. */
  private record Source(HfFileSource files, String cardId, String provenance) {}

  private Source resolve(String hubModel) {
    if (hubModel.startsWith(HF_PREFIX)) {
      HfModelId id = HfModelId.parse(hubModel.substring(HF_PREFIX.length()));
      HfHubSnapshot snapshot = hubClient.get().download(id);
      return new Source(HfFileSource.directory(snapshot.directory()), id.namespace() == null ? id.name()
          : id.namespace() + "--" + id.name(), HF_PREFIX + id.repoId() + "@" + snapshot.commit());
    }
    if (hubModel.startsWith("/")) {
      Path directory = Path.of(hubModel);
      if (!Files.isDirectory(directory)) {
        throw new HfImportException("model.hubModel '" + hubModel + "' is not a directory on this worker: a local"
            + " model must be on every worker that may select it. Fix: put it in the bucket under " + ModelHub.PREFIX
            + "<id>/ and name <id>, or name a Hugging Face model as hf:org/name");
      }
      String name = directory.getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "-");
      return new Source(HfFileSource.directory(directory), name, "file:" + directory.toAbsolutePath().normalize());
    }
    String prefix = ModelHub.PREFIX + hubModel + "/";
    return new Source(new StoreHfFiles(store, prefix), hubModel, "s3:" + prefix);
  }
}
