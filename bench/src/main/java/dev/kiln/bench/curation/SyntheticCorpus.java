package dev.kiln.bench.curation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A corpus N times the size of the fetched one, for measuring how curation scales: copy 0 is the original, copy k
 * (k >= 1) is every raw object with words of its long lines swapped for other words of the same line, seeded by
 * (k, object), so the result is the same on every machine. A fifth of the words move: a word 5-gram survives a copy
 * with probability 0.8^5 = 0.33, so copies are neither exact nor MinHash near duplicates of the original (Jaccard
 * about 0.2, below the 14 x 8 bands' threshold of about 0.7) and pass the same filters about as often: the
 * language, the word-length and stop-word statistics stay. Lines of fewer than {@value #MIN_WORDS} words (a site's
 * navigation, banners, footers) are kept as they are, so boilerplate stays boilerplate. In HTML, only text between
 * tags changes.
 *
 * <p>Usage: {@code SyntheticCorpus DATA_DIR OUT_DIR COPIES PREFIX...}, e.g. {@code ~/.cache/kiln/data /tmp/s 20
 * raw/debian-handbook/ raw/gutenberg/}; writes {@code OUT_DIR/copy-NN/<prefix>/...}.
 */
public final class SyntheticCorpus {
  static final int MIN_WORDS = 8;
  static final double SWAP_PROBABILITY = 0.2;
  private static final Pattern TAG = Pattern.compile("<[^>]*>");
  private static final Pattern WORD = Pattern.compile("\\S+");

  private SyntheticCorpus() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 4) {
      System.err.println("usage: SyntheticCorpus DATA_DIR OUT_DIR COPIES PREFIX...");
      System.exit(2);
    }
    Path data = Path.of(args[0]);
    Path out = Path.of(args[1]);
    int copies = Integer.parseInt(args[2]);
    long bytes = 0;
    int objects = 0;
    for (int p = 3; p < args.length; p++) {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(data.resolve(args[p]))) {
        files = walk.filter(Files::isRegularFile).sorted().toList();
      }
      for (Path file : files) {
        String key = data.relativize(file).toString();
        byte[] original = Files.readAllBytes(file);
        for (int copy = 0; copy < copies; copy++) {
          Path target = out.resolve(String.format("copy-%02d", copy)).resolve(key);
          Files.createDirectories(target.getParent());
          byte[] content = copy == 0 ? original : perturb(key, copy, original);
          Files.write(target, content);
          bytes += content.length;
          objects++;
        }
      }
    }
    System.out.printf("wrote %,d objects, %,d bytes under %s%n", objects, bytes, out);
  }

  /** Copy {@code copy} of the object {@code key}; deterministic. */
  static byte[] perturb(String key, int copy, byte[] content) {
    SplittableRandom random = new SplittableRandom(key.hashCode() * 1_000_003L + copy);
    String text = new String(content, StandardCharsets.UTF_8);
    boolean html = key.endsWith(".html") || key.endsWith(".htm") || key.endsWith(".xhtml");
    if (!html) {
      return perturbText(text, random).getBytes(StandardCharsets.UTF_8);
    }
    StringBuilder out = new StringBuilder(text.length());
    Matcher tag = TAG.matcher(text);
    int at = 0;
    while (tag.find()) {
      out.append(perturbText(text.substring(at, tag.start()), random)).append(tag.group());
      at = tag.end();
    }
    out.append(perturbText(text.substring(at), random));
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Swaps words within each line of at least {@link #MIN_WORDS} words; keeps whitespace and short lines. */
  static String perturbText(String text, SplittableRandom random) {
    StringBuilder out = new StringBuilder(text.length());
    int lineStart = 0;
    while (lineStart <= text.length()) {
      int newline = text.indexOf('\n', lineStart);
      int lineEnd = newline < 0 ? text.length() : newline;
      out.append(perturbLine(text.substring(lineStart, lineEnd), random));
      if (newline < 0) {
        break;
      }
      out.append('\n');
      lineStart = newline + 1;
    }
    return out.toString();
  }

  private static String perturbLine(String line, SplittableRandom random) {
    List<int[]> spans = new ArrayList<>();
    Matcher word = WORD.matcher(line);
    while (word.find()) {
      spans.add(new int[] {word.start(), word.end()});
    }
    if (spans.size() < MIN_WORDS) {
      return line;
    }
    StringBuilder out = new StringBuilder(line.length());
    int at = 0;
    for (int[] span : spans) {
      out.append(line, at, span[0]);
      int[] source = random.nextDouble() < SWAP_PROBABILITY ? spans.get(random.nextInt(spans.size())) : span;
      out.append(line, source[0], source[1]);
      at = span[1];
    }
    return out.append(line.substring(at)).toString();
  }
}
