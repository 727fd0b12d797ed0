package dev.kiln.activities.hf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What a model's README.md (its Hub model card) says that Kiln carries into its own card: the YAML front matter's
 * license, languages, datasets, tags, base model and pipeline tag, and the text of its markdown sections by
 * heading. Lists are empty and strings null where the card does not say.
 *
 * @param sections heading text to the section's body (up to the next heading of any level), in card order
 */
public record HfReadme(
    String license,
    List<String> languages,
    List<String> datasets,
    List<String> tags,
    List<String> baseModels,
    String pipelineTag,
    Map<String, String> sections) {
  public HfReadme {
    languages = List.copyOf(languages);
    datasets = List.copyOf(datasets);
    tags = List.copyOf(tags);
    baseModels = List.copyOf(baseModels);
    sections = Collections.unmodifiableMap(new LinkedHashMap<>(sections));
  }

  /**
   * The first section whose heading starts with {@code prefix}, ignoring case: "Intended uses" finds "Intended uses
   * &amp; limitations".
   */
  public Optional<String> section(String prefix) {
    String wanted = prefix.toLowerCase(Locale.ROOT);
    return sections.entrySet().stream()
        .filter(e -> e.getKey().toLowerCase(Locale.ROOT).startsWith(wanted))
        .map(Map.Entry::getValue)
        .findFirst();
  }

  /** "Intended uses", else the Hub template's "Uses" / "Direct Use". */
  public Optional<String> intendedUses() {
    return section("Intended use").or(() -> section("Uses")).or(() -> section("Direct use"));
  }

  /** "Limitations", else the Hub template's "Bias, Risks, and Limitations". */
  public Optional<String> limitations() {
    return section("Limitations")
        .or(() -> sections.entrySet().stream()
            .filter(e -> e.getKey().toLowerCase(Locale.ROOT).contains("limitation"))
            .map(Map.Entry::getValue)
            .findFirst());
  }
}
