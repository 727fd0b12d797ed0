package dev.kiln.workflows.pretraining;

import java.util.Map;

/**
 * Where a run is: the current stage, the ids of its child workflows (to ask them for detail), and
 * the wall time of the stages already done.
 */
public record RunProgress(
    String stage, String curationWorkflowId, String trainingWorkflowId, Map<String, Long> stageMillis) {}
