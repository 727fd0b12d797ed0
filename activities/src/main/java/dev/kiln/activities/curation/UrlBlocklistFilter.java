package dev.kiln.activities.curation;

import dev.kiln.activities.curation.web.UrlBlocklist;
import java.util.Optional;

/**
 * Drops documents whose URL or host is on a {@link UrlBlocklist}, with reason {@code url:blocklisted:<category>};
 * documents without a URL (files, books) pass unchanged.
 */
public final class UrlBlocklistFilter implements CurationStep {

  public static final String NAME = "url-blocklist";
  public static final String REASON_PREFIX = "url:blocklisted:";

  private final UrlBlocklist blocklist;

  public UrlBlocklistFilter(UrlBlocklist blocklist) {
    this.blocklist = blocklist;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepOutcome apply(Document doc) {
    if (doc.url() == null) {
      return StepOutcome.keep(doc);
    }
    Optional<String> category = blocklist.category(doc.url());
    return category.isPresent() ? StepOutcome.drop(REASON_PREFIX + category.get()) : StepOutcome.keep(doc);
  }
}
