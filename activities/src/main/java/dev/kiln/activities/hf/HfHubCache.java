package dev.kiln.activities.hf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The Hugging Face cache of one model, laid out as huggingface_hub lays it out so that either tool reuses what the
 * other downloaded:
 *
 * <pre>
 * models--org--name/
 *   blobs/&lt;etag&gt;                      file contents, named by git blob sha1 or LFS sha256
 *   blobs/&lt;etag&gt;.incomplete           a download in progress, resumed from its length
 *   refs/&lt;revision&gt;                   the commit sha the branch or tag pointed to
 *   snapshots/&lt;sha&gt;/&lt;file&gt;          relative symlink to ../../blobs/&lt;etag&gt;
 *   .no_exist/&lt;sha&gt;/&lt;file&gt;          empty: the file is known to be absent at that commit
 * </pre>
 *
 * Every write is a rename of a complete temporary file, so a reader (or a crash) never sees half a ref or link.
 */
public final class HfHubCache {
  private static final Pattern ETAG = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private final HfModelId id;
  private final Path repo;

  public HfHubCache(Path cacheDir, HfModelId id) {
    this.id = id;
    this.repo = cacheDir.resolve(id.cacheFolderName());
  }

  /** The model's directory, {@code models--org--name}. */
  public Path repoDir() {
    return repo;
  }

  /** The directory of a commit's files. */
  public Path snapshotDir(String commit) {
    return repo.resolve("snapshots").resolve(checkCommit(commit));
  }

  /** Where a file of a commit appears (a symlink to its blob). */
  public Path pointer(String commit, String file) {
    return snapshotDir(commit).resolve(HfHubFiles.checkRelative(id, file));
  }

  public Path blob(String etag) {
    return repo.resolve("blobs").resolve(checkEtag(etag));
  }

  public Path incomplete(String etag) {
    return repo.resolve("blobs").resolve(checkEtag(etag) + ".incomplete");
  }

  /**
   * Marks the cache directory with a {@code CACHEDIR.TAG}, as huggingface_hub does, so that backup tools skip
   * gigabytes of re-downloadable weights. Best effort: a read-only cache is still usable.
   */
  public void tagCacheDir() {
    Path tag = repo.getParent().resolve("CACHEDIR.TAG");
    if (Files.exists(tag)) {
      return;
    }
    try {
      Files.createDirectories(tag.getParent());
      writeAtomically(tag, ("Signature: 8a477f597d28d172789f06886806bc55\n"
          + "# This file is a cache directory tag: the Hugging Face hub cache, which backups may skip.\n")
          .getBytes(StandardCharsets.US_ASCII));
    } catch (IOException | UncheckedIOException e) {
      // without the tag the cache works the same
    }
  }

  /** The lock file huggingface_hub also takes around writing this blob. */
  public Path lock(String etag) {
    return repo.getParent().resolve(".locks").resolve(id.cacheFolderName()).resolve(checkEtag(etag) + ".lock");
  }

  /** Whether the file is in the snapshot with its blob present (a dangling link does not count). */
  public boolean has(String commit, String file) {
    return Files.isRegularFile(pointer(commit, file));
  }

  /** Whether the file is known to be absent from the repository at this commit. */
  public boolean knownAbsent(String commit, String file) {
    return Files.isRegularFile(noExist(commit, file));
  }

  /** Records that the repository has no such file at this commit, so offline use knows not to expect it. */
  public void markAbsent(String commit, String file) {
    Path marker = noExist(commit, file);
    try {
      Files.createDirectories(marker.getParent());
      if (!Files.exists(marker)) {
        Files.createFile(marker);
      }
    } catch (FileAlreadyExistsException e) {
      // another process recorded it first
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + marker, e);
    }
  }

  /** The commit a branch or tag pointed to when last resolved, if the cache knows it. */
  public Optional<String> ref(String revision) {
    Path file = refFile(revision);
    try {
      String sha = Files.readString(file, StandardCharsets.UTF_8).strip();
      return sha.matches("[0-9a-f]{40}") ? Optional.of(sha) : Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** Records the commit a branch or tag points to; a commit sha is its own ref and is not written. */
  public void writeRef(String revision, String commit) {
    checkCommit(commit);
    if (revision.equals(commit) || ref(revision).filter(commit::equals).isPresent()) {
      return;
    }
    Path file = refFile(revision);
    writeAtomically(file, commit.getBytes(StandardCharsets.UTF_8));
  }

  /** Makes {@code snapshots/<commit>/<file>} a relative symlink to the blob, replacing whatever was there. */
  public Path link(String commit, String file, String etag) {
    Path pointer = pointer(commit, file);
    Path target = blob(etag);
    Path tmp = pointer.resolveSibling(pointer.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.createDirectories(pointer.getParent());
      Files.createSymbolicLink(tmp, pointer.getParent().relativize(target));
      move(tmp, pointer);
      return pointer;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot link " + pointer + " to " + target, e);
    } finally {
      deleteQuietly(tmp);
    }
  }

  /** Moves a verified download into place as the blob. */
  public void publishBlob(Path download, String etag) {
    Path target = blob(etag);
    try {
      move(download, target);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot move " + download + " to " + target, e);
    }
  }

  private Path noExist(String commit, String file) {
    return repo.resolve(".no_exist").resolve(checkCommit(commit)).resolve(HfHubFiles.checkRelative(id, file));
  }

  private Path refFile(String revision) {
    // HfModelId has checked the revision: no '..', no leading '/', so refs/pr/1 stays under refs/
    return repo.resolve("refs").resolve(revision);
  }

  private static void writeAtomically(Path file, byte[] bytes) {
    Path tmp = file.resolveSibling(file.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.createDirectories(file.getParent());
      Files.write(tmp, bytes);
      move(tmp, file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    } finally {
      deleteQuietly(tmp);
    }
  }

  private static void move(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // a leftover temporary name is harmless; the next write picks a fresh one
    }
  }

  private static String checkCommit(String commit) {
    if (commit == null || !commit.matches("[0-9a-f]{40}")) {
      throw new IllegalStateException("not a commit sha: " + commit);
    }
    return commit;
  }

  private String checkEtag(String etag) {
    if (etag == null || !ETAG.matcher(etag).matches() || etag.startsWith(".")) {
      throw new HfHubTransferException("the Hub sent an unusable ETag '" + etag + "' for " + id
          + "; it cannot name a cache file. Fix: check that HF_ENDPOINT is the Hub or a faithful mirror");
    }
    return etag;
  }
}
