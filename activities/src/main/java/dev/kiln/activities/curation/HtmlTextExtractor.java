package dev.kiln.activities.curation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeVisitor;

/**
 * Turns an HTML page into the text a reader sees, without the chrome repeated on every page of a site:
 * scripts, styles, forms, navigation, headers, footers, and elements whose class or id names them as such.
 * Block elements become paragraphs separated by blank lines; whitespace is collapsed except inside
 * {@code <pre>}, where line breaks carry meaning. Plain text only has its newlines normalised. HTML or plain
 * text: the type the source declared ({@link Document#contentType}) when there is one, else the id's extension.
 */
public final class HtmlTextExtractor implements CurationStep {

  public static final String NAME = "extract";
  public static final String NO_TEXT = "no-text";

  private static final String REMOVED_TAGS =
      "script, style, noscript, template, iframe, object, embed, svg, canvas, nav, header, footer, aside, form,"
          + " button, select, input, textarea, head";

  /**
   * Class and id tokens that mark navigation and boilerplate. On the Debian handbook every page repeats
   * {@code #banner} (ebook download), {@code ul.docnav} (prev/home/next) and chapter pages carry a
   * {@code .toc}. Not "sidebar": DocBook renders its content boxes (VOCABULARY, BACK TO BASICS) with that
   * class, so on this corpus it is text, not chrome.
   */
  private static final Set<String> BOILERPLATE_MARKERS = Set.of(
      "banner", "navheader", "navfooter", "docnav", "navbar", "navigation", "nav", "breadcrumb", "breadcrumbs",
      "menu", "menubar", "footer", "site-footer", "header", "site-header", "toc", "skip-link", "cookie-banner",
      "share", "social");

  private static final Set<String> BLOCK_TAGS = Set.of(
      "p", "div", "section", "article", "main", "body", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
      "dl", "dt", "dd", "table", "thead", "tbody", "tr", "td", "th", "caption", "blockquote", "pre", "figure",
      "figcaption", "address", "hr");

  /** Unicode-aware, so that no-break spaces (DocBook puts one after every section number) collapse too. */
  private static final Pattern HORIZONTAL_WHITESPACE =
      Pattern.compile("[\\s&&[^\\n]]+", Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern ANY_WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepOutcome apply(Document doc) {
    String text = isHtml(doc) ? extract(doc.text())
        : normaliseNewlines(doc.text()).strip();
    return text.isBlank() ? StepOutcome.drop(NO_TEXT) : StepOutcome.keep(doc.withText(text));
  }

  /** By the type the source declared (a WARC response's Content-Type, say) when it did, else by the id's extension. */
  static boolean isHtml(Document doc) {
    String type = doc.contentType() != null ? doc.contentType() : RawDocument.contentTypeOf(doc.id());
    return RawDocument.HTML.equals(type);
  }

  static String extract(String html) {
    org.jsoup.nodes.Document page = Jsoup.parse(html);
    page.select(REMOVED_TAGS).remove();
    List<Element> boilerplate = new ArrayList<>();
    for (Element element : page.getAllElements()) {
      if (isBoilerplate(element)) {
        boilerplate.add(element);
      }
    }
    boilerplate.forEach(Element::remove);
    ParagraphCollector collector = new ParagraphCollector();
    page.body().traverse(collector);
    return String.join("\n\n", collector.finish());
  }

  private static boolean isBoilerplate(Element element) {
    if (BOILERPLATE_MARKERS.contains(element.id().toLowerCase(Locale.ROOT))) {
      return true;
    }
    for (String className : element.classNames()) {
      if (BOILERPLATE_MARKERS.contains(className.toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }

  private static String normaliseNewlines(String text) {
    return text.replace("\r\n", "\n").replace('\r', '\n');
  }

  /** Collects visible text, starting a new paragraph at every block boundary. */
  private static final class ParagraphCollector implements NodeVisitor {
    private final List<String> paragraphs = new ArrayList<>();
    private final StringBuilder current = new StringBuilder();
    private int preDepth;
    private boolean currentIsPreformatted;

    @Override
    public void head(Node node, int depth) {
      if (node instanceof TextNode textNode) {
        if (preDepth > 0) {
          current.append(normaliseNewlines(textNode.getWholeText()));
          currentIsPreformatted = true;
        } else {
          current.append(ANY_WHITESPACE.matcher(textNode.getWholeText()).replaceAll(" "));
        }
      } else if (node instanceof Element element) {
        if (element.normalName().equals("br")) {
          current.append('\n');
        } else if (BLOCK_TAGS.contains(element.normalName())) {
          endParagraph();
          if (element.normalName().equals("pre")) {
            preDepth++;
          }
        }
      }
    }

    @Override
    public void tail(Node node, int depth) {
      if (node instanceof Element element && BLOCK_TAGS.contains(element.normalName())) {
        endParagraph();
        if (element.normalName().equals("pre")) {
          preDepth--;
        }
      }
    }

    private void endParagraph() {
      String paragraph = currentIsPreformatted ? tidyPreformatted(current) : tidyFlowing(current);
      if (!paragraph.isBlank()) {
        paragraphs.add(paragraph);
      }
      current.setLength(0);
      currentIsPreformatted = false;
    }

    private static String tidyFlowing(CharSequence text) {
      List<String> lines = new ArrayList<>();
      for (String line : text.toString().split("\n")) {
        String tidy = HORIZONTAL_WHITESPACE.matcher(line).replaceAll(" ").strip();
        if (!tidy.isEmpty()) {
          lines.add(tidy);
        }
      }
      return String.join("\n", lines);
    }

    /** Keeps line structure and indentation of code, drops trailing spaces and surrounding blank lines. */
    private static String tidyPreformatted(CharSequence text) {
      List<String> lines = new ArrayList<>();
      for (String line : text.toString().split("\n")) {
        lines.add(line.stripTrailing());
      }
      return String.join("\n", lines).replaceAll("^\\n+|\\n+$", "").replaceAll("\\n{3,}", "\n\n");
    }

    List<String> finish() {
      endParagraph();
      return paragraphs;
    }
  }
}
