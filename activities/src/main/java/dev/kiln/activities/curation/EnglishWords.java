package dev.kiln.activities.curation;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * English words as the published rule sets count them. DataTrove, whose Gopher, C4 and FineWeb filters Kiln's
 * follow, splits English text with spaCy's rule-based tokenizer, not on whitespace: punctuation is split off
 * words ("world!" is "world" and "!"), clitics too ("don't" is "do" "n't", "Debian's" is "Debian" "'s"), and
 * hyphens and slashes between letters split compounds ("well-known", "and/or"); abbreviations ("e.g.", "Mr.",
 * "U.S."), numbers ("3.5", "1,000") and URLs stay whole. Word counts, mean word lengths, n-grams and
 * newline-per-word ratios all depend on this, so the rules use these words to make the decisions the
 * thresholds were tuned with. This is a compact re-implementation of the rules that matter for those
 * statistics (prefix, suffix and infix punctuation, the common exceptions), not of spaCy as a whole.
 */
final class EnglishWords {

  /** Characters split off the front of a word. */
  private static final String PREFIXES = "§%=—–+([{<\"'`‘’“”«»‚„¡¿#*&_$£€¥§,;:!?…「」『』【】（）《》〈〉";
  /** Characters split off the end of a word. */
  private static final String SUFFIXES = "([{<)]}>\"'`‘’“”«»,;:!?…%°#*&_+。？！，、；：～·»」』】）》〉—–";
  /** Tokens after which spaCy's sentencizer starts a new sentence. */
  private static final String SENTENCE_ENDS = ".!?։؟۔܀܁܂߹।॥၊။።፧፨᙮᠃᠉‼‽⁇⁈⁉⸮⸼꓿꘎꘏꛳꛷﹒﹖﹗！．？｡。";

  /** Abbreviations that keep their period (spaCy's English exceptions, the common part). */
  private static final Set<String> ABBREVIATIONS = Set.of(
      "Mr.", "Mrs.", "Ms.", "Dr.", "St.", "Mt.", "Jr.", "Sr.", "vs.", "Inc.", "Ltd.", "Co.", "Corp.", "Bros.",
      "Jan.", "Feb.", "Mar.", "Apr.", "Jun.", "Jul.", "Aug.", "Sep.", "Sept.", "Oct.", "Nov.", "Dec.",
      "Ala.", "Ariz.", "Ark.", "Calif.", "Colo.", "Conn.", "Del.", "Fla.", "Ga.", "Ill.", "Ind.", "Kan.", "Ky.",
      "La.", "Md.", "Mass.", "Mich.", "Minn.", "Miss.", "Mo.", "Neb.", "Nev.", "Okla.", "Ore.", "Pa.", "Tenn.",
      "Va.", "Wash.", "Wis.", "Gen.", "Gov.", "Rep.", "Sen.", "Rev.", "Messrs.", "Adm.", "Capt.", "Col.", "Lt.");

  private EnglishWords() {}

  /** The words of a text, punctuation tokens included (as DataTrove's word tokenizer returns them). */
  static List<String> of(String text) {
    List<String> words = new ArrayList<>();
    int n = text.length();
    int i = 0;
    while (i < n) {
      while (i < n && isSpace(text.charAt(i))) {
        i++;
      }
      int start = i;
      while (i < n && !isSpace(text.charAt(i))) {
        i++;
      }
      if (i > start) {
        chunk(text.substring(start, i), words);
      }
    }
    return words;
  }

  /** How many sentences spaCy's sentencizer finds in a text: one, plus one per word after a sentence end. */
  static int sentences(String text) {
    List<String> words = of(text);
    if (words.isEmpty()) {
      return 0;
    }
    int sentences = 1;
    boolean seenEnd = false;
    for (String word : words) {
      boolean end = word.length() == 1 && SENTENCE_ENDS.indexOf(word.charAt(0)) >= 0;
      if (seenEnd && !end && !isPunctuation(word)) {
        sentences++;
        seenEnd = false;
      } else if (end) {
        seenEnd = true;
      }
    }
    return sentences;
  }

  private static boolean isSpace(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c);
  }

  private static void chunk(String s, List<String> out) {
    List<String> suffixes = new ArrayList<>();
    while (!s.isEmpty()) {
      if (isException(s)) {
        break;
      }
      int prefix = prefixLength(s);
      if (prefix > 0 && prefix < s.length()) {
        if (prefix == 1) {
          // a run of one-character prefixes ("=====", "((("), each a word, cut at once: linear, not quadratic
          while (prefix < s.length() - 1 && s.charAt(prefix) != '+' && s.charAt(prefix) != '.'
              && PREFIXES.indexOf(s.charAt(prefix)) >= 0) {
            prefix++;
          }
          for (int i = 0; i < prefix; i++) {
            out.add(s.substring(i, i + 1));
          }
        } else {
          out.add(s.substring(0, prefix));
        }
        s = s.substring(prefix);
        continue;
      }
      int suffix = suffixLength(s);
      if (suffix > 0 && suffix < s.length()) {
        int end = s.length();
        if (suffix == 1 && SUFFIXES.indexOf(s.charAt(end - 1)) >= 0) {
          while (suffix < end - 1 && s.charAt(end - 1 - suffix) != '.'
              && SUFFIXES.indexOf(s.charAt(end - 1 - suffix)) >= 0) {
            suffix++;
          }
          for (int i = end - 1; i >= end - suffix; i--) {
            suffixes.add(s.substring(i, i + 1));
          }
        } else {
          suffixes.add(s.substring(end - suffix));
        }
        s = s.substring(0, end - suffix);
        continue;
      }
      break;
    }
    if (!s.isEmpty()) {
      if (isException(s) || isUrl(s)) {
        out.add(s);
      } else {
        infixes(s, out);
      }
    }
    for (int i = suffixes.size() - 1; i >= 0; i--) {
      out.add(suffixes.get(i));
    }
  }

  private static boolean isException(String s) {
    if (ABBREVIATIONS.contains(s) || s.equals("e.g.") || s.equals("i.e.") || s.equals("a.m.") || s.equals("p.m.")) {
      return true;
    }
    // initials and letter-dot abbreviations: "U.S.", "A.", "e.g."
    if (s.length() >= 2 && s.length() % 2 == 0) {
      for (int i = 0; i < s.length(); i += 2) {
        if (!Character.isLetter(s.charAt(i)) || s.charAt(i + 1) != '.') {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  private static boolean isUrl(String s) {
    return s.contains("://") || s.startsWith("www.") || (s.indexOf('@') > 0 && s.indexOf('.', s.indexOf('@')) > 0);
  }

  private static int prefixLength(String s) {
    char c = s.charAt(0);
    if (s.startsWith("..")) {
      int end = 0;
      while (end < s.length() && s.charAt(end) == '.') {
        end++;
      }
      return end;
    }
    if (c == '+' && s.length() > 1 && Character.isDigit(s.charAt(1))) {
      return 0;
    }
    return PREFIXES.indexOf(c) >= 0 ? 1 : 0;
  }

  private static int suffixLength(String s) {
    int n = s.length();
    char last = s.charAt(n - 1);
    if (n > 3 && (s.endsWith("n't") || s.endsWith("n’t")) && Character.isLetter(s.charAt(n - 4))) {
      return 3;
    }
    if (n > 2 && (last == 's' || last == 'S' || last == 'd' || last == 'm')
        && (s.charAt(n - 2) == '\'' || s.charAt(n - 2) == '’') && Character.isLetter(s.charAt(n - 3))) {
      return 2;
    }
    if (n > 3 && (s.endsWith("'re") || s.endsWith("'ve") || s.endsWith("'ll") || s.endsWith("’re")
        || s.endsWith("’ve") || s.endsWith("’ll")) && Character.isLetter(s.charAt(n - 4))) {
      return 3;
    }
    if (s.endsWith("..")) {
      int start = n;
      while (start > 0 && s.charAt(start - 1) == '.') {
        start--;
      }
      return n - start;
    }
    if (last == '.') {
      if (n < 2) {
        return 0;
      }
      char before = s.charAt(n - 2);
      boolean twoCapitals = n >= 3 && Character.isUpperCase(before) && Character.isUpperCase(s.charAt(n - 3));
      if (Character.isLowerCase(before) || Character.isDigit(before) || isPunctuationChar(before) || twoCapitals) {
        return 1;
      }
      return 0;
    }
    return SUFFIXES.indexOf(last) >= 0 ? 1 : 0;
  }

  /** Splits a word at spaCy's English infixes: hyphens and slashes between letters, ellipses, and a few more. */
  private static void infixes(String s, List<String> out) {
    int n = s.length();
    int start = 0;
    int i = 1;
    while (i < n - 1) {
      char prev = s.charAt(i - 1);
      char c = s.charAt(i);
      int length = 0;
      if (c == '.' && s.charAt(i + 1) == '.') {
        length = 2;
        while (i + length < n && s.charAt(i + length) == '.') {
          length++;
        }
      } else if (c == '…') {
        length = 1;
      } else if ((c == '-' || c == '–' || c == '—' || c == '~') && Character.isLetterOrDigit(prev)) {
        int end = i;
        while (end < n && (s.charAt(end) == '-' || s.charAt(end) == '–' || s.charAt(end) == '—' || s.charAt(end) == '~')) {
          end++;
        }
        if (end < n && Character.isLetter(s.charAt(end)) && end - i <= 3) {
          length = end - i;
        } else if (Character.isDigit(prev) && c == '-' && end < n && Character.isDigit(s.charAt(end))) {
          length = 1;
        }
      } else if ((c == '+' || c == '*' || c == '^') && Character.isDigit(prev)
          && (Character.isDigit(s.charAt(i + 1)) || s.charAt(i + 1) == '-')) {
        length = 1;
      } else if (c == ',' && Character.isLetter(prev) && Character.isLetter(s.charAt(i + 1))) {
        length = 1;
      } else if ((c == ':' || c == '<' || c == '>' || c == '=' || c == '/') && Character.isLetterOrDigit(prev)
          && Character.isLetter(s.charAt(i + 1))) {
        length = 1;
      } else if (c == '.' && (Character.isLowerCase(prev) || isQuote(prev)) && Character.isUpperCase(s.charAt(i + 1))) {
        length = 1;
      }
      if (length > 0) {
        if (i > start) {
          out.add(s.substring(start, i));
        }
        out.add(s.substring(i, i + length));
        start = i + length;
        i = start + 1;
      } else {
        i++;
      }
    }
    if (start < n) {
      out.add(s.substring(start));
    }
  }

  private static boolean isQuote(char c) {
    return c == '"' || c == '\'' || c == '’' || c == '”';
  }

  private static boolean isPunctuationChar(char c) {
    int type = Character.getType(c);
    return type == Character.CONNECTOR_PUNCTUATION || type == Character.DASH_PUNCTUATION
        || type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION
        || type == Character.INITIAL_QUOTE_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
        || type == Character.OTHER_PUNCTUATION;
  }

  /** Whether every character of a word is punctuation (spaCy's is_punct). */
  static boolean isPunctuation(String word) {
    for (int i = 0; i < word.length(); i++) {
      if (!isPunctuationChar(word.charAt(i))) {
        return false;
      }
    }
    return !word.isEmpty();
  }

  /**
   * Whether a word consists of punctuation and symbols only, as DataTrove's Gopher quality filter decides it:
   * ASCII punctuation, typographic and CJK punctuation, sentence terminals of other scripts, control
   * characters. Currency, math and other symbols outside that set (such as "•", "©", "°") make a word.
   */
  static boolean isSymbolWord(String word) {
    for (int i = 0; i < word.length(); i++) {
      char c = word.charAt(i);
      if (!(c < 0x20 || (c >= 0x7F && c < 0xA0) || SYMBOLS.indexOf(c) >= 0 || SENTENCE_ENDS.indexOf(c) >= 0)) {
        return false;
      }
    }
    return true;
  }

  private static final String SYMBOLS =
      "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" + "—–“”‘’„«»…´►" + "％〈〉、━【】「」，；∶．（）？！：～《》。";
}
