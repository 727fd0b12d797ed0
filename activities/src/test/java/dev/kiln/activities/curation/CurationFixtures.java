package dev.kiln.activities.curation;

import dev.kiln.workflows.spec.CurationProfile;
import dev.kiln.workflows.spec.CurationStepSpec;
import dev.kiln.workflows.spec.RunSpec.CurationSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToIntFunction;

/** Shared inputs of the curation tests. */
final class CurationFixtures {

  /** Gopher's published quality thresholds. */
  static final CurationStepSpec.GopherQuality GOPHER_QUALITY =
      new CurationStepSpec.GopherQuality(50, 100_000, 3, 10, 0.1, 0.9, 0.3, 0.8, 2);

  /** English only, Gopher quality rules, both dedups with FineWeb's MinHash settings. */
  static final CurationSpec GOPHER_ENGLISH = new CurationSpec("gopher.yaml", List.of("en"), 0.65,
      new CurationProfile("gopher", List.of(GOPHER_QUALITY), true, new CurationProfile.NearDedup(14, 8, 5)));

  static final ToIntFunction<String> WHITESPACE_TOKENS =
      text -> text.isBlank() ? 0 : text.strip().split("\\s+").length;

  static final String ENGLISH_PARAGRAPH =
      "The Debian project is an association of individuals who have made common cause to create a free "
          + "operating system. Packages are maintained by volunteers, and the distribution is released when it "
          + "is ready rather than on a fixed date. Users of the system can follow the development of the next "
          + "version and report the problems that they find with the software they use every day.";

  static final String FRENCH_PARAGRAPH =
      "Le projet Debian est une association de personnes qui ont fait cause commune pour créer un système "
          + "d'exploitation libre. Les paquets sont maintenus par des bénévoles, et la distribution est publiée "
          + "quand elle est prête plutôt qu'à une date fixe. Les utilisateurs du système peuvent suivre le "
          + "développement de la prochaine version et signaler les problèmes qu'ils rencontrent chaque jour.";

  static Path dataDir() {
    String configured = System.getenv("KILN_DATA_DIR");
    return configured != null ? Path.of(configured) : Path.of(System.getProperty("user.home"), ".cache/kiln/data");
  }

  static boolean hasHandbook() {
    return Files.isDirectory(dataDir().resolve("raw/debian-handbook/en-US"));
  }

  private CurationFixtures() {}
}
