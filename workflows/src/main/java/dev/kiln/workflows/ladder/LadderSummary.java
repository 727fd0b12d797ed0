package dev.kiln.workflows.ladder;

import java.util.List;

/**
 * A finished ladder.
 *
 * @param failed rungs that failed every attempt, with why ("c1e12-d256: ..."); the fit used the others
 */
public record LadderSummary(
    String ladderId, String manifestKey, List<RungResult> rungs, List<String> failed, LadderReport report) {}
