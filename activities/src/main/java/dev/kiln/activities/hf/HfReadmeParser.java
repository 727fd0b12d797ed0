package dev.kiln.activities.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * README.md to {@link HfReadme}. The front matter is the YAML between a first line {@code ---} and the next
 * {@code ---}; fields the Hub allows as a string or a list (language, datasets, tags, base_model) are read as
 * either. Headings are ATX ({@code #} to {@code ######}); lines inside fenced code blocks are not headings.
 */
public final class HfReadmeParser {
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");

  private HfReadmeParser() {}

  public static HfReadme parse(byte[] markdown, String source) {
    String text = new String(markdown, StandardCharsets.UTF_8);
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    text = text.replace("\r\n", "\n");
    JsonNode front = null;
    String body = text;
    if (text.startsWith("---\n")) {
      int end = text.indexOf("\n---", 3);
      if (end < 0) {
        throw new HfImportException(
            source + ": the front matter opened by its first line --- is never closed; end it with a line ---");
      }
      front = yaml(text.substring(4, end + 1), source);
      int after = text.indexOf('\n', end + 4);
      body = after < 0 ? "" : text.substring(after + 1);
    }
    return new HfReadme(
        string(front, "license", source),
        strings(front, "language", source),
        strings(front, "datasets", source),
        strings(front, "tags", source),
        strings(front, "base_model", source),
        string(front, "pipeline_tag", source),
        sections(body));
  }

  private static JsonNode yaml(String yaml, String source) {
    try {
      JsonNode node = YAML.readTree(yaml);
      if (node != null && !node.isNull() && !node.isObject()) {
        throw new HfImportException(source + ": the front matter is not a YAML mapping of fields");
      }
      return node == null || node.isNull() ? null : node;
    } catch (JsonProcessingException e) {
      throw new HfImportException(
          source + ": the front matter is not valid YAML (line " + (e.getLocation().getLineNr() + 1) + ")");
    }
  }

  private static String string(JsonNode front, String field, String source) {
    JsonNode node = front == null ? null : front.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isValueNode()) {
      throw new HfImportException(source + ": front matter field " + field + " is not a single value");
    }
    return node.asText();
  }

  private static List<String> strings(JsonNode front, String field, String source) {
    JsonNode node = front == null ? null : front.get(field);
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (node.isValueNode()) {
      return List.of(node.asText());
    }
    if (!node.isArray()) {
      throw new HfImportException(source + ": front matter field " + field + " is neither a value nor a list");
    }
    List<String> values = new ArrayList<>();
    for (JsonNode item : node) {
      if (!item.isValueNode()) {
        throw new HfImportException(source + ": front matter field " + field + " has an item that is not a value");
      }
      values.add(item.asText());
    }
    return values;
  }

  static Map<String, String> sections(String body) {
    Map<String, String> sections = new LinkedHashMap<>();
    String heading = null;
    StringBuilder content = new StringBuilder();
    boolean fenced = false;
    for (String line : body.split("\n", -1)) {
      String trimmed = line.strip();
      if (trimmed.startsWith("```") || trimmed.startsWith("~~~")) {
        fenced = !fenced;
      }
      Matcher m = fenced ? null : HEADING.matcher(line);
      if (m != null && m.matches()) {
        if (heading != null) {
          sections.putIfAbsent(heading, content.toString().strip());
        }
        heading = m.group(2);
        content.setLength(0);
      } else if (heading != null) {
        content.append(line).append('\n');
      }
    }
    if (heading != null) {
      sections.putIfAbsent(heading, content.toString().strip());
    }
    return sections;
  }
}
