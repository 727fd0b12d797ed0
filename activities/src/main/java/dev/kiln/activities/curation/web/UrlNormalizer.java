package dev.kiln.activities.curation.web;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The canonical form of a crawled URL, so that the same page reached by different spellings is one URL for
 * URL-level dedup and one host for blocklists: scheme and host lower-cased, the default port, the fragment
 * and tracking parameters ({@code utm_*}, {@code fbclid}, {@code gclid}) dropped, an empty path made
 * {@code /}, and percent-escapes upper-cased. Path and query otherwise keep their case and order: servers
 * may treat them as significant. Stateless.
 */
public final class UrlNormalizer {

  private UrlNormalizer() {}

  /** The normalised URL, or null when {@code url} is null, blank or not an absolute http(s) URL. */
  public static String normalize(String url) {
    if (url == null || url.isBlank()) {
      return null;
    }
    URI uri;
    try {
      uri = new URI(url.strip());
    } catch (URISyntaxException e) {
      return null;
    }
    String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost() == null ? null : uri.getHost().toLowerCase(Locale.ROOT);
    if (host != null && host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    if (!("http".equals(scheme) || "https".equals(scheme)) || host == null || host.isEmpty()) {
      return null;
    }
    int port = uri.getPort();
    boolean defaultPort = port == -1 || ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : upperCaseEscapes(uri.getRawPath());
    String query = withoutTracking(uri.getRawQuery());
    StringBuilder out = new StringBuilder(scheme).append("://").append(host);
    if (!defaultPort) {
      out.append(':').append(port);
    }
    out.append(path);
    if (query != null) {
      out.append('?').append(upperCaseEscapes(query));
    }
    return out.toString();
  }

  /** The normalised URL's host, or null when the URL has none (see {@link #normalize}). */
  public static String host(String url) {
    String normalized = normalize(url);
    return normalized == null ? null : URI.create(normalized).getHost();
  }

  private static String withoutTracking(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return null;
    }
    List<String> kept = new ArrayList<>();
    for (String parameter : rawQuery.split("&")) {
      String name = parameter.split("=", 2)[0].toLowerCase(Locale.ROOT);
      if (!parameter.isEmpty() && !name.startsWith("utm_") && !name.equals("fbclid") && !name.equals("gclid")) {
        kept.add(parameter);
      }
    }
    return kept.isEmpty() ? null : String.join("&", kept);
  }

  private static String upperCaseEscapes(String raw) {
    StringBuilder out = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%' && i + 2 < raw.length()) {
        out.append('%').append(Character.toUpperCase(raw.charAt(i + 1))).append(Character.toUpperCase(raw.charAt(i + 2)));
        i += 2;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
