package dev.kiln.activities.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import dev.kiln.workflows.spec.CurationProfile;
import dev.kiln.workflows.spec.CurationStepSpec;
import dev.kiln.workflows.spec.InvalidRunSpecException;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.spec.RunSpecValidator;
import dev.kiln.workflows.spec.SpecProblem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** Reads a RunSpec from YAML and validates it; every failure names the file, the field and the fix. */
public final class RunSpecLoader {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
          .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
          .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);

  /**
   * Fields a file may leave out; {@code curation.rules} is never written by hand but read from the profile. The
   * {@code resilience} section and each of its fields have defaults (RunSpec.Resilience.DEFAULTS).
   */
  private static final Set<String> OPTIONAL_FIELDS =
      Set.of("useCase.description", "model.hubModel", "evaluation.prompts", "curation.rules", "data.onlyNew",
          "data.whenNothingNew", "evaluation.compareWithDecoder", "resilience");

  private static boolean optional(String field) {
    return OPTIONAL_FIELDS.contains(field) || field.startsWith("resilience.");
  }

  /** Names of the profile's step kinds, as they appear in YAML, and the record each binds to. */
  private static final Map<String, Class<?>> STEP_KINDS = Arrays.stream(
          CurationStepSpec.class.getAnnotation(JsonSubTypes.class).value())
      .collect(Collectors.toMap(JsonSubTypes.Type::name, JsonSubTypes.Type::value));

  private RunSpecLoader() {}

  public static RunSpec load(Path file) {
    String source = file.toString();
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem("(file)", "does not exist", "give the path of a run spec, e.g. configs/tiny-gpt.yaml")));
    } catch (IOException e) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem("(file)", "cannot be read: " + e.getMessage(), "check the path and its permissions")));
    }
    return parse(bytes, source, file.toAbsolutePath().getParent());
  }

  /** Parses a spec; {@code directory} is where the curation profile's relative path starts. */
  public static RunSpec parse(byte[] yaml, String source, Path directory) {
    RunSpec spec;
    try {
      JsonNode tree = YAML.readTree(yaml);
      if (tree == null || tree.isMissingNode() || tree.isNull()) {
        throw new InvalidRunSpecException(source, List.of(new SpecProblem("(file)", "is empty", "start from configs/tiny-gpt.yaml")));
      }
      List<SpecProblem> missing = new ArrayList<>();
      findMissingAndUnknown(tree, RunSpec.class, "", missing);
      if (!missing.isEmpty()) {
        throw new InvalidRunSpecException(source, missing);
      }
      if (tree.path("curation").has("rules")) {
        throw new InvalidRunSpecException(source, List.of(new SpecProblem("curation.rules",
            "is given inline", "remove it: the rules are read from the file that curation.profile names")));
      }
      spec = YAML.treeToValue(tree, RunSpec.class);
    } catch (UnrecognizedPropertyException e) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem(
          path(e), "is not a known field" + line(e),
          "remove it or fix its spelling; known fields here: "
              + e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", ")))));
    } catch (JsonMappingException e) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem(
          path(e), "has the wrong type or is missing" + line(e) + ": " + e.getOriginalMessage(),
          "give a value of the type the field needs (see configs/tiny-gpt.yaml)")));
    } catch (JsonProcessingException e) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem(
          "(yaml)", "is not valid YAML" + line(e) + ": " + e.getOriginalMessage(),
          "fix the YAML syntax (indentation, colons, quotes)")));
    } catch (IOException e) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem("(file)", "cannot be read: " + e.getMessage(), "check the file")));
    }
    spec = withProfile(spec, source, directory);
    RunSpecValidator.check(spec, source);
    return spec;
  }

  private static RunSpec withProfile(RunSpec spec, String source, Path directory) {
    RunSpec.CurationSpec c = spec.curation();
    if (c.profile() == null || c.profile().isBlank()) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem("curation.profile", "is missing",
          "name a curation profile relative to this file, e.g. curation/english-web.yaml")));
    }
    Path file = directory.resolve(c.profile()).normalize();
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem("curation.profile",
          "is '" + c.profile() + "', but " + file + " cannot be read (" + e.getClass().getSimpleName() + ")",
          "give the path of a profile relative to the run spec, e.g. curation/english-web.yaml")));
    }
    CurationProfile profile = parseProfile(bytes, file.toString());
    RunSpec.CurationSpec loaded = new RunSpec.CurationSpec(c.profile(), c.languages(), c.minLanguageConfidence(), profile);
    return new RunSpec(spec.name(), spec.useCase(), spec.budget(), spec.model(), spec.data(), loaded, spec.tokenizer(),
        spec.training(), spec.evaluation(), spec.resilience());
  }

  /** Reads a curation profile, reporting missing and unknown fields of every step by name. */
  static CurationProfile parseProfile(byte[] yaml, String source) {
    try {
      JsonNode tree = YAML.readTree(yaml);
      if (tree == null || tree.isMissingNode() || tree.isNull()) {
        throw new InvalidRunSpecException(source, List.of(new SpecProblem("(file)", "is empty", "start from configs/curation/english-web.yaml")));
      }
      List<SpecProblem> problems = new ArrayList<>();
      findMissingAndUnknown(tree, CurationProfile.class, "", problems);
      JsonNode steps = tree.path("steps");
      for (int i = 0; i < steps.size(); i++) {
        JsonNode step = steps.get(i);
        String at = "steps[" + i + "]";
        String kind = step.isObject() && step.size() == 1 ? step.fieldNames().next() : null;
        if (kind == null || !STEP_KINDS.containsKey(kind)) {
          problems.add(new SpecProblem(at, "is not one of the known steps",
              "write '- <step>: {...}' with <step> one of " + STEP_KINDS.keySet().stream().sorted().toList()));
        } else {
          findMissingAndUnknown(step.get(kind), STEP_KINDS.get(kind), at + "." + kind, problems);
        }
      }
      if (!problems.isEmpty()) {
        throw new InvalidRunSpecException(source, problems);
      }
      return YAML.treeToValue(tree, CurationProfile.class);
    } catch (JsonMappingException e) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem(
          path(e), "has the wrong type" + line(e) + ": " + e.getOriginalMessage(),
          "give a value of the type the field needs (see configs/curation/english-web.yaml)")));
    } catch (JsonProcessingException e) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem(
          "(yaml)", "is not valid YAML" + line(e) + ": " + e.getOriginalMessage(), "fix the YAML syntax")));
    } catch (IOException e) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem("(file)", "cannot be read: " + e.getMessage(), "check the file")));
    }
  }

  /**
   * Fields that a YAML file must give (every record component but the few optional ones) and fields it must
   * not (typos), checked before binding so a forgotten field is reported by name instead of becoming 0.
   */
  private static void findMissingAndUnknown(JsonNode node, Class<?> type, String path, List<SpecProblem> problems) {
    if (!node.isObject()) {
      return; // a scalar where a section belongs: reported by binding with its type
    }
    for (RecordComponent component : type.getRecordComponents()) {
      String field = path.isEmpty() ? component.getName() : path + "." + component.getName();
      JsonNode value = node.get(component.getName());
      if (value == null || value.isNull()) {
        if (!optional(field)) {
          problems.add(new SpecProblem(field, "is missing", "add it (see configs/tiny-gpt.yaml for every field with a comment)"));
        }
      } else if (component.getType().isRecord()) {
        findMissingAndUnknown(value, component.getType(), field, problems);
      }
    }
    List<String> known = Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).toList();
    node.fieldNames().forEachRemaining(name -> {
      if (!known.contains(name)) {
        problems.add(new SpecProblem(path.isEmpty() ? name : path + "." + name, "is not a known field",
            "remove it or fix its spelling; known fields here: " + String.join(", ", known)));
      }
    });
  }

  private static String path(JsonMappingException e) {
    String p = e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."))
        .replace(".[", "[");
    return p.isEmpty() ? "(root)" : p;
  }

  private static String line(JsonProcessingException e) {
    return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
  }
}
