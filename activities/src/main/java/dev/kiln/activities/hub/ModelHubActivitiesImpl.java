package dev.kiln.activities.hub;

import dev.kiln.activities.KeepAlive;
import dev.kiln.activities.hf.HfHubClient;
import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.hub.ModelHubActivities;
import dev.kiln.workflows.hub.ModelSelection;
import dev.kiln.workflows.hub.SelectModelRequest;
import dev.kiln.workflows.scope.ModelShape;
import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Stage 2: continue from a foundation model of the hub, or train from scratch. A card can be continued from
 * only if it matches the plan's architecture and objective, covers the use case's languages, and the hub
 * actually holds its weights and tokenizer in a shape Kiln can load.
 */
public final class ModelHubActivitiesImpl implements ModelHubActivities {
  private final ObjectStore store;
  private final ModelHub hub;

  private final HfModelImport imports;

  public ModelHubActivitiesImpl(ObjectStore store) {
    this(store, HfHubClient::fromEnvironment);
  }

  /** With the Hugging Face Hub client that {@code hf:} models download through. */
  public ModelHubActivitiesImpl(ObjectStore store, Supplier<HfHubClient> hubClient) {
    this.store = store;
    this.hub = new ModelHub(store);
    this.imports = new HfModelImport(store, hub, hubClient);
  }

  @Override
  public ModelSelection selectModel(SelectModelRequest request) {
    RunSpec spec = request.spec();
    ScopePlan plan = request.plan();
    String strategy = spec.model().strategy();
    if (strategy.equals("scratch")) {
      return scratch("the run spec asks for training from scratch (model.strategy: scratch)");
    }
    String hubModel = spec.model().hubModel();
    if (hubModel != null && !hubModel.isBlank() && imports.names(hubModel)) {
      ModelCard imported = importModel(hubModel);
      Optional<String> unusable = whyUnusable(imported, plan, spec);
      if (unusable.isEmpty()) {
        return continueFrom(imported, spec, "the run spec names it (model.strategy: " + strategy + ", imported from "
            + imported.source() + ")");
      }
      if (strategy.equals("continue")) {
        throw ApplicationFailure.newNonRetryableFailure(
            "cannot continue from '" + hubModel + "': " + unusable.get()
                + ". Fix: choose another model.hubModel, or use model.strategy: auto or scratch",
            Failures.INVALID_RUN_SPEC);
      }
    }
    if (strategy.equals("continue")) {
      ModelCard card = hub.card(hubModel);
      if (card == null) {
        throw ApplicationFailure.newNonRetryableFailure(
            "model.hubModel '" + spec.model().hubModel() + "' is not in the hub (" + ModelHub.PREFIX
                + "); known: " + hub.cards().stream().map(ModelCard::id).toList()
                + ". Fix: name a hub model, or use model.strategy: auto",
            Failures.INVALID_RUN_SPEC);
      }
      Optional<String> unusable = whyUnusable(card, plan, spec);
      if (unusable.isPresent()) {
        throw ApplicationFailure.newNonRetryableFailure(
            "cannot continue from hub model '" + card.id() + "': " + unusable.get()
                + ". Fix: choose another model.hubModel, or use model.strategy: auto or scratch",
            Failures.INVALID_RUN_SPEC);
      }
      return continueFrom(card, spec, "the run spec names it (model.strategy: continue)");
    }

    List<String> rejected = new ArrayList<>();
    List<ModelCard> usable = new ArrayList<>();
    for (ModelCard card : hub.cards()) {
      Optional<String> why = whyUnusable(card, plan, spec);
      if (why.isPresent()) {
        rejected.add(card.id() + ": " + why.get());
      } else {
        usable.add(card);
      }
    }
    // the newest model Kiln published wins (a nightly run continues from last night's); among cards seeded
    // without a publication time, the one nearest the compute-optimal size
    Optional<ModelCard> newest = usable.stream().filter(c -> c.published() != null)
        .max(Comparator.comparing((ModelCard c) -> Instant.parse(c.published())));
    String notUsable = rejected.isEmpty() ? "" : "; not usable: " + String.join("; ", rejected);
    if (newest.isPresent()) {
      return continueFrom(newest.get(), spec, "it is the newest published hub model that fits (published "
          + newest.get().published() + ", " + usable.size() + " fit)" + notUsable);
    }
    Optional<ModelCard> best =
        usable.stream()
            .min(Comparator.comparingDouble(
                c -> Math.abs(Math.log((double) c.parameters() / plan.parameters()))));
    if (best.isPresent()) {
      return continueFrom(
          best.get(), spec,
          "it is the hub model nearest the compute-optimal size (" + plan.parameters()
              + " parameters) among " + usable.size() + " that fit" + notUsable);
    }
    return scratch(
        "no hub model can be continued from"
            + (rejected.isEmpty() ? " (the hub is empty)" : ": " + String.join("; ", rejected)));
  }

  private Optional<String> whyUnusable(ModelCard card, ScopePlan plan, RunSpec spec) {
    if (!plan.architecture().equals(card.architecture()) || !plan.objective().equals(card.objective())) {
      return Optional.of("it is " + card.architecture() + "/" + card.objective() + ", the plan needs "
          + plan.architecture() + "/" + plan.objective());
    }
    if (card.languages() != null && !card.languages().containsAll(spec.useCase().languages())) {
      return Optional.of("it covers " + card.languages() + ", the use case needs " + spec.useCase().languages());
    }
    if (card.weights() == null || !store.exists(card.weights())) {
      return Optional.of("the hub has no weights for it" + (card.weights() == null ? "" : " at " + card.weights()));
    }
    if (card.shape() == null) {
      return Optional.of("its card gives no exact shape, so Kiln cannot load its weights");
    }
    String named = spec.training().architecture();
    if (named != null && !card.modelTypeOrLegacy().id().equals(named)) {
      return Optional.of("it is a " + card.modelTypeOrLegacy() + ", the spec's training.architecture is " + named);
    }
    if (card.llama() != null) {
      // rotary positions have no table of learned positions: a Llama trains on any context up to its own
      if (spec.training().contextLength() > card.shape().contextLength()) {
        return Optional.of("training.contextLength " + spec.training().contextLength() + " is above its"
            + " max_position_embeddings " + card.shape().contextLength());
      }
    } else if (card.shape().contextLength() != spec.training().contextLength()) {
      return Optional.of("its context length " + card.shape().contextLength() + " differs from the spec's "
          + spec.training().contextLength() + " (set training.contextLength to " + card.shape().contextLength() + ")");
    }
    if (card.activation() != null && spec.training().activation() != null
        && !card.activation().id().equals(spec.training().activation())) {
      return Optional.of("it computes its MLP with " + card.activation() + ", the spec's training.activation is "
          + spec.training().activation() + " (drop training.activation: a continued model keeps its own)");
    }
    if (card.tokenizer() == null || !store.exists(card.tokenizer())) {
      return Optional.of("the hub has no tokenizer for it");
    }
    return Optional.empty();
  }

  private static ModelSelection scratch(String reason) {
    return new ModelSelection("scratch", null, "train from scratch: " + reason, null, null, null);
  }

  /** A Llama trains at the spec's context length (at most its own); Kiln's GPT at the card's. */
  private static ModelSelection continueFrom(ModelCard card, RunSpec spec, String reason) {
    ModelShape shape = card.llama() == null ? card.shape() : new ModelShape(card.shape().vocabSize(),
        spec.training().contextLength(), card.shape().dModel(), card.shape().layers(), card.shape().heads());
    return new ModelSelection(
        "continue", card.id(), "continue pretraining from '" + card.id() + "': " + reason,
        card.weights(), card.tokenizer(), shape, card.modelType(), card.llama(), card.activation());
  }

  /** Imports while heartbeating: a download and conversion of a large model takes minutes. */
  private ModelCard importModel(String hubModel) {
    try (KeepAlive ignored = KeepAlive.start(Activity.getExecutionContext(), Duration.ofSeconds(5))) {
      return imports.importModel(hubModel);
    } catch (IllegalArgumentException badInput) {
      throw ApplicationFailure.newNonRetryableFailure(badInput.getMessage(), Failures.INVALID_RUN_SPEC);
    }
  }
}
