package dev.kiln.activities.curation;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.function.ToIntFunction;

/**
 * Counts tokens in the curation funnel with GPT-2's byte-level BPE (r50k_base), the same for every run and
 * profile, so retention figures compare across runs whatever tokenizer a run trains. Pure Java (jtokkit):
 * counting through the native tokenizer cost a JNI round trip and an Encoding object per document, which
 * made counting slower than all the filters together.
 */
public final class ReferenceTokenCounter implements ToIntFunction<String> {
  public static final ReferenceTokenCounter GPT2 = new ReferenceTokenCounter(EncodingType.R50K_BASE);

  private final Encoding encoding;

  private ReferenceTokenCounter(EncodingType type) {
    this.encoding = Encodings.newDefaultEncodingRegistry().getEncoding(type);
  }

  @Override
  public int applyAsInt(String text) {
    return encoding.countTokensOrdinary(text);
  }
}
