package dev.kiln.activities.curation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Expected words are what spaCy 3.8's blank English tokenizer (DataTrove's for "en") returns for the same text. */
class EnglishWordsTest {

  @Test
  void splitsPunctuationAndClitics() {
    assertEquals(List.of("Hello", ",", "world", "!", "Do", "n't", "you", "think", "it", "'s", "well", "-", "known",
        "(", "really", ")", "?"), EnglishWords.of("Hello, world! Don't you think it's well-known (really)?"));
  }

  @Test
  void keepsAbbreviationsNumbersAndUrlsWhole() {
    assertEquals(List.of("e.g.", "i.e.", "Mr.", "Smith", "U.S.", "a.m.", "etc", ".", "3.5", "1,000", "$", "10", "50",
        "%", "v1.2.3", "foo.bar", "foo", "/", "bar", "3", "-", "4"),
        EnglishWords.of("e.g. i.e. Mr. Smith U.S. a.m. etc. 3.5 1,000 $10 50% v1.2.3 foo.bar foo/bar 3-4"));
    assertEquals(List.of("https://docs.python.org/3/x.html", "www.foo.com", "user@example.com", "--verbose", "-x", "#",
        "include", "<", "stdio.h", ">", "os.path.join", "(", ")", "...", "and", "so", "…", "\"", "quoted", "\""),
        EnglishWords.of("https://docs.python.org/3/x.html www.foo.com user@example.com --verbose -x #include <stdio.h>"
            + " os.path.join() ...and so… \"quoted\""));
  }

  @Test
  void splitsCompoundsAndPaths() {
    assertEquals(List.of("ca", "n't", "I", "'m", "they", "'re", "Debian", "'s", "packages", "'", "dpkg", "-", "deb",
        "/etc", "/", "apt", "/", "sources.list", "it", "."),
        EnglishWords.of("can't I'm they're Debian's packages' dpkg-deb /etc/apt/sources.list it."));
    assertEquals(List.of("End", ".", "Next", "abc", ".", "Def", "AB", ".", "cd"), EnglishWords.of("End. Next abc.Def AB. cd"));
  }

  @Test
  void splitsRunsOfPunctuationIntoSingleCharacters() {
    assertEquals(List.of("=", "=", "=", "(", "(", "x", ")", ")", "!", "!"), EnglishWords.of("=== ((x))!!"));
    assertEquals(200_000, EnglishWords.of("=".repeat(200_000)).size()); // linear: a quadratic cut takes minutes
  }

  @Test
  void countsSentencesAsTheSentencizer() {
    assertEquals(1, EnglishWords.sentences("See e.g. the manual"));
    assertEquals(3, EnglishWords.sentences("One. Two! (Three?) "));
    assertEquals(2, EnglishWords.sentences("Install it.Then run"));
  }
}
