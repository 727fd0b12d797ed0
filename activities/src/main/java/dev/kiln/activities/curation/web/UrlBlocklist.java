package dev.kiln.activities.curation.web;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Domains and URLs of a blocklist in the UT1 layout (Université Toulouse 1's lists, which DataTrove's URL filter
 * reads): per category a {@code domains} file and a {@code urls} file, one entry per line, {@code #} comments and
 * blank lines ignored. A listed domain blocks itself and every subdomain ({@code example.com} blocks
 * {@code www.example.com} and {@code a.b.example.com}, not {@code badexample.com}); a listed URL is host and path
 * without scheme ({@code example.com/some/page.html}) and blocks that page whatever its scheme, a leading
 * {@code www.} or a trailing slash. When several categories list an entry, the first category added names it.
 * Immutable once built; safe to share between threads.
 */
public final class UrlBlocklist {

  private final Map<String, String> domains = new HashMap<>();
  private final Map<String, String> urls = new HashMap<>();

  /** Adds a category's {@code domains} file (null: the category has none). Returns the number of entries read. */
  public int addDomains(String category, byte[] file) {
    int n = 0;
    for (String entry : entries(file)) {
      String domain = entry.startsWith("*.") ? entry.substring(2) : entry;
      domain = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
      if (!domain.isEmpty()) {
        domains.putIfAbsent(domain, category);
        n++;
      }
    }
    return n;
  }

  /** Adds a category's {@code urls} file (null: the category has none). Returns the number of entries read. */
  public int addUrls(String category, byte[] file) {
    int n = 0;
    for (String entry : entries(file)) {
      String key = urlKey(entry);
      if (!key.isEmpty()) {
        urls.putIfAbsent(key, category);
        n++;
      }
    }
    return n;
  }

  public int domainCount() {
    return domains.size();
  }

  public int urlCount() {
    return urls.size();
  }

  /** The category that lists the URL or its host (or a parent domain of it), if any; empty for null or non-http URLs. */
  public Optional<String> category(String url) {
    String normalized = UrlNormalizer.normalize(url);
    if (normalized == null) {
      return Optional.empty();
    }
    String host = UrlNormalizer.host(normalized);
    for (String domain = host; domain != null; domain = parent(domain)) {
      String category = domains.get(domain);
      if (category != null) {
        return Optional.of(category);
      }
    }
    return Optional.ofNullable(urls.get(urlKey(normalized)));
  }

  private static String parent(String domain) {
    int dot = domain.indexOf('.');
    return dot < 0 || dot == domain.length() - 1 ? null : domain.substring(dot + 1);
  }

  /** A URL as compared with the list's entries: no scheme, no leading www., lower-case host, no trailing slash. */
  static String urlKey(String url) {
    String s = url.strip();
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      s = s.substring(scheme + 3);
    }
    int slash = s.indexOf('/');
    String host = (slash < 0 ? s : s.substring(0, slash)).toLowerCase(Locale.ROOT);
    String rest = slash < 0 ? "" : s.substring(slash);
    if (host.startsWith("www.")) {
      host = host.substring(4);
    }
    if (host.endsWith(":80") || host.endsWith(":443")) {
      host = host.substring(0, host.lastIndexOf(':'));
    }
    while (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    return host + rest;
  }

  private static Iterable<String> entries(byte[] file) {
    if (file == null) {
      return java.util.List.of();
    }
    java.util.List<String> lines = new java.util.ArrayList<>();
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(new ByteArrayInputStream(file), StandardCharsets.UTF_8))) {
      for (String line; (line = reader.readLine()) != null; ) {
        String entry = line.strip().toLowerCase(Locale.ROOT);
        if (!entry.isEmpty() && !entry.startsWith("#")) {
          lines.add(entry);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return lines;
  }
}
