package dev.kiln.activities.tokenizer;

/**
 * GPT-2's reversible map from bytes to printable Unicode characters, so that every byte sequence is a
 * string of visible symbols: printable Latin-1 bytes stand for themselves, the other 68 bytes are shifted to
 * U+0100 and up (a space becomes 'Ġ', a newline 'Ċ').
 */
final class ByteLevel {

  private static final String[] SYMBOLS = new String[256];

  static {
    int shifted = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      SYMBOLS[b] = String.valueOf((char) (printable ? b : 256 + shifted++));
    }
  }

  static String symbolOf(int b) {
    return SYMBOLS[b];
  }

  private ByteLevel() {}
}
