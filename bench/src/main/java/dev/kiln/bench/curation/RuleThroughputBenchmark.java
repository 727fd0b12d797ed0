package dev.kiln.bench.curation;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.activities.curation.C4QualityFilter;
import dev.kiln.activities.curation.CurationStep;
import dev.kiln.activities.curation.Document;
import dev.kiln.activities.curation.FineWebQualityFilter;
import dev.kiln.activities.curation.GopherQualityFilter;
import dev.kiln.activities.curation.GopherRepetitionFilter;
import dev.kiln.activities.curation.HtmlTextExtractor;
import dev.kiln.activities.curation.LanguageFilter;
import dev.kiln.activities.curation.RawDocument;
import dev.kiln.activities.curation.StepOutcome;
import dev.kiln.activities.curation.TextDecoder;
import dev.kiln.activities.spec.RunSpecLoader;
import dev.kiln.worker.cli.Paths;
import dev.kiln.workflows.spec.CurationStepSpec;
import dev.kiln.workflows.spec.RunSpec;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Kiln's half of bench/datatrove: the documents of a run spec's corpora that reach the rule steps (decoded,
 * extracted, in the run's languages) are written as JSON lines for DataTrove to read, then the four rule sets
 * both implement (Gopher repetition, Gopher quality, C4, FineWeb; thresholds from the profile) run over them
 * on one thread. Prints documents kept per step and {@code kiln_docs_per_second=...}. The second of two
 * passes is timed, so the JIT has compiled the rules. bench/datatrove/run.sh runs it.
 */
public final class RuleThroughputBenchmark {

  public static void main(String[] args) throws IOException {
    RunSpec spec = RunSpecLoader.load(Path.of(args[0]));
    Path out = Path.of(args[1]);
    Path data = Paths.dataDir(null);
    List<Document> input = extracted(spec, data);
    ObjectMapper json = new ObjectMapper();
    try (BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      for (Document doc : input) {
        writer.write(json.writeValueAsString(Map.of("id", doc.id(), "text", doc.text())));
        writer.newLine();
      }
    }
    List<CurationStep> rules = new ArrayList<>();
    for (CurationStepSpec step : spec.curation().rules().steps()) {
      if (step instanceof CurationStepSpec.GopherRepetition r) {
        rules.add(new GopherRepetitionFilter(r));
      } else if (step instanceof CurationStepSpec.GopherQuality q) {
        rules.add(new GopherQualityFilter(q));
      } else if (step instanceof CurationStepSpec.C4 c4) {
        rules.add(new C4QualityFilter(c4));
      } else if (step instanceof CurationStepSpec.FineWeb f) {
        rules.add(new FineWebQualityFilter(f));
      }
    }
    run(rules, input);
    long start = System.nanoTime();
    List<Integer> kept = run(rules, input);
    double seconds = (System.nanoTime() - start) / 1e9;
    for (int i = 0; i < rules.size(); i++) {
      System.out.printf("kiln %-18s kept %,d%n", rules.get(i).name(), kept.get(i));
    }
    System.out.printf("kiln: %,d documents (%,d MB of text) in %.2f s on one thread%n", input.size(),
        input.stream().mapToLong(doc -> doc.text().length()).sum() >> 20, seconds);
    System.out.printf("kiln_docs_per_second=%.1f%n", input.size() / seconds);
  }

  /** Applies the rules in order, each to what the previous kept; returns how many each kept. */
  private static List<Integer> run(List<CurationStep> rules, List<Document> input) {
    List<Integer> kept = new ArrayList<>();
    List<Document> current = input;
    for (CurationStep rule : rules) {
      List<Document> next = new ArrayList<>();
      for (Document doc : current) {
        if (rule.apply(doc) instanceof StepOutcome.Keep keep) {
          next.add(keep.document());
        }
      }
      kept.add(next.size());
      current = next;
    }
    return kept;
  }

  private static List<Document> extracted(RunSpec spec, Path data) throws IOException {
    TextDecoder decoder = new TextDecoder();
    HtmlTextExtractor extractor = new HtmlTextExtractor();
    LanguageFilter language = new LanguageFilter(spec.curation().languages(), spec.curation().minLanguageConfidence());
    List<Document> docs = new ArrayList<>();
    for (String prefix : spec.data().rawPrefixes()) {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(data.resolve(prefix))) {
        files = walk.filter(Files::isRegularFile).sorted().toList();
      }
      for (Path file : files) {
        StepOutcome outcome = decoder.decode(RawDocument.of(data.relativize(file).toString(), Files.readAllBytes(file)));
        if (outcome instanceof StepOutcome.Keep decoded
            && extractor.apply(decoded.document()) instanceof StepOutcome.Keep text
            && language.apply(text.document()) instanceof StepOutcome.Keep kept) {
          docs.add(kept.document());
        }
      }
    }
    return docs;
  }
}
