package dev.kiln.activities.hf;

import java.net.URI;
import java.net.http.HttpHeaders;

/**
 * Turns the Hub's refusals into messages that name the model and the fix. The Hub says what went wrong in an
 * {@code X-Error-Code} header ({@code RepoNotFound}, {@code RevisionNotFound}, {@code EntryNotFound},
 * {@code GatedRepo}) beside the status, and answers 401 rather than 404 for a private repository when no token is
 * sent, so the status alone would mislead; this reads both, as huggingface_hub does.
 */
final class HfHubErrors {
  static final String INVALID_CREDENTIALS = "Invalid credentials in Authorization header";

  private HfHubErrors() {}

  /**
   * The exception for a final (non-retried) error answer.
   *
   * @param id the model asked for
   * @param file the file asked for, or null for the model info
   * @param status the HTTP status
   * @param headers the answer's headers
   * @param tokenSent whether the request carried a token
   * @param endpoint the Hub's base URL, for the model page in the fix
   */
  static RuntimeException of(HfHubModelRequest request, int status, HttpHeaders headers, boolean tokenSent,
      String endpoint) {
    HfModelId id = request.id();
    String code = headers.firstValue("X-Error-Code").orElse("");
    String detail = headers.firstValue("X-Error-Message").map(HfHubErrors::shorten).orElse("");
    String model = "Hugging Face model '" + id.repoId() + "'";
    String page = id.pageUrl(endpoint);
    String tokenState = tokenSent ? "the token in HF_TOKEN (or the token file) has no access to it"
        : "no token was sent (HF_TOKEN is not set)";
    if (code.equals("RevisionNotFound")) {
      return new HfHubException(model + " has no revision '" + id.revision() + "' on " + endpoint
          + ". Fix: give an existing branch, tag or commit sha after '@' (the branches are listed on " + page
          + "/tree/main)");
    }
    if (code.equals("GatedRepo")) {
      return new HfHubException(model + " is gated: " + (tokenSent
          ? "the account of the token in HF_TOKEN has not been granted access"
          : "it can only be downloaded with a token, and HF_TOKEN is not set")
          + ". Fix: log in on " + page + " and accept the model's terms, then set HF_TOKEN to a read token of"
          + " that account (or run `hf auth login`)");
    }
    if (status == 401 && detail.startsWith(INVALID_CREDENTIALS)) {
      return new HfHubException(model + ": the Hub rejected the token (invalid or expired). Fix: set HF_TOKEN to a"
          + " valid read token from " + endpoint + "/settings/tokens, or unset it for public models");
    }
    if (code.equals("RepoNotFound") || status == 401 || (status == 404 && request.file() == null)) {
      return new HfHubException(model + " does not exist on " + endpoint + ", or it is private and " + tokenState
          + ". Fix: check the id (org/name, as on the model's page " + page + "); for a private or gated model set"
          + " HF_TOKEN to a read token of an account with access and accept the terms on the model's page");
    }
    if (code.equals("EntryNotFound") || status == 404) {
      return new HfHubException(model + " has no " + request.describeFile() + " at revision " + id.revision()
          + " on " + endpoint + ". Fix: use a revision that has it, or tell the model's authors");
    }
    if (status == 403) {
      return new HfHubException(model + ": access forbidden" + (detail.isEmpty() ? "" : " (" + detail + ")")
          + "; " + tokenState + ". Fix: set HF_TOKEN to a read token of an account with access, and accept the"
          + " model's terms on " + page + " if it has any");
    }
    if (status >= 500 || status == 429 || status == 408) {
      return new HfHubTransferException(model + ": the Hub kept answering " + status + " for "
          + request.describeFile() + (detail.isEmpty() ? "" : " (" + detail + ")")
          + " after every retry. Fix: try again later, or set HF_HUB_OFFLINE=1 to use the cache only");
    }
    return new HfHubException(model + ": the Hub answered " + status + " for " + request.describeFile()
        + (detail.isEmpty() ? "" : " (" + detail + ")") + ". Fix: check the id, the revision and HF_ENDPOINT");
  }

  /**
   * The exception for a download server other than the Hub (the CDN an LFS file redirects to) that kept refusing:
   * its signed URL comes from the Hub, so the token and the id are not the cause.
   */
  static HfHubTransferException ofDownloadServer(HfHubModelRequest request, int status, URI server) {
    return new HfHubTransferException("Hugging Face model '" + request.id().repoId() + "': the download server "
        + server.getHost() + " kept answering " + status + " for " + request.describeFile() + " after every retry,"
        + " on fresh redirects from the Hub. Fix: try again later; check any proxy or firewall between here and "
        + server.getHost());
  }

  /** A server's message, cut to its first line and 160 characters so it cannot flood a log. */
  static String shorten(String text) {
    String line = text.strip().lines().findFirst().orElse("");
    return line.length() <= 160 ? line : line.substring(0, 160) + "…";
  }
}
