package dev.kiln.activities.hub;

import dev.kiln.activities.storage.ObjectStore;
import dev.kiln.workflows.Failures;
import dev.kiln.workflows.hub.ModelHubActivities;
import dev.kiln.workflows.hub.ModelSelection;
import dev.kiln.workflows.hub.SelectModelRequest;
import dev.kiln.workflows.scope.ScopePlan;
import dev.kiln.workflows.spec.RunSpec;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Stage 2: continue from a foundation model of the hub, or train from scratch. A card can be continued from
 * only if it matches the plan's architecture and objective, covers the use case's languages, and the hub
 * actually holds its weights and tokenizer in a shape Kiln can load.
 */
public final class ModelHubActivitiesImpl implements ModelHubActivities {
  private final ObjectStore store;
  private final ModelHub hub;

  public ModelHubActivitiesImpl(ObjectStore store) {
    this.store = store;
    this.hub = new ModelHub(store);
  }

  @Override
  public ModelSelection selectModel(SelectModelRequest request) {
    RunSpec spec = request.spec();
    ScopePlan plan = request.plan();
    String strategy = spec.model().strategy();
    if (strategy.equals("scratch")) {
      return scratch("the run spec asks for training from scratch (model.strategy: scratch)");
    }
    if (strategy.equals("continue")) {
      ModelCard card = hub.card(spec.model().hubModel());
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
      return continueFrom(card, "the run spec names it (model.strategy: continue)");
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
      return continueFrom(newest.get(), "it is the newest published hub model that fits (published "
          + newest.get().published() + ", " + usable.size() + " fit)" + notUsable);
    }
    Optional<ModelCard> best =
        usable.stream()
            .min(Comparator.comparingDouble(
                c -> Math.abs(Math.log((double) c.parameters() / plan.parameters()))));
    if (best.isPresent()) {
      return continueFrom(
          best.get(),
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
    if (card.shape().contextLength() != spec.training().contextLength()) {
      return Optional.of("its context length " + card.shape().contextLength() + " differs from the spec's "
          + spec.training().contextLength());
    }
    if (card.tokenizer() == null || !store.exists(card.tokenizer())) {
      return Optional.of("the hub has no tokenizer for it");
    }
    return Optional.empty();
  }

  private static ModelSelection scratch(String reason) {
    return new ModelSelection("scratch", null, "train from scratch: " + reason, null, null, null);
  }

  private static ModelSelection continueFrom(ModelCard card, String reason) {
    return new ModelSelection(
        "continue", card.id(), "continue pretraining from '" + card.id() + "': " + reason,
        card.weights(), card.tokenizer(), card.shape());
  }
}
