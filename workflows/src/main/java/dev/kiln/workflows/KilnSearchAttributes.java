package dev.kiln.workflows;

import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.common.SearchAttributeKey;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Custom search attributes on every run, upserted as it progresses, so runs can be found and watched in the
 * Temporal Web UI and with visibility queries such as {@code KilnStage='pretrain' AND KilnArchitecture='decoder'}.
 * A namespace must have them registered before a run upserts them (the embedded stack and
 * infra/start-temporal-dev.sh do it; {@code kiln setup} does it on any cluster).
 */
public final class KilnSearchAttributes {
  public static final SearchAttributeKey<String> STAGE = SearchAttributeKey.forKeyword("KilnStage");
  public static final SearchAttributeKey<String> ARCHITECTURE = SearchAttributeKey.forKeyword("KilnArchitecture");
  public static final SearchAttributeKey<String> OBJECTIVE = SearchAttributeKey.forKeyword("KilnObjective");
  public static final SearchAttributeKey<Long> STEP = SearchAttributeKey.forLong("KilnStep");
  public static final SearchAttributeKey<Long> TOKENS_SEEN = SearchAttributeKey.forLong("KilnTokensSeen");
  public static final SearchAttributeKey<Double> LOSS = SearchAttributeKey.forDouble("KilnLoss");
  /** Productive training time / wall time of the training stage so far (see the goodput ledger). */
  public static final SearchAttributeKey<Double> GOODPUT = SearchAttributeKey.forDouble("KilnGoodput");
  /** The scaling-law ladder a workflow belongs to: the ladder itself and each rung's training (docs/ladders.md). */
  public static final SearchAttributeKey<String> LADDER = SearchAttributeKey.forKeyword("KilnLadder");
  /** A ladder rung's IsoFLOP compute budget C in FLOPs (0 for an explicit point). */
  public static final SearchAttributeKey<Double> BUDGET = SearchAttributeKey.forDouble("KilnBudget");
  /**
   * A ladder rung's non-embedding parameters N. (D is in the rung's summary, not an attribute: SQL visibility stores, the
   * dev server's SQLite included, allow 3 Int attributes, and KilnStep, KilnTokensSeen and this are those.)
   */
  public static final SearchAttributeKey<Long> PARAMETERS = SearchAttributeKey.forLong("KilnParameters");

  private KilnSearchAttributes() {}

  /** Every attribute with its index type, for registration. */
  public static Map<String, IndexedValueType> all() {
    Map<String, IndexedValueType> all = new LinkedHashMap<>();
    all.put(STAGE.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    all.put(ARCHITECTURE.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    all.put(OBJECTIVE.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    all.put(STEP.getName(), IndexedValueType.INDEXED_VALUE_TYPE_INT);
    all.put(TOKENS_SEEN.getName(), IndexedValueType.INDEXED_VALUE_TYPE_INT);
    all.put(LOSS.getName(), IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE);
    all.put(GOODPUT.getName(), IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE);
    all.put(LADDER.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    all.put(BUDGET.getName(), IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE);
    all.put(PARAMETERS.getName(), IndexedValueType.INDEXED_VALUE_TYPE_INT);
    return all;
  }
}
