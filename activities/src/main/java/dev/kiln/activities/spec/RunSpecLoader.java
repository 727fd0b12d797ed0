package dev.kiln.activities.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
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
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
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
  /**
   * Strict YAML: a key given twice is an error (not the last one winning), and {@code .nan}/{@code .inf} parse
   * as numbers so that validation can reject them by field name ("is not a finite number").
   */
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION))
          .enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS)
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
          .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
          .configure(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY, true)
          .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);

  /** A run spec or profile is a few kB; anything much larger is the wrong file and is not read into a parser. */
  static final int MAX_FILE_BYTES = 1 << 20;
  /** Longest excerpt of the input that a message quotes. */
  static final int MAX_EXCERPT = 40;

  /**
   * Fields a file may leave out; {@code curation.rules} is never written by hand but read from the profile ({@code urlDedup}
   * is a profile's optional field). The
   * {@code resilience} section and each of its fields have defaults (RunSpec.Resilience.DEFAULTS).
   */
  private static final Set<String> OPTIONAL_FIELDS =
      Set.of("useCase.description", "model.hubModel", "evaluation.prompts", "curation.rules", "data.onlyNew",
          "data.whenNothingNew", "data.format", "data.fields", "data.fields.text", "data.fields.id", "data.fields.url",
          "data.recordsPerShard", "budget.ladder", "training.activation", "training.architecture", "evaluation.compareWithDecoder",
          "resilience", "tokenizer.trainingSampleChars", "urlDedup", "curation.languageModel");

  /** Step fields that are alternatives (one of a threshold and a keep fraction) or have defaults, as kind.field. */
  private static final Set<String> OPTIONAL_STEP_FIELDS = Set.of("qualityClassifier.minScore",
      "qualityClassifier.keepFraction", "perplexity.maxPerplexity", "perplexity.keepFraction", "perplexity.maxTokens");

  private static boolean optional(String field) {
    if (field.startsWith("steps[")) {
      String[] parts = field.split("\\.");
      if (parts.length == 3 && OPTIONAL_STEP_FIELDS.contains(parts[1] + "." + parts[2])) {
        return true;
      }
    }
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
      if (Files.isDirectory(file)) {
        throw new InvalidRunSpecException(source, List.of(new SpecProblem("(file)", "is a directory",
            "give the path of a run spec file, e.g. configs/tiny-gpt.yaml")));
      }
      bytes = readBounded(file, source, "a run spec", "configs/tiny-gpt.yaml");
    } catch (NoSuchFileException e) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem("(file)", "does not exist", "give the path of a run spec, e.g. configs/tiny-gpt.yaml")));
    } catch (IOException e) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem("(file)", "cannot be read (" + e.getClass().getSimpleName() + ")", "check the path and its permissions")));
    }
    return parse(bytes, source, file.toAbsolutePath().getParent());
  }

  /**
   * Reads at most {@link #MAX_FILE_BYTES} of {@code file}: a larger one, or one that is not text, is refused
   * without its content in the message.
   */
  private static byte[] readBounded(Path file, String source, String what, String example) throws IOException {
    long size = Files.size(file);
    if (size > MAX_FILE_BYTES) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem("(file)",
          "is " + size + " bytes, too large for " + what + " (at most " + MAX_FILE_BYTES + ")",
          "give the path of " + what + ", e.g. " + example)));
    }
    return Files.readAllBytes(file);
  }

  /** Refuses bytes that are not UTF-8 text (a binary file, an archive, a model) before YAML sees them. */
  private static void requireText(byte[] bytes, String source, String what, String example) {
    if (bytes.length > MAX_FILE_BYTES) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem("(file)",
          "is " + bytes.length + " bytes, too large for " + what + " (at most " + MAX_FILE_BYTES + ")",
          "give the path of " + what + ", e.g. " + example)));
    }
    int line = 1;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == 0) {
        throw notText(source, what, example, line);
      }
      if (bytes[i] == '\n') {
        line++;
      }
    }
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
    } catch (CharacterCodingException e) {
      throw notText(source, what, example, -1);
    }
  }

  private static InvalidRunSpecException notText(String source, String what, String example, int line) {
    return new InvalidRunSpecException(source, List.of(new SpecProblem("(file)",
        "is not a text file" + (line > 0 ? " (binary content on line " + line + ")" : " (not UTF-8)"),
        "give the path of " + what + " (YAML), e.g. " + example)));
  }

  /** Reads YAML into a tree, with YAML's own non-finite floats (.nan, .inf, -.inf) read as numbers. */
  private static JsonNode readTree(byte[] yaml) throws IOException {
    try (JsonParser parser = new NonFiniteFloats(YAML.getFactory().createParser(yaml))) {
      return YAML.readTree(parser);
    }
  }

  /**
   * The YAML parser tokenizes {@code .nan} and {@code .inf} as floats but cannot give their value ("Malformed
   * numeric value"); this gives it, so they bind and validation rejects them by field ("is not a finite number").
   */
  private static final class NonFiniteFloats extends com.fasterxml.jackson.core.util.JsonParserDelegate {
    NonFiniteFloats(JsonParser parser) {
      super(parser);
    }

    private Double nonFinite() throws IOException {
      if (currentToken() != JsonToken.VALUE_NUMBER_FLOAT) {
        return null;
      }
      String text = getText();
      if (text == null) {
        return null;
      }
      return switch (text) {
        case ".nan", ".NaN", ".NAN" -> Double.NaN;
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF" -> Double.POSITIVE_INFINITY;
        case "-.inf", "-.Inf", "-.INF" -> Double.NEGATIVE_INFINITY;
        default -> null;
      };
    }

    @Override
    public double getDoubleValue() throws IOException {
      Double v = nonFinite();
      return v != null ? v : super.getDoubleValue();
    }

    @Override
    public float getFloatValue() throws IOException {
      Double v = nonFinite();
      return v != null ? v.floatValue() : super.getFloatValue();
    }

    @Override
    public Number getNumberValue() throws IOException {
      Double v = nonFinite();
      return v != null ? v : super.getNumberValue();
    }

    @Override
    public Number getNumberValueExact() throws IOException {
      Double v = nonFinite();
      return v != null ? v : super.getNumberValueExact();
    }

    @Override
    public Object getNumberValueDeferred() throws IOException {
      Double v = nonFinite();
      return v != null ? v : super.getNumberValueDeferred();
    }

    @Override
    public NumberType getNumberType() throws IOException {
      return nonFinite() != null ? NumberType.DOUBLE : super.getNumberType();
    }

    @Override
    public NumberTypeFP getNumberTypeFP() throws IOException {
      return nonFinite() != null ? NumberTypeFP.DOUBLE64 : super.getNumberTypeFP();
    }

    @Override
    public boolean isNaN() throws IOException {
      return nonFinite() != null || super.isNaN();
    }
  }

  /** Parses a spec; {@code directory} is where the curation profile's relative path starts. */
  public static RunSpec parse(byte[] yaml, String source, Path directory) {
    RunSpec spec;
    requireText(yaml, source, "a run spec", "configs/tiny-gpt.yaml");
    try {
      JsonNode tree = readTree(yaml);
      if (tree == null || tree.isMissingNode() || tree.isNull()) {
        throw new InvalidRunSpecException(source, List.of(new SpecProblem("(file)", "is empty", "start from configs/tiny-gpt.yaml")));
      }
      if (!tree.isObject()) {
        throw new InvalidRunSpecException(source, List.of(new SpecProblem("(file)",
            "is not a YAML mapping of fields (it holds " + kind(tree) + ")", "give the path of a run spec, e.g. configs/tiny-gpt.yaml")));
      }
      if (tree.path("curation").has("rules")) {
        int line = lineOf(yaml, "/curation/rules");
        throw new InvalidRunSpecException(source, List.of(new SpecProblem("curation.rules",
            "is given inline" + (line > 0 ? " (line " + line + ")" : ""),
            "remove it: the rules are read from the file that curation.profile names")));
      }
      List<SpecProblem> missing = new ArrayList<>();
      findMissingAndUnknown(tree, RunSpec.class, "", missing, yaml);
      if (!missing.isEmpty()) {
        throw new InvalidRunSpecException(source, missing);
      }
      spec = YAML.treeToValue(tree, RunSpec.class);
    } catch (UnrecognizedPropertyException e) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem(
          path(e), "is not a known field" + line(e, yaml),
          "remove it or fix its spelling; known fields here: "
              + e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", ")))));
    } catch (JsonMappingException e) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem(
          path(e), wrongType(e) + line(e, yaml),
          "give a value of the type the field needs (see configs/tiny-gpt.yaml)")));
    } catch (JsonProcessingException e) {
      throw new InvalidRunSpecException(source, List.of(syntaxProblem(e, "fix the YAML syntax (indentation, colons, quotes)")));
    } catch (IOException e) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem("(file)", "cannot be read (" + e.getClass().getSimpleName() + ")", "check the file")));
    }
    spec = withModelPath(withProfile(spec, source, directory), source, directory);
    RunSpecValidator.check(spec, source);
    return spec;
  }

  /**
   * {@code model.hubModel} may be a Hugging Face model directory on disk, written relative to the spec ({@code ./} or
   * {@code ../}) or absolute: it travels to the workers as an absolute path, checked here so a typo fails now.
   */
  private static RunSpec withModelPath(RunSpec spec, String source, Path directory) {
    String hubModel = spec.model() == null ? null : spec.model().hubModel();
    if (hubModel == null || !(hubModel.startsWith("./") || hubModel.startsWith("../") || hubModel.startsWith("/"))) {
      return spec;
    }
    Path model = directory.resolve(hubModel).toAbsolutePath().normalize();
    if (!Files.isRegularFile(model.resolve("config.json"))) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem("model.hubModel",
          "is '" + hubModel + "', but " + model + (Files.isDirectory(model) ? " has no config.json" : " is not a directory"),
          "give a Hugging Face model directory (config.json, model.safetensors, tokenizer.json) relative to this file,"
              + " a hub model id, or hf:org/name[@revision]")));
    }
    return new RunSpec(spec.name(), spec.useCase(), spec.budget(),
        new RunSpec.ModelChoice(spec.model().strategy(), model.toString()), spec.data(), spec.curation(),
        spec.tokenizer(), spec.training(), spec.evaluation(), spec.resilience());
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
      if (Files.isDirectory(file)) {
        throw new InvalidRunSpecException(source, List.of(new SpecProblem("curation.profile",
            "is '" + c.profile() + "', but " + file + " is a directory",
            "give the path of a profile file relative to the run spec, e.g. curation/english-web.yaml")));
      }
      bytes = readBounded(file, file.toString(), "a curation profile", "configs/curation/english-web.yaml");
    } catch (IOException e) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem("curation.profile",
          "is '" + c.profile() + "', but " + file + " cannot be read (" + e.getClass().getSimpleName() + ")",
          "give the path of a profile relative to the run spec, e.g. curation/english-web.yaml")));
    }
    CurationProfile profile = parseProfile(bytes, file.toString());
    RunSpec.CurationSpec loaded = c.withRules(profile);
    return new RunSpec(spec.name(), spec.useCase(), spec.budget(), spec.model(), spec.data(), loaded, spec.tokenizer(),
        spec.training(), spec.evaluation(), spec.resilience());
  }

  /** Reads a curation profile, reporting missing and unknown fields of every step by name. */
  static CurationProfile parseProfile(byte[] yaml, String source) {
    requireText(yaml, source, "a curation profile", "configs/curation/english-web.yaml");
    try {
      JsonNode tree = readTree(yaml);
      if (tree == null || tree.isMissingNode() || tree.isNull()) {
        throw new InvalidRunSpecException(source, List.of(new SpecProblem("(file)", "is empty", "start from configs/curation/english-web.yaml")));
      }
      if (!tree.isObject()) {
        throw new InvalidRunSpecException(source, List.of(new SpecProblem("(file)",
            "is not a curation profile: not a YAML mapping of fields (it holds " + kind(tree) + ")",
            "point curation.profile at a profile such as configs/curation/english-web.yaml")));
      }
      List<SpecProblem> problems = new ArrayList<>();
      findMissingAndUnknown(tree, CurationProfile.class, "", problems, yaml);
      JsonNode steps = tree.path("steps");
      for (int i = 0; i < steps.size(); i++) {
        JsonNode step = steps.get(i);
        String at = "steps[" + i + "]";
        String kind = step.isObject() && step.size() == 1 ? step.fieldNames().next() : null;
        if (kind == null || !STEP_KINDS.containsKey(kind)) {
          problems.add(new SpecProblem(at, "is not one of the known steps",
              "write '- <step>: {...}' with <step> one of " + STEP_KINDS.keySet().stream().sorted().toList()));
        } else {
          findMissingAndUnknown(step.get(kind), STEP_KINDS.get(kind), at + "." + kind, problems, yaml);
        }
      }
      if (!problems.isEmpty()) {
        throw new InvalidRunSpecException(source, problems);
      }
      return YAML.treeToValue(tree, CurationProfile.class);
    } catch (JsonMappingException e) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem(
          path(e), wrongType(e) + line(e, yaml),
          "give a value of the type the field needs (see configs/curation/english-web.yaml)")));
    } catch (JsonProcessingException e) {
      throw new InvalidRunSpecException(source, List.of(syntaxProblem(e, "fix the YAML syntax")));
    } catch (IOException e) {
      throw new InvalidRunSpecException(source, List.of(new SpecProblem("(file)", "cannot be read (" + e.getClass().getSimpleName() + ")", "check the file")));
    }
  }

  /**
   * Fields that a YAML file must give (every record component but the few optional ones) and fields it must
   * not (typos), checked before binding so a forgotten field is reported by name instead of becoming 0.
   */
  private static void findMissingAndUnknown(JsonNode node, Class<?> type, String path, List<SpecProblem> problems, byte[] yaml) {
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
        findMissingAndUnknown(value, component.getType(), field, problems, yaml);
      }
    }
    List<String> known = Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).toList();
    node.fieldNames().forEachRemaining(name -> {
      if (!known.contains(name)) {
        String field = path.isEmpty() ? name : path + "." + name;
        int line = lineOf(yaml, pointer(field));
        problems.add(new SpecProblem(excerpt(field), "is not a known field" + (line > 0 ? " (line " + line + ")" : ""),
            "remove it or fix its spelling; known fields here: " + String.join(", ", known)));
      }
    });
  }

  private static String path(JsonMappingException e) {
    String p = e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."))
        .replace(".[", "[");
    return p.isEmpty() ? "(root)" : excerpt(p);
  }

  /**
   * What is wrong with a value that does not bind, without Jackson's own message: that quotes the input (a whole
   * file, when a scalar stands where a section belongs). At most a short excerpt of the value is shown.
   */
  private static String wrongType(JsonMappingException e) {
    String expected = e instanceof MismatchedInputException m && m.getTargetType() != null ? typeName(m.getTargetType()) : null;
    if (e instanceof InvalidFormatException f) {
      return "has the wrong type: " + quote(f.getValue()) + " is not " + (expected == null ? "a value of the right type" : expected);
    }
    if (e instanceof MismatchedInputException && expected != null) {
      return "has the wrong type: it needs " + expected;
    }
    return "has the wrong type or is missing";
  }

  private static String typeName(Class<?> type) {
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
      return "an integer";
    }
    if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
      return "a number";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (java.util.Collection.class.isAssignableFrom(type)) {
      return "a list, e.g. [a, b]";
    }
    if (java.util.Map.class.isAssignableFrom(type)) {
      return "a mapping of keys to values";
    }
    if (type.isRecord() || type.isInterface()) {
      return "a section of fields (" + type.getSimpleName() + ")";
    }
    return "a " + type.getSimpleName();
  }

  private static String quote(Object value) {
    return value == null ? "null" : "'" + excerpt(String.valueOf(value)) + "'";
  }

  /** At most {@link #MAX_EXCERPT} characters of one line of the input. */
  static String excerpt(String text) {
    String line = text.lines().findFirst().orElse("");
    boolean cut = line.length() > MAX_EXCERPT || line.length() < text.strip().length();
    return (line.length() > MAX_EXCERPT ? line.substring(0, MAX_EXCERPT) : line) + (cut ? "..." : "");
  }

  private static String kind(JsonNode tree) {
    return tree.isArray() ? "a list" : tree.isTextual() ? "a single line of text, e.g. KEY=value lines" : "a single value";
  }

  /**
   * A syntax error or a key given twice, with its line; Jackson's message is not shown (it quotes the input),
   * only which key repeats, in an excerpt.
   */
  private static SpecProblem syntaxProblem(JsonProcessingException e, String fix) {
    String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    java.util.regex.Matcher duplicate = java.util.regex.Pattern.compile("Duplicate field '([^']*)'").matcher(original);
    String at = e.getLocation() == null || e.getLocation().getLineNr() < 1 ? "" : " (line " + e.getLocation().getLineNr() + ")";
    if (duplicate.find()) {
      String field = excerpt(duplicate.group(1));
      if (e.getProcessor() instanceof JsonParser parser && parser.getParsingContext() != null) {
        String parent = dotted(parser.getParsingContext().getParent() == null ? "" : parser.getParsingContext().pathAsPointer().toString());
        field = parent.isEmpty() ? field : excerpt(parent);
      }
      return new SpecProblem(field, "is given more than once" + at, "keep one of them");
    }
    String what = original.startsWith("Malformed numeric value") ? "has a malformed number"
        : original.contains("mapping values are not allowed") ? "has a ':' where a value belongs (quote the value)"
        : original.contains("expected <block end>") || original.contains("did not find expected") ? "has bad indentation or an unclosed bracket"
        : original.contains("found character") ? "has a character YAML does not allow there (quote the value)"
        : "is not valid YAML";
    return new SpecProblem("(yaml)", what + at, fix);
  }

  /** "/training/batchSize" -> "training.batchSize", "/steps/0/c4" -> "steps[0].c4". */
  private static String dotted(String pointer) {
    StringBuilder out = new StringBuilder();
    for (String part : pointer.split("/")) {
      if (part.isEmpty()) {
        continue;
      }
      if (part.chars().allMatch(Character::isDigit)) {
        out.append('[').append(part).append(']');
      } else {
        out.append(out.length() == 0 ? "" : ".").append(part.replace("~1", "/").replace("~0", "~"));
      }
    }
    return out.toString();
  }

  /** "training.batchSize" -> "/training/batchSize", "steps[3].c4.x" -> "/steps/3/c4/x". */
  private static String pointer(String dottedPath) {
    return "/" + dottedPath.replace("[", ".").replace("]", "").replace(".", "/").replaceAll("/+", "/");
  }

  private static String line(JsonMappingException e, byte[] yaml) {
    int line = e.getLocation() != null && e.getLocation().getLineNr() > 0 ? e.getLocation().getLineNr() : -1;
    if (line < 0) {
      line = lineOf(yaml, pointer(path(e)));
    }
    return line > 0 ? " (line " + line + ")" : "";
  }

  /**
   * The line of the value at {@code pointer} (e.g. /training/batchSize), found by reading the YAML again: a
   * value bound from a tree has no location of its own. -1 if not found.
   */
  static int lineOf(byte[] yaml, String pointer) {
    try (JsonParser p = YAML.getFactory().createParser(yaml)) {
      while (p.nextToken() != null) {
        String here = p.getParsingContext().pathAsPointer().toString();
        if (p.currentToken() == JsonToken.START_OBJECT || p.currentToken() == JsonToken.START_ARRAY) {
          here = p.getParsingContext().getParent() == null ? "" : p.getParsingContext().getParent().pathAsPointer().toString();
        }
        if (here.equals(pointer)) {
          return p.currentLocation().getLineNr();
        }
      }
    } catch (IOException | RuntimeException e) {
      // the file was read before; if it cannot be read again, the message goes without a line
    }
    return -1;
  }
}
