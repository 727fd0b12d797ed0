package dev.kiln.activities.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kiln.workflows.spec.InvalidRunSpecException;
import dev.kiln.workflows.spec.RunSpec;
import dev.kiln.workflows.spec.RunSpecValidator;
import dev.kiln.workflows.spec.SpecProblem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** Reads a RunSpec from YAML and validates it; every failure names the file, the field and the fix. */
public final class RunSpecLoader {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
          .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
          .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);

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
    return parse(bytes, source);
  }

  public static RunSpec parse(byte[] yaml, String source) {
    RunSpec spec;
    try {
      spec = YAML.readValue(yaml, RunSpec.class);
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
    RunSpecValidator.check(spec, source);
    return spec;
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
