package dev.kiln.activities.curation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.optimaize.langdetect.profiles.LanguageProfile;
import com.optimaize.langdetect.profiles.LanguageProfileReader;
import dev.kiln.workflows.spec.Languages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The validator's pinned language sets are what the detector and the fetched lists really hold. */
class SupportedLanguagesTest {
  private static final Path DATA = Path.of(System.getenv().getOrDefault("KILN_DATA_DIR",
      System.getProperty("user.home") + "/.cache/kiln/data"));

  @Test
  void languageIdentificationProfiles() throws IOException {
    Set<String> codes = new TreeSet<>();
    for (LanguageProfile profile : new LanguageProfileReader().readAllBuiltIn()) {
      codes.add(profile.getLocale().getLanguage()); // what LanguageFilter compares
    }
    assertEquals(new TreeSet<>(Languages.IDENTIFIED), codes);
  }

  @Test
  void badWordListsAndStopWordsAsFetched() throws IOException {
    Path lists = DATA.resolve("lists");
    Assumptions.assumeTrue(Files.isDirectory(lists.resolve("ldnoobw")), "no fetched lists in " + DATA);
    try (Stream<Path> files = Files.list(lists.resolve("ldnoobw"))) {
      Set<String> codes = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".json"))
          .map(n -> n.substring(0, n.length() - 5)).filter(n -> !n.contains("-")).collect(Collectors.toCollection(TreeSet::new));
      assertEquals(new TreeSet<>(Languages.BAD_WORD_LISTS), codes);
    }
    Set<String> stop = new TreeSet<>();
    new ObjectMapper().readTree(lists.resolve("stopwords-iso.json").toFile()).fieldNames().forEachRemaining(stop::add);
    assertEquals(new TreeSet<>(Languages.STOP_WORDS), stop);
  }
}
