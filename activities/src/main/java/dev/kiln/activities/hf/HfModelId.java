package dev.kiln.activities.hf;

import java.util.regex.Pattern;

/**
 * A model on the Hugging Face Hub, written {@code org/name[@revision]} or {@code name[@revision]}. The id is
 * checked the way the Hub names repositories (ASCII letters, digits, {@code -}, {@code _} and {@code .}; each part
 * starts and ends with a letter, digit or {@code _}; no {@code --} or {@code ..}; a name of at most 96
 * characters; no {@code .git} ending), so a typo fails here, before any request, and no id can escape the cache
 * directory it names. The revision is a branch, a tag, a commit sha or a ref such as {@code refs/pr/1}; it
 * defaults to {@code main}.
 *
 * @param namespace the user or organisation, or null for a legacy id without one (such as {@code gpt2})
 * @param name the repository name
 * @param revision the branch, tag or commit to download
 */
public record HfModelId(String namespace, String name, String revision) {
  public static final String DEFAULT_REVISION = "main";

  private static final Pattern PART = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?");
  private static final int MAX_NAME = 96;
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
  /** Characters git does not allow in a ref, plus whitespace and the path separators of other systems. */
  private static final Pattern BAD_REVISION_CHAR = Pattern.compile("[\\s\\p{Cntrl}~^:?*\\[\\\\%#]");

  public HfModelId {
    String repo = namespace == null ? String.valueOf(name) : namespace + "/" + name;
    if (namespace != null) {
      checkPart(namespace, repo);
    }
    checkPart(name, repo);
    if (name.length() > MAX_NAME) {
      throw invalid(repo, "the name is longer than " + MAX_NAME + " characters");
    }
    if (repo.endsWith(".git")) {
      throw invalid(repo, "it ends with .git");
    }
    checkRevision(repo, revision);
  }

  /**
   * Parses {@code org/name}, {@code name}, and either followed by {@code @revision}.
   *
   * @throws HfHubException naming the id and what is wrong with it
   */
  public static HfModelId parse(String text) {
    if (text == null || text.isBlank()) {
      throw new HfHubException("Hugging Face model id is empty. Fix: give it as org/name or org/name@revision");
    }
    String id = text.strip();
    String revision = DEFAULT_REVISION;
    int at = id.indexOf('@');
    if (at >= 0) {
      revision = id.substring(at + 1);
      id = id.substring(0, at);
    }
    int slash = id.indexOf('/');
    if (slash < 0) {
      return new HfModelId(null, id, revision);
    }
    if (id.indexOf('/', slash + 1) >= 0) {
      throw invalid(id, "it has more than one '/'; model ids are org/name (datasets and spaces are not models)");
    }
    return new HfModelId(id.substring(0, slash), id.substring(slash + 1), revision);
  }

  /** The id without the revision, as the Hub's URLs carry it. */
  public String repoId() {
    return namespace == null ? name : namespace + "/" + name;
  }

  /** Whether the revision is a full commit sha, which never moves and so needs no resolving. */
  public boolean isCommit() {
    return COMMIT.matcher(revision).matches();
  }

  /** The directory of this model in the Hugging Face cache: {@code models--org--name}. */
  public String cacheFolderName() {
    return "models--" + repoId().replace("/", "--");
  }

  /** The Hub's page of the model, where its terms are accepted. */
  String pageUrl(String endpoint) {
    return endpoint + "/" + repoId();
  }

  @Override
  public String toString() {
    return repoId() + "@" + revision;
  }

  private static void checkPart(String part, String repo) {
    if (part == null || part.isEmpty()) {
      throw invalid(repo, "the org or the name is empty");
    }
    if (!PART.matcher(part).matches()) {
      throw invalid(repo, "use letters, digits, '-', '_' or '.'; a part cannot start or end with '-' or '.'");
    }
    if (part.contains("--") || part.contains("..")) {
      throw invalid(repo, "it contains '--' or '..'");
    }
  }

  private static void checkRevision(String repo, String revision) {
    String problem = null;
    if (revision == null || revision.isEmpty()) {
      problem = "the revision after '@' is empty";
    } else if (revision.length() > 255) {
      problem = "the revision is longer than 255 characters";
    } else if (BAD_REVISION_CHAR.matcher(revision).find()) {
      problem = "the revision contains a space or one of ~^:?*[\\%#";
    } else if (revision.startsWith("/") || revision.endsWith("/") || revision.contains("//")
        || revision.contains("..") || revision.contains("@{") || revision.startsWith(".")
        || revision.contains("/.")) {
      problem = "the revision is not a valid branch, tag or commit name";
    }
    if (problem != null) {
      throw new HfHubException("Hugging Face model id '" + repo + "@" + revision + "' is invalid: " + problem
          + ". Fix: give a branch, tag or commit sha after '@', such as " + repo + "@main");
    }
  }

  private static HfHubException invalid(String repo, String why) {
    return new HfHubException("Hugging Face model id '" + repo + "' is invalid: " + why
        + ". Fix: give the id as shown on the model's page, org/name (such as openai-community/gpt2)");
  }
}
