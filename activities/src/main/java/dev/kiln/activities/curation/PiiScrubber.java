package dev.kiln.activities.curation;

import dev.kiln.workflows.spec.CurationStepSpec;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces personal data with placeholders so the model cannot learn and repeat it: e-mail addresses, phone
 * numbers and IPv4 addresses. Private, loopback and documentation address ranges (192.168.x.x, 10.x.x.x,
 * 127.x.x.x, ...) identify nobody and fill technical manuals, so they stay. Never drops a document.
 */
public final class PiiScrubber implements CurationStep {

  public static final String NAME = "pii";
  public static final String EMAIL = "<EMAIL>";
  public static final String PHONE = "<PHONE>";
  public static final String IP_ADDRESS = "<IP_ADDRESS>";

  private static final Pattern EMAIL_ADDRESS = Pattern.compile(
      "\\b[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\\.)+[A-Za-z]{2,}\\b");

  /**
   * An optional country code, then 3-digit area code, 3-digit exchange and 4 digits with separators, or an
   * international number written with a leading +. Separators are required so years, versions and counts
   * do not match.
   */
  private static final Pattern PHONE_NUMBER = Pattern.compile(
      "(?<![\\w+])(?:\\+\\d{1,3}[ .-]?)?(?:\\(\\d{3}\\)[ .-]?|\\d{3}[ .-])\\d{3}[ .-]\\d{4}(?!\\w)"
          + "|(?<![\\w+])\\+\\d{1,3}(?:[ .-]\\d{1,4}){2,5}(?!\\w)");

  private static final Pattern IPV4 = Pattern.compile(
      "(?<![\\w.])((?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\."
          + "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d))(?![\\w.]\\d)");

  private final CurationStepSpec.PiiScrubbing spec;

  public PiiScrubber(CurationStepSpec.PiiScrubbing spec) {
    this.spec = spec;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepOutcome apply(Document doc) {
    String text = doc.text();
    if (spec.emails() && text.indexOf('@') >= 0) {
      text = EMAIL_ADDRESS.matcher(text).replaceAll(EMAIL);
    }
    if (spec.phoneNumbers()) {
      text = PHONE_NUMBER.matcher(text).replaceAll(PHONE);
    }
    if (spec.ipAddresses()) {
      text = replacePublicAddresses(text);
    }
    return StepOutcome.keep(text.equals(doc.text()) ? doc : doc.withText(text));
  }

  private static String replacePublicAddresses(String text) {
    Matcher m = IPV4.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, isPublic(m.group(1)) ? IP_ADDRESS : Matcher.quoteReplacement(m.group(1)));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Not private (RFC 1918), loopback, link-local, "this network", or a documentation range (RFC 5737). */
  static boolean isPublic(String address) {
    String[] parts = address.split("\\.");
    int a = Integer.parseInt(parts[0]);
    int b = Integer.parseInt(parts[1]);
    int c = Integer.parseInt(parts[2]);
    boolean reserved = a == 0 || a == 10 || a == 127 || a >= 224
        || (a == 172 && b >= 16 && b <= 31) || (a == 192 && b == 168) || (a == 169 && b == 254)
        || (a == 192 && b == 0 && c == 2) || (a == 198 && b == 51 && c == 100) || (a == 203 && b == 0 && c == 113);
    return !reserved;
  }
}
