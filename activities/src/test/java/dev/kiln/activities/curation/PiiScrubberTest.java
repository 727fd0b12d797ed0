package dev.kiln.activities.curation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.workflows.spec.CurationStepSpec;
import org.junit.jupiter.api.Test;

class PiiScrubberTest {

  private final PiiScrubber scrubber = new PiiScrubber(new CurationStepSpec.PiiScrubbing(true, true, true));

  private String scrub(String text) {
    return ((StepOutcome.Keep) scrubber.apply(new Document("page.html", text))).document().text();
  }

  @Test
  void replacesEmailAddresses() {
    assertEquals("Write to <EMAIL> or <EMAIL>.", scrub("Write to jane.doe@example.com or ops+alerts@mail.example.co.uk."));
  }

  @Test
  void replacesPhoneNumbers() {
    assertEquals("Call <PHONE> or <PHONE> today.", scrub("Call (555) 123-4567 or +44 20 7946 0958 today."));
  }

  @Test
  void replacesPublicButNotPrivateAddresses() {
    assertEquals("Server <IP_ADDRESS> behind 192.168.0.1 and 10.0.0.7, loopback 127.0.0.1.",
        scrub("Server 8.8.4.4 behind 192.168.0.1 and 10.0.0.7, loopback 127.0.0.1."));
  }

  @Test
  void leavesNumbersVersionsAndYearsAlone() {
    String text = "Debian 11.5 was released in 2022 with kernel 5.10.0-18 and 59,000 packages; ISBN 979-10-91414-20-3.";
    Document doc = new Document("page.html", text);
    assertEquals(StepOutcome.keep(doc), scrubber.apply(doc));
  }

  @Test
  void scrubsOnlyWhatTheProfileAsksFor() {
    PiiScrubber emailsOnly = new PiiScrubber(new CurationStepSpec.PiiScrubbing(true, false, false));
    Document doc = new Document("page.html", "a@b.org from 8.8.4.4");
    assertEquals(StepOutcome.keep(doc.withText("<EMAIL> from 8.8.4.4")), emailsOnly.apply(doc));
  }
}
