package dev.kiln.activities.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face Hub on 127.0.0.1, serving a directory in the Hub's URL layout as a mirror would:
 * {@code api/models/<id>/revision/<rev>} (the model info JSON with sha and siblings),
 * {@code <id>/resolve/<sha>/<file>} (small files, with ETag, X-Repo-Commit and Content-Length), and, on a second
 * server standing for the CDN, {@code cdn/<sha256>} (LFS files, to which resolve redirects with X-Linked-Etag and
 * X-Linked-Size). Both honour {@code Range}. Tests can require a token, gate or hide a model, and inject faults;
 * every request is recorded. A token starting {@code hf_invalid} is refused as the Hub refuses a revoked one.
 */
public final class HfHubMirror implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern API = Pattern.compile("/api/models/(.+)/revision/([^/?]+)");
  private static final Pattern RESOLVE = Pattern.compile("/([^/]+(?:/[^/]+)?)/resolve/([^/]+)/(.+)");

  /** A request as the mirror saw it. */
  record Seen(String server, String method, String path, String range, String authorization) {}

  /** A fault served once, instead of or in the middle of the next answer to a path ending in {@code suffix}. */
  sealed interface Fault permits Drop, Stall, Status, Corrupt {}

  /** Sends the headers for the whole answer, then {@code bytes} of it, then drops the connection. */
  record Drop(int bytes) implements Fault {}

  /** Sends {@code bytes} of the answer, then nothing for {@code millis}, then drops the connection. */
  record Stall(int bytes, long millis) implements Fault {}

  /** Answers {@code status} with an optional Retry-After. */
  record Status(int status, String retryAfter) implements Fault {}

  /** Serves the file with one byte flipped. */
  record Corrupt() implements Fault {}

  private final Path root;
  /** Handlers on their own threads, so a stalled answer does not hold up the next request. */
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final HttpServer hub;
  private final HttpServer cdn;
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final Map<String, ConcurrentLinkedQueue<Fault>> faults = new ConcurrentHashMap<>();
  /** Repositories answered as private (401 RepoNotFound without the token) or gated (resolve needs the token). */
  private final Map<String, String> access = new ConcurrentHashMap<>();
  private final Map<String, String> renamed = new ConcurrentHashMap<>();
  private volatile String token;
  private volatile boolean blobMetadata = true;

  public HfHubMirror(Path root) throws IOException {
    this.root = root;
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    hub = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
    cdn = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
    hub.setExecutor(pool);
    cdn.setExecutor(pool);
    hub.createContext("/", ex -> handle("hub", ex));
    cdn.createContext("/", ex -> handle("cdn", ex));
    hub.start();
    cdn.start();
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
  }

  List<Seen> requests() {
    return List.copyOf(seen);
  }

  List<Seen> requests(String server) {
    return seen.stream().filter(s -> s.server().equals(server)).toList();
  }

  void requireToken(String required) {
    this.token = required;
  }

  void makePrivate(String repoId) {
    access.put(repoId, "private");
  }

  /** Answers requests for the old id with a relative redirect to the new one, as the Hub does after a rename. */
  void rename(String oldId, String newId) {
    renamed.put(oldId, newId);
  }

  void makeGated(String repoId) {
    access.put(repoId, "gated");
  }

  /** Leaves size, blobId and lfs out of the siblings, as a plain mirror's listing might. */
  void withoutBlobMetadata() {
    blobMetadata = false;
  }

  void inject(String pathSuffix, Fault fault) {
    faults.computeIfAbsent(pathSuffix, k -> new ConcurrentLinkedQueue<>()).add(fault);
  }

  /** Starts a model to publish; {@link Model#publish} writes its files into the mirror's directory. */
  public Model model(String repoId) {
    return new Model(repoId);
  }

  @Override
  public void close() {
    hub.stop(0);
    cdn.stop(0);
    pool.shutdownNow();
  }

  /** A model's files at one commit. */
  public final class Model {
    private final String repoId;
    private final Map<String, byte[]> files = new LinkedHashMap<>();
    private final List<String> lfs = new ArrayList<>();

    private Model(String repoId) {
      this.repoId = repoId;
    }

    public Model file(String name, byte[] bytes) {
      files.put(name, bytes);
      return this;
    }

    Model file(String name, String text) {
      return file(name, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A file stored in LFS: resolve redirects to the CDN. */
    public Model lfs(String name, byte[] bytes) {
      lfs.add(name);
      return file(name, bytes);
    }

    /**
     * Writes the commit and points the given revisions (branches or tags) at it.
     *
     * @return the commit sha
     */
    public String publish(String... revisions) {
      String sha = HexFormat.of().formatHex(sha1((repoId + files.keySet() + System.nanoTime()).getBytes()));
      ObjectNode info = JSON.createObjectNode().put("id", repoId).put("sha", sha);
      if ("gated".equals(access.get(repoId))) {
        info.put("gated", "manual");
      }
      ArrayNode siblings = info.putArray("siblings");
      try {
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
          byte[] bytes = f.getValue();
          ObjectNode s = siblings.addObject().put("rfilename", f.getKey());
          if (lfs.contains(f.getKey())) {
            String sha256 = sha256(bytes);
            byte[] pointer = ("version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256 + "\nsize "
                + bytes.length + "\n").getBytes(StandardCharsets.US_ASCII);
            write(root.resolve("cdn").resolve(sha256), bytes);
            write(root.resolve(repoId).resolve("lfs").resolve(sha).resolve(f.getKey()), pointer);
            if (blobMetadata) {
              s.put("size", bytes.length).put("blobId", gitBlobId(pointer));
              s.putObject("lfs").put("sha256", sha256).put("size", bytes.length).put("pointerSize", pointer.length);
            }
          } else {
            write(root.resolve(repoId).resolve("resolve").resolve(sha).resolve(f.getKey()), bytes);
            if (blobMetadata) {
              s.put("size", bytes.length).put("blobId", gitBlobId(bytes));
            }
          }
        }
        Path revs = root.resolve("api/models").resolve(repoId).resolve("revision");
        List<String> names = new ArrayList<>(List.of(revisions));
        names.add(sha);
        for (String rev : names) {
          write(revs.resolve(rev.replace("/", "%2F")),
              JSON.writeValueAsBytes(info));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return sha;
    }
  }

  private void handle(String server, HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      seen.add(new Seen(server, ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Range"),
          ex.getRequestHeaders().getFirst("Authorization")));
      Fault fault = nextFault(path);
      if (fault instanceof Status s) {
        if (s.retryAfter() != null) {
          ex.getResponseHeaders().set("Retry-After", s.retryAfter());
        }
        ex.sendResponseHeaders(s.status(), -1);
        return;
      }
      for (Map.Entry<String, String> r : renamed.entrySet()) {
        for (String prefix : List.of("/", "/api/models/")) {
          if (server.equals("hub") && path.startsWith(prefix + r.getKey() + "/")) {
            ex.getResponseHeaders().set("Location", prefix + r.getValue() + path.substring(prefix.length()
                + r.getKey().length()) + (ex.getRequestURI().getRawQuery() == null ? ""
                : "?" + ex.getRequestURI().getRawQuery()));
            ex.sendResponseHeaders(307, -1);
            return;
          }
        }
      }
      if (server.equals("cdn")) {
        serve(ex, root.resolve(path.substring(1)), fault);
        return;
      }
      Matcher api = API.matcher(path);
      Matcher resolve = RESOLVE.matcher(path);
      if (api.matches()) {
        String repo = api.group(1);
        if (refused(ex, repo, false)) {
          return;
        }
        Path file = root.resolve("api/models").resolve(repo).resolve("revision").resolve(api.group(2));
        if (!Files.isRegularFile(file)) {
          error(ex, 404, "RevisionNotFound", "Invalid rev id: " + api.group(2));
          return;
        }
        byte[] body = Files.readAllBytes(file);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
      } else if (resolve.matches()) {
        String repo = resolve.group(1);
        if (refused(ex, repo, true)) {
          return;
        }
        Path infoFile = root.resolve("api/models").resolve(repo).resolve("revision").resolve(resolve.group(2));
        if (!Files.isRegularFile(infoFile)) {
          error(ex, 404, "RevisionNotFound", "Invalid rev id: " + resolve.group(2));
          return;
        }
        var info = JSON.readTree(infoFile.toFile());
        String sha = info.path("sha").asText();
        String name = URLDecoder.decode(resolve.group(3), StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("X-Repo-Commit", sha);
        Path small = root.resolve(repo).resolve("resolve").resolve(sha).resolve(name);
        if (Files.isRegularFile(small)) {
          ex.getResponseHeaders().set("ETag", "\"" + gitBlobId(Files.readAllBytes(small)) + "\"");
          serve(ex, small, fault);
          return;
        }
        Path pointer = root.resolve(repo).resolve("lfs").resolve(sha).resolve(name);
        if (Files.isRegularFile(pointer)) {
          String sha256 = Files.readString(pointer).replaceAll("(?s).*oid sha256:([0-9a-f]{64}).*", "$1");
          ex.getResponseHeaders().set("X-Linked-Etag", "\"" + sha256 + "\"");
          ex.getResponseHeaders().set("X-Linked-Size", String.valueOf(Files.size(root.resolve("cdn/" + sha256))));
          ex.getResponseHeaders().set("ETag", "\"" + gitBlobId(Files.readAllBytes(pointer)) + "\"");
          ex.getResponseHeaders().set("Location", "http://127.0.0.1:" + cdn.getAddress().getPort() + "/cdn/" + sha256);
          ex.sendResponseHeaders(302, -1);
          return;
        }
        error(ex, 404, "EntryNotFound", name + " does not exist on \"" + sha + "\"");
      } else {
        error(ex, 404, "RepoNotFound", "Repository not found");
      }
    }
  }

  private boolean refused(HttpExchange ex, String repo, boolean download) throws IOException {
    if (!Files.isDirectory(root.resolve("api/models").resolve(repo))) {
      error(ex, 404, "RepoNotFound", "Repository not found");
      return true;
    }
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth != null && auth.startsWith("Bearer hf_invalid")) {
      // the Hub refuses an unknown or revoked token on every request, public repositories included
      ex.getResponseHeaders().set("X-Error-Message", "Invalid credentials in Authorization header");
      ex.sendResponseHeaders(401, -1);
      return true;
    }
    boolean authorized = token != null && ("Bearer " + token).equals(auth);
    String kind = access.get(repo);
    if ("private".equals(kind) && !authorized) {
      error(ex, 401, "RepoNotFound", "Repository not found");
      return true;
    }
    if ("gated".equals(kind) && download && !authorized) {
      error(ex, auth == null ? 401 : 403, "GatedRepo",
          "Access to model " + repo + " is restricted and you are not in the authorized list.");
      return true;
    }
    return false;
  }

  private Fault nextFault(String path) {
    for (Map.Entry<String, ConcurrentLinkedQueue<Fault>> e : faults.entrySet()) {
      if (path.endsWith(e.getKey())) {
        Fault f = e.getValue().poll();
        if (f != null) {
          return f;
        }
      }
    }
    return null;
  }

  private static void serve(HttpExchange ex, Path file, Fault fault) throws IOException {
    if (!Files.isRegularFile(file)) {
      error(ex, 404, "EntryNotFound", "not found");
      return;
    }
    byte[] bytes = Files.readAllBytes(file);
    if (fault instanceof Corrupt) {
      bytes = bytes.clone();
      bytes[bytes.length / 2] ^= 1;
    }
    int from = 0;
    String range = ex.getRequestHeaders().getFirst("Range");
    int status = 200;
    if (range != null) {
      Matcher m = Pattern.compile("bytes=(\\d+)-").matcher(range);
      if (!m.matches() || Integer.parseInt(m.group(1)) >= bytes.length) {
        ex.getResponseHeaders().set("Content-Range", "bytes */" + bytes.length);
        ex.sendResponseHeaders(416, -1);
        return;
      }
      from = Integer.parseInt(m.group(1));
      status = 206;
      ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length);
    }
    ex.getResponseHeaders().set("Accept-Ranges", "bytes");
    int length = bytes.length - from;
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.getResponseHeaders().set("Content-Length", String.valueOf(length));
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, length);
    OutputStream out = ex.getResponseBody();
    if (fault instanceof Stall st) {
      out.write(bytes, from, Math.min(st.bytes(), length));
      out.flush();
      try {
        Thread.sleep(st.millis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new IOException("injected stall");
    }
    if (fault instanceof Drop d) {
      out.write(bytes, from, Math.min(d.bytes(), length));
      out.flush();
      // the connection goes down mid-body: the server aborts the exchange without the remaining bytes
      throw new IOException("injected connection drop");
    }
    out.write(bytes, from, length);
  }

  private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
    ex.getResponseHeaders().set("X-Error-Code", code);
    ex.getResponseHeaders().set("X-Error-Message", message);
    byte[] body = ("{\"error\":\"" + message.replace("\"", "'") + "\"}").getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, body.length);
    ex.getResponseBody().write(body);
  }

  private static void write(Path file, byte[] bytes) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, bytes);
  }

  static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String gitBlobId(byte[] bytes) {
    byte[] header = ("blob " + bytes.length + "\0").getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[header.length + bytes.length];
    System.arraycopy(header, 0, all, 0, header.length);
    System.arraycopy(bytes, 0, all, header.length, bytes.length);
    return HexFormat.of().formatHex(sha1(all));
  }

  private static byte[] sha1(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(bytes);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
