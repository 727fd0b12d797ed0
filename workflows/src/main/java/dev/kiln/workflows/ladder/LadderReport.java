package dev.kiln.workflows.ladder;

import java.util.List;

/**
 * What the fit wrote: keys under {@code ladders/<id>/} and a few lines for the CLI and the Web UI.
 *
 * @param files every object written: report.json, report.txt, the plots (PNG) and the ladder card (README.md)
 * @param summary the fitted law and the compute-optimal prediction in a few lines
 */
public record LadderReport(String reportKey, String textKey, String cardKey, List<String> files, int points,
    String summary) {}
