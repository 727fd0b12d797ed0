package dev.kiln.activities.hf;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests to the Hub with its conventions: the token goes only to the endpoint's origin (never to the CDN a
 * large file redirects to, whose signed URL needs none), redirects are followed here rather than by the client so
 * that rule holds on every hop, the Hub's file metadata ({@code X-Repo-Commit}, {@code X-Linked-Etag},
 * {@code X-Linked-Size}) is read from the hop that carries it, and transient answers are retried per
 * {@link HfHubRetry}. Bodies are asked for uncompressed, so sizes are the files' sizes.
 */
final class HfHubHttp {
  private static final Logger LOG = LoggerFactory.getLogger(HfHubHttp.class);
  private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
  private static final Set<Integer> TRANSIENT = Set.of(408, 429, 500, 502, 503, 504);
  private static final int MAX_REDIRECTS = 10;
  private static final String USER_AGENT = "kiln-hf-hub/1 (java " + Runtime.version().feature() + ")";

  private final HfHubSettings settings;
  private final HttpClient client;
  private final HfHubRetry retry;

  HfHubHttp(HfHubSettings settings, HfHubRetry retry) {
    this.settings = settings;
    this.retry = retry;
    this.client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(settings.timeout()).build();
  }

  HfHubRetry retry() {
    return retry;
  }

  /** How long an answer, or the next bytes of a body, may take. */
  Duration timeout() {
    return settings.timeout();
  }

  /**
   * An answer after redirects.
   *
   * @param response the final answer, 200 or 206, with its body still to read
   * @param commit the commit the Hub served the file from ({@code X-Repo-Commit}), or null
   * @param etag the Hub's ETag of the file ({@code X-Linked-Etag}, else {@code ETag}), normalised, or null
   * @param size the file's full size ({@code X-Linked-Size}, else from the final answer), or -1
   */
  record Reply(HttpResponse<InputStream> response, String commit, String etag, long size) implements AutoCloseable {
    int status() {
      return response.statusCode();
    }

    @Override
    public void close() {
      closeQuietly(response);
    }
  }

  /** The model info of a revision, with file sizes and hashes ({@code ?blobs=true}). */
  byte[] modelInfo(HfModelId id) {
    URI uri = URI.create(settings.base() + "/api/models/" + id.repoId() + "/revision/" + encode(id.revision(), false)
        + "?blobs=true");
    try (Reply reply = send(HfHubModelRequest.info(id), "GET", uri, 0)) {
      return reply.response().body().readAllBytes();
    } catch (IOException e) {
      throw unreachable(HfHubModelRequest.info(id), e);
    }
  }

  /** The URL huggingface_hub downloads a file from: {@code <endpoint>/<id>/resolve/<revision>/<file>}. */
  URI resolveUrl(HfModelId id, String revision, String file) {
    return URI.create(settings.base() + "/" + id.repoId() + "/resolve/" + encode(revision, false) + "/"
        + encode(file, true));
  }

  /**
   * Sends a request, following redirects and retrying transient faults until an answer is 200 or 206.
   *
   * @param from bytes already held; above zero a {@code Range} header asks for the rest
   * @throws HfHubException when the Hub refuses for good (not found, gated, ...)
   * @throws HfHubTransferException when the retries are spent
   */
  Reply send(HfHubModelRequest request, String method, URI uri, long from) {
    if (settings.offline()) {
      throw new IllegalStateException("no request may be sent while HF_HUB_OFFLINE is set: " + uri);
    }
    int failures = 0;
    while (true) {
      Duration retryAfter = null;
      String fault;
      try {
        Reply reply = follow(method, uri, from);
        int status = reply.status();
        if (status == 200 || status == 206) {
          return reply;
        }
        HttpHeaders headers = reply.response().headers();
        URI answeredBy = reply.response().uri();
        reply.close();
        // the CDN refusing a signed URL (expired between redirect and GET) passes with a fresh redirect
        boolean cdn = !sameOrigin(answeredBy, settings.endpoint());
        if (!(TRANSIENT.contains(status) || (cdn && status >= 400 && status < 500))
            || failures >= retry.maxRetries()) {
          throw cdn ? HfHubErrors.ofDownloadServer(request, status, answeredBy)
              : HfHubErrors.of(request, status, headers, tokenSent(answeredBy), settings.base());
        }
        retryAfter = retryAfter(headers);
        fault = "HTTP " + status;
      } catch (IOException e) {
        if (failures >= retry.maxRetries()) {
          throw unreachable(request, e);
        }
        fault = e.getClass().getSimpleName() + ": " + e.getMessage();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new HfHubTransferException("interrupted while downloading " + request.describeFile() + " of "
            + request.id());
      }
      failures++;
      Duration wait = retry.wait(failures, retryAfter);
      LOG.warn("{} of {}: {}; retry {}/{} in {} ms", request.describeFile(), request.id(), fault, failures,
          retry.maxRetries(), wait.toMillis());
      retry.pause(wait);
    }
  }

  /** The error for a Hub that could not be reached at all, after the retries. */
  HfHubTransferException unreachable(HfHubModelRequest request, IOException e) {
    return new HfHubTransferException("Hugging Face model '" + request.id().repoId() + "': cannot download "
        + request.describeFile() + " from " + settings.base() + " (" + e.getClass().getSimpleName()
        + (e.getMessage() == null ? "" : ": " + HfHubErrors.shorten(e.getMessage())) + ") after "
        + retry.maxRetries() + " retries. Fix: check the network and HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use"
        + " the cache only", e);
  }

  private Reply follow(String method, URI start, long from) throws IOException, InterruptedException {
    URI uri = start;
    String commit = null;
    String linkedEtag = null;
    long linkedSize = -1;
    for (int hop = 0; ; hop++) {
      HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(settings.timeout())
          .method(method, HttpRequest.BodyPublishers.noBody())
          .header("User-Agent", USER_AGENT).header("Accept-Encoding", "identity");
      if (from > 0) {
        b.header("Range", "bytes=" + from + "-");
      }
      if (tokenSent(uri)) {
        b.header("Authorization", "Bearer " + settings.token().orElseThrow());
      }
      HttpResponse<InputStream> r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      HttpHeaders h = r.headers();
      commit = commit != null ? commit : h.firstValue("X-Repo-Commit").orElse(null);
      linkedEtag = linkedEtag != null ? linkedEtag : h.firstValue("X-Linked-Etag").map(HfHubHttp::normalizeEtag)
          .orElse(null);
      linkedSize = linkedSize >= 0 ? linkedSize : h.firstValue("X-Linked-Size").map(HfHubHttp::parseLong)
          .orElse(-1L);
      Optional<String> location = h.firstValue("Location");
      if (REDIRECTS.contains(r.statusCode()) && location.isPresent()) {
        closeQuietly(r);
        if (hop >= MAX_REDIRECTS) {
          throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + start);
        }
        uri = uri.resolve(location.get());
        continue;
      }
      String etag = linkedEtag != null ? linkedEtag
          : sameOrigin(uri, settings.endpoint()) ? h.firstValue("ETag").map(HfHubHttp::normalizeEtag).orElse(null)
          : null;
      long size = linkedSize >= 0 ? linkedSize : fullLength(r);
      return new Reply(r, commit, etag, size);
    }
  }

  /** Whether a request to this URI carries the token: only to the endpoint's scheme, host and port. */
  boolean tokenSent(URI uri) {
    return settings.token().isPresent() && sameOrigin(uri, settings.endpoint());
  }

  static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null
        && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
  }

  private static int port(URI u) {
    return u.getPort() >= 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
  }

  /** {@code W/"abc"} and {@code "abc"} are both {@code abc}, the blob name. */
  static String normalizeEtag(String etag) {
    String e = etag.strip();
    if (e.startsWith("W/")) {
      e = e.substring(2);
    }
    return e.replace("\"", "");
  }

  /** The file's size from {@code Content-Range: bytes a-b/size}, else {@code Content-Length} of a 200. */
  private static long fullLength(HttpResponse<?> r) {
    if (!r.headers().firstValue("Content-Encoding").orElse("identity").equalsIgnoreCase("identity")) {
      return -1;
    }
    Optional<String> range = r.headers().firstValue("Content-Range");
    if (range.isPresent()) {
      String total = range.get().substring(range.get().lastIndexOf('/') + 1).strip();
      return total.equals("*") ? -1 : parseLong(total);
    }
    return r.statusCode() == 200 ? r.headers().firstValueAsLong("Content-Length").orElse(-1) : -1;
  }

  private static Duration retryAfter(HttpHeaders h) {
    return h.firstValue("Retry-After").map(String::strip).filter(v -> v.matches("\\d{1,9}"))
        .map(v -> Duration.ofSeconds(Long.parseLong(v))).orElse(null);
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Percent-encodes as Python's {@code quote}: unreserved characters stay, and {@code /} when it is a path. */
  static String encode(String s, boolean keepSlash) {
    StringBuilder out = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0
          || (keepSlash && c == '/')) {
        out.append(c);
      } else {
        out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  private static void closeQuietly(HttpResponse<InputStream> r) {
    try {
      r.body().close();
    } catch (IOException e) {
      // the connection is dropped either way
    }
  }
}
