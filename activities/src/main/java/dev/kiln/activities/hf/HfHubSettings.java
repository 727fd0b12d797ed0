package dev.kiln.activities.hf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where and how to reach the Hub, read from the same environment variables as Python's huggingface_hub so that
 * Kiln and a notebook on the same machine share one cache, one token and one mirror:
 *
 * <ul>
 *   <li>{@code HF_ENDPOINT}: the Hub or a mirror (default {@code https://huggingface.co}, trailing {@code /}
 *       dropped);
 *   <li>{@code HF_TOKEN}, else {@code HUGGING_FACE_HUB_TOKEN}, else the file {@code HF_TOKEN_PATH} (default
 *       {@code $HF_HOME/token}, written by {@code hf auth login}); blank means none;
 *   <li>{@code HF_HUB_CACHE}, else {@code HUGGINGFACE_HUB_CACHE}, else {@code $HF_HOME/hub}; {@code HF_HOME}
 *       defaults to {@code $XDG_CACHE_HOME/huggingface}, else {@code ~/.cache/huggingface}; a leading {@code ~}
 *       is the home directory;
 *   <li>{@code HF_HUB_OFFLINE} (or {@code TRANSFORMERS_OFFLINE}) {@code 1/ON/YES/TRUE}: never contact the Hub;
 *   <li>{@code HF_HUB_DOWNLOAD_TIMEOUT}: seconds to wait for a connection or a response (default 10).
 * </ul>
 *
 * @param endpoint the Hub's base URL, without trailing slash
 * @param token the access token, if any; sent only to the endpoint's origin
 * @param cacheDir the hub cache, holding one {@code models--org--name} directory per model
 * @param offline whether requests are forbidden
 * @param timeout the connect and response timeout of a request
 */
public record HfHubSettings(URI endpoint, Optional<String> token, Path cacheDir, boolean offline, Duration timeout) {
  public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
  private static final Set<String> TRUE = Set.of("1", "ON", "YES", "TRUE");
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  public HfHubSettings {
    String scheme = endpoint.getScheme();
    if (scheme == null || !(scheme.equals("https") || scheme.equals("http")) || endpoint.getHost() == null) {
      throw new HfHubException("HF_ENDPOINT '" + endpoint + "' is not an http(s) URL. Fix: set it to "
          + DEFAULT_ENDPOINT + " or to your mirror's base URL, or unset it");
    }
    token = token.map(String::strip).filter(t -> !t.isEmpty());
  }

  /** The settings of this process's environment. */
  public static HfHubSettings fromEnvironment() {
    return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /**
   * The settings that an environment describes.
   *
   * @param env environment variables
   * @param home the user's home directory, for {@code ~} and the default cache
   */
  public static HfHubSettings fromEnvironment(Map<String, String> env, Path home) {
    String endpoint = firstSet(env, "HF_ENDPOINT").orElse(DEFAULT_ENDPOINT).strip().replaceAll("/+$", "");
    URI uri;
    try {
      uri = URI.create(endpoint);
    } catch (IllegalArgumentException e) {
      throw new HfHubException("HF_ENDPOINT '" + endpoint + "' is not a URL. Fix: set it to " + DEFAULT_ENDPOINT
          + " or to your mirror's base URL, or unset it");
    }
    Path hfHome = firstSet(env, "HF_HOME").map(p -> expand(p, home))
        .orElseGet(() -> firstSet(env, "XDG_CACHE_HOME").map(p -> expand(p, home)).orElse(home.resolve(".cache"))
            .resolve("huggingface"));
    Path cache = firstSet(env, "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE").map(p -> expand(p, home))
        .orElse(hfHome.resolve("hub"));
    Path tokenFile = firstSet(env, "HF_TOKEN_PATH").map(p -> expand(p, home)).orElse(hfHome.resolve("token"));
    Optional<String> token = firstSet(env, "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN").or(() -> readToken(tokenFile));
    boolean offline = firstSet(env, "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
        .map(v -> TRUE.contains(v.strip().toUpperCase(Locale.ROOT))).orElse(false);
    Duration timeout = firstSet(env, "HF_HUB_DOWNLOAD_TIMEOUT").map(HfHubSettings::seconds).orElse(DEFAULT_TIMEOUT);
    return new HfHubSettings(uri, token, cache, offline, timeout);
  }

  /** These settings with requests forbidden or allowed. */
  public HfHubSettings withOffline(boolean noRequests) {
    return new HfHubSettings(endpoint, token, cacheDir, noRequests, timeout);
  }

  /** Without the token, so that logging the settings leaks no secret. */
  @Override
  public String toString() {
    return "HfHubSettings[endpoint=" + endpoint + ", token=" + (token.isPresent() ? "(set)" : "(none)")
        + ", cacheDir=" + cacheDir + ", offline=" + offline + ", timeout=" + timeout + "]";
  }

  /** The endpoint as text, for building URLs and messages. */
  String base() {
    return endpoint.toString();
  }

  private static Optional<String> firstSet(Map<String, String> env, String... names) {
    for (String name : names) {
      String value = env.get(name);
      if (value != null && !value.isEmpty()) {
        return Optional.of(value);
      }
    }
    return Optional.empty();
  }

  private static Path expand(String path, Path home) {
    if (path.equals("~")) {
      return home;
    }
    if (path.startsWith("~/")) {
      return home.resolve(path.substring(2));
    }
    return Path.of(path);
  }

  private static Optional<String> readToken(Path file) {
    try {
      return Optional.of(Files.readString(file).strip()).filter(t -> !t.isEmpty());
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the Hugging Face token file " + file, e);
    }
  }

  private static Duration seconds(String value) {
    try {
      double s = Double.parseDouble(value.strip());
      if (s > 0 && Double.isFinite(s)) {
        return Duration.ofMillis((long) (s * 1000));
      }
    } catch (NumberFormatException e) {
      // falls through to the error below
    }
    throw new HfHubException("HF_HUB_DOWNLOAD_TIMEOUT '" + value + "' is not a positive number of seconds."
        + " Fix: set it to a number such as 10, or unset it");
  }
}
