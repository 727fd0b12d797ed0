package dev.kiln.bench.datatrove;

import dev.kiln.activities.curation.RawDocument;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.netpreserve.jwarc.HttpResponse;
import org.netpreserve.jwarc.MediaType;
import org.netpreserve.jwarc.WarcReader;
import org.netpreserve.jwarc.WarcRecord;
import org.netpreserve.jwarc.WarcResponse;

/**
 * The bench's own WARC reading (jwarc), standing in for the product's WARC reader until that lands: one
 * {@link RawDocument} per HTTP response record whose payload is HTML, the records DataTrove's WarcReader passes
 * on (response records with identified payload type text/html or application/xhtml+xml). Swap this class for
 * the product reader; nothing else in the bench reads WARC.
 *
 * <p>The id is the WARC-Record-ID (which DataTrove uses as its document id, so decisions pair up) followed by
 * a space and the target URI. Kiln's {@code HtmlTextExtractor} tells HTML from plain text by the id's
 * extension ({@link RawDocument#contentTypeOf}); the URIs of this fixture end in {@code .html}, so the id ends
 * in it too. A product reader has to carry the content type through instead.
 */
public final class WarcRawDocuments {

  private WarcRawDocuments() {}

  /** Records of one WARC file that both sides read, in file order. */
  public static List<RawDocument> read(Path warc) throws IOException {
    List<RawDocument> documents = new ArrayList<>();
    try (WarcReader reader = new WarcReader(warc)) {
      for (WarcRecord record : reader) {
        if (!(record instanceof WarcResponse response)) {
          continue;
        }
        Optional<MediaType> identified = response.identifiedPayloadType();
        HttpResponse http = response.http();
        MediaType type = identified.orElse(http.contentType()).base();
        if (!isHtml(type)) {
          continue;
        }
        byte[] body;
        try (InputStream in = http.body().stream()) {
          body = in.readAllBytes();
        }
        // the WARC-Record-ID as the header writes it, angle brackets included, as DataTrove keeps it
        documents.add(new RawDocument("<" + response.id() + "> " + response.target(), body, RawDocument.HTML,
            response.target()));
      }
    }
    return documents;
  }

  /** DataTrove's id of a document read here: its WARC-Record-ID. */
  public static String recordId(String kilnId) {
    int space = kilnId.indexOf(' ');
    return space < 0 ? kilnId : kilnId.substring(0, space);
  }

  private static boolean isHtml(MediaType type) {
    String base = type.type() + "/" + type.subtype();
    return base.equals("text/html") || base.equals("application/xhtml+xml");
  }
}
