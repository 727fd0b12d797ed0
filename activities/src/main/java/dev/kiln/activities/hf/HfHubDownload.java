package dev.kiln.activities.hf;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one file of a commit into the cache as {@code blobs/<etag>}. The bytes go to
 * {@code blobs/<etag>.incomplete} first; when the connection breaks (or the Hub answers 5xx/429) the download
 * asks for the rest with {@code Range} and appends, so a multi-gigabyte shard is not started over, and a partial
 * file left by a crashed process is continued the same way. Only a complete file whose size matches and whose
 * hash matches its etag (sha256 for an LFS file, the git blob sha1 otherwise) becomes the blob; on a mismatch the
 * partial file is deleted and the download fails, so the cache never holds a corrupt file.
 */
final class HfHubDownload {
  private static final Logger LOG = LoggerFactory.getLogger(HfHubDownload.class);
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-\\d+/(\\d+|\\*)");
  private static final int BUFFER = 1 << 20;

  private final HfHubHttp http;
  private final HfHubCache cache;

  HfHubDownload(HfHubHttp http, HfHubCache cache) {
    this.http = http;
    this.cache = cache;
  }

  /**
   * Ensures the blob of a file is cached.
   *
   * @param expected what the model info says of the file (its etag and size may be unknown)
   * @return the file's etag, the blob's name
   */
  String fetch(HfHubModelRequest request, String commit, HfHubRepoInfo.RepoFile expected) {
    String etag = expected.etag();
    long size = expected.size();
    if (etag != null && Files.isRegularFile(cache.blob(etag))) {
      return etag;
    }
    URI uri = http.resolveUrl(request.id(), commit, request.file());
    HfHubHttp.Reply first = null;
    if (etag == null) {
      // a mirror without blob metadata: the first answer names the blob
      first = http.send(request, "GET", uri, 0);
      etag = first.etag();
      if (etag == null) {
        first.close();
        throw new HfHubTransferException("Hugging Face model '" + request.id().repoId() + "': the Hub sent no ETag"
            + " for " + request.describeFile() + ", so it cannot be cached. Fix: check that HF_ENDPOINT is the Hub"
            + " or a faithful mirror");
      }
      size = size >= 0 ? size : first.size();
      if (Files.isRegularFile(cache.blob(etag))) {
        first.close();
        return etag;
      }
    }
    try (HfHubLock lock = HfHubLock.acquire(cache.lock(etag))) {
      if (Files.isRegularFile(cache.blob(etag))) {
        return etag;
      }
      download(request, commit, uri, etag, size, first);
      first = null;
      return etag;
    } finally {
      if (first != null) {
        first.close();
      }
    }
  }

  private void download(HfHubModelRequest request, String commit, URI uri, String etag, long size,
      HfHubHttp.Reply first) {
    Path part = cache.incomplete(etag);
    HfHubHttp.Reply reply = first;
    try {
      Files.createDirectories(part.getParent());
      try (RandomAccessFile out = new RandomAccessFile(part.toFile(), "rw")) {
        long have = out.length();
        if (size >= 0 && have > size) {
          have = 0;
        }
        if (reply != null && have > 0) {
          reply.close();
          reply = null;
        }
        LOG.info("{}: downloading {} ({}){}", request.id(), request.file(), size < 0 ? "size unknown" : size + " bytes",
            have > 0 ? ", continuing from byte " + have : "");
        int failures = 0;
        while (size < 0 || have < size) {
          if (reply == null) {
            reply = http.send(request, "GET", uri, have);
          }
          checkSameFile(request, commit, etag, reply, part);
          long start = startOf(reply);
          if (start != have) {
            LOG.warn("{} of {}: asked for bytes from {} but the answer starts at {}; starting over",
                request.describeFile(), request.id(), have, start);
            have = 0;
            if (start != 0) {
              reply.close();
              reply = null;
              failures = backOff(request, failures, 0, new IOException("answer starts at byte " + start));
              continue;
            }
          }
          if (size < 0) {
            size = reply.size();
          }
          out.setLength(have);
          out.seek(have);
          long before = have;
          InputStream body = reply.response().body();
          HfHubStallWatch watch = new HfHubStallWatch(http.timeout(), body);
          try (watch; body) {
            have = copy(body, out, have, size, watch);
          } catch (IOException e) {
            have = out.getFilePointer();
            reply = null;
            failures = backOff(request, failures, have - before, watch.fired()
                ? new IOException("no bytes for " + http.timeout().toMillis() + " ms (HF_HUB_DOWNLOAD_TIMEOUT)")
                : e);
            continue;
          }
          reply = null;
          if (size < 0 || have == size) {
            break;
          }
          failures = backOff(request, failures, have - before,
              new IOException("the connection closed after " + have + " of " + size + " bytes"));
        }
        out.getFD().sync();
        if (size >= 0 && have != size) {
          throw corrupt(request, part, "received " + have + " bytes where the Hub announced " + size);
        }
      }
      verify(request, part, etag);
      cache.publishBlob(part, etag);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + part, e);
    } finally {
      if (reply != null) {
        reply.close();
      }
    }
  }

  /** Counts a fault and waits; progress since the last fault gives the download its full retry budget again. */
  private int backOff(HfHubModelRequest request, int failures, long progress, IOException fault) {
    int count = progress > 0 ? 1 : failures + 1;
    if (count > http.retry().maxRetries()) {
      throw http.unreachable(request, fault);
    }
    var wait = http.retry().wait(count, null);
    LOG.warn("{} of {}: {}; resuming, retry {}/{} in {} ms", request.describeFile(), request.id(),
        fault.toString(), count, http.retry().maxRetries(), wait.toMillis());
    http.retry().pause(wait);
    return count;
  }

  private static long copy(InputStream body, RandomAccessFile out, long have, long size, HfHubStallWatch watch)
      throws IOException {
    byte[] buf = new byte[BUFFER];
    long n = have;
    for (int r; (r = body.read(buf)) >= 0; ) {
      if (size >= 0 && n + r > size) {
        throw new IOException("the Hub sent more than the announced " + size + " bytes");
      }
      out.write(buf, 0, r);
      n += r;
      watch.progress();
    }
    return n;
  }

  private static long startOf(HfHubHttp.Reply reply) {
    if (reply.status() != 206) {
      return 0;
    }
    Matcher m = CONTENT_RANGE.matcher(reply.response().headers().firstValue("Content-Range").orElse(""));
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  /** A resumed answer must be the same file of the same commit, or the appended bytes would mix two files. */
  private void checkSameFile(HfHubModelRequest request, String commit, String etag, HfHubHttp.Reply reply,
      Path part) {
    if (reply.commit() != null && !reply.commit().equals(commit)) {
      reply.close();
      throw corrupt(request, part, "the Hub served commit " + reply.commit() + " where " + commit + " was asked for");
    }
    if (reply.etag() != null && !reply.etag().equals(etag)) {
      reply.close();
      throw corrupt(request, part, "the Hub's ETag " + reply.etag() + " differs from the model info's " + etag);
    }
  }

  private void verify(HfHubModelRequest request, Path part, String etag) throws IOException {
    String algorithm;
    byte[] prefix = new byte[0];
    if (etag.matches("[0-9a-f]{64}")) {
      algorithm = "SHA-256";
    } else if (etag.matches("[0-9a-f]{40}")) {
      algorithm = "SHA-1";
      prefix = ("blob " + Files.size(part) + "\0").getBytes(StandardCharsets.US_ASCII);
    } else {
      return; // an etag that is no content hash (some mirrors): the size check is all there is
    }
    String actual = hash(part, algorithm, prefix);
    if (!actual.equals(etag)) {
      throw corrupt(request, part, "its " + (algorithm.equals("SHA-1") ? "git blob sha1" : "sha256") + " is "
          + actual + ", not " + etag);
    }
  }

  private static String hash(Path file, String algorithm, byte[] prefix) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    md.update(prefix);
    byte[] buf = new byte[BUFFER];
    try (InputStream in = Files.newInputStream(file)) {
      for (int r; (r = in.read(buf)) >= 0; ) {
        md.update(buf, 0, r);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static HfHubTransferException corrupt(HfHubModelRequest request, Path part, String why) {
    try {
      Files.deleteIfExists(part);
    } catch (IOException e) {
      // the next download truncates it if it is longer than the file
    }
    return new HfHubTransferException("Hugging Face model '" + request.id().repoId() + "': the download of "
        + request.describeFile() + " is not the file the Hub announced (" + why + "); the partial file was deleted."
        + " Fix: try again; if it repeats, check HF_ENDPOINT and any proxy in between");
  }
}
