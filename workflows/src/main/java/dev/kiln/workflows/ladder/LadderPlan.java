package dev.kiln.workflows.ladder;

import java.util.List;

/**
 * The rungs of a ladder, smallest budget and size first, and what the plan says about them (one line per budget).
 */
public record LadderPlan(List<LadderRung> rungs, String summary) {}
