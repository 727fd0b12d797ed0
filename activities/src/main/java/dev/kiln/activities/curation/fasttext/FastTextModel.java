package dev.kiln.activities.curation.fasttext;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A fastText supervised model ({@code .bin}, or quantized {@code .ftz}) for prediction in plain Java, giving the
 * labels and probabilities that fastText's own {@code predict} gives (Python's {@code model.predict(text, k)}),
 * to float rounding. Reads the file format of fastText 0.9 (version 12; version 11 too): the training arguments,
 * the dictionary (words, labels, and for a cut model the kept n-gram rows), the input matrix (dense or product
 * quantized, with or without quantized norms) and the output matrix (dense, or quantized with {@code -qout}).
 *
 * <p>A text is read as fastText reads one line: split into tokens on ASCII whitespace (space, tab, CR, vertical
 * tab, form feed, NUL), followed by the end-of-sentence token {@code </s>}; a newline ends the line, so callers
 * replace newlines first (DataTrove replaces each with a space). Each token adds its word row if the word is in the
 * vocabulary and, with {@code maxn > 0}, the rows of its char n-grams; then come the word n-grams. The hidden vector
 * is the mean of those rows; the loss turns it into label probabilities.
 *
 * <p>Immutable once loaded: one instance serves any number of threads.
 */
public final class FastTextModel {
  private static final int MAGIC = 793712314;
  private static final int VERSION = 12;

  /** A label (as the model names it, e.g. {@code __label__en}) and its probability. */
  public record Prediction(String label, double probability) {}

  private final ModelArgs args;
  private final Dictionary dict;
  private final Matrix input;
  private final Matrix output;
  private final OutputLayer layer;
  private final boolean quantized;

  private FastTextModel(ModelArgs args, Dictionary dict, Matrix input, Matrix output, boolean quantized) {
    this.args = args;
    this.dict = dict;
    this.input = input;
    this.output = output;
    this.quantized = quantized;
    this.layer = OutputLayer.of(args.loss(), output, dict.labelCounts());
  }

  public static FastTextModel load(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return load(in);
    } catch (IOException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /** Reads a model from the stream (not closed), front to back. */
  public static FastTextModel load(InputStream stream) throws IOException {
    ModelReader in = new ModelReader(stream instanceof BufferedInputStream ? stream : new BufferedInputStream(stream));
    int magic = in.readInt();
    if (magic != MAGIC) {
      throw new IOException("not a fastText model (it does not start with fastText's magic number)");
    }
    int version = in.readInt();
    if (version > VERSION || version < 11) {
      throw new IOException("fastText model file version " + version + " is not supported (11 and 12 are)");
    }
    ModelArgs args = ModelArgs.read(in, version);
    if (args.model() != ModelArgs.MODEL_SUPERVISED) {
      throw new IOException("the model is a word-vector model (cbow or skipgram), not a supervised classifier");
    }
    if (args.dim() <= 0) {
      throw new IOException("the model's dimension is " + args.dim());
    }
    Dictionary dict = Dictionary.read(in, args);
    boolean quantInput = in.readBool();
    Matrix input = quantInput ? QuantizedMatrix.read(in) : DenseMatrix.read(in);
    if (!quantInput && dict.pruned()) {
      throw new IOException(
          "a dense model with a pruned dictionary is an invalid fastText model (fastText issue #332)");
    }
    boolean qout = in.readBool();
    Matrix output = quantInput && qout ? QuantizedMatrix.read(in) : DenseMatrix.read(in);
    if (input.cols() != args.dim() || output.cols() != args.dim()) {
      throw new IOException("the matrices have " + input.cols() + " and " + output.cols() + " columns, the model's"
          + " dimension is " + args.dim());
    }
    if (output.rows() != dict.nlabels()) {
      throw new IOException("the output matrix has " + output.rows() + " rows for " + dict.nlabels() + " labels");
    }
    return new FastTextModel(args, dict, input, output, quantInput);
  }

  public ModelArgs args() {
    return args;
  }

  public boolean quantized() {
    return quantized;
  }

  /** The model's labels, in its order (most frequent in training first). */
  public List<String> labels() {
    List<String> labels = new ArrayList<>(dict.nlabels());
    for (int i = 0; i < dict.nlabels(); i++) {
      labels.add(dict.label(i));
    }
    return labels;
  }

  /** The {@code k} most probable labels (all with {@code k = -1}), most probable first. */
  public List<Prediction> predict(String text, int k) {
    return predict(text, k, 0f);
  }

  /**
   * The {@code k} most probable labels (all with {@code k = -1}) whose probability is at least {@code threshold},
   * most probable first; none for a text without a single known row (fastText returns none then too). As fastText
   * searches the hierarchical softmax, labels whose probability falls below about 1e-5 may be missing even with
   * threshold 0.
   */
  public List<Prediction> predict(String text, int k, float threshold) {
    if (k == -1) {
      k = dict.nlabels();
    } else if (k <= 0) {
      throw new IllegalArgumentException("k needs to be 1 or higher, or -1 for all labels; it is " + k);
    }
    float[] hidden = new float[args.dim()];
    int rows = addRows(text.getBytes(StandardCharsets.UTF_8), hidden);
    if (rows == 0 || dict.nlabels() == 0) {
      return List.of();
    }
    float scale = (float) (1.0 / rows);
    for (int j = 0; j < hidden.length; j++) {
      hidden[j] *= scale;
    }
    List<OutputLayer.Scored> best = layer.predict(hidden, k, threshold);
    List<Prediction> predictions = new ArrayList<>(best.size());
    for (OutputLayer.Scored s : best) {
      predictions.add(new Prediction(dict.label(s.label()), (float) Math.exp(s.score())));
    }
    return predictions;
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t' || b == 0x0B || b == '\f' || b == 0;
  }

  /** Adds the input rows of the line into {@code hidden}; returns how many. */
  private int addRows(byte[] text, float[] hidden) {
    int[] added = {0};
    Dictionary.RowSink sink = row -> {
      input.addRowTo(hidden, row);
      added[0]++;
    };
    int[] hashes = new int[16];
    int tokens = 0;
    byte[] marked = new byte[64];
    int at = 0;
    boolean lineEnded = false;
    while (true) {
      while (at < text.length && isSpace(text[at]) && text[at] != '\n') {
        at++;
      }
      int from;
      int to;
      byte[] source;
      if (at >= text.length || text[at] == '\n') {
        source = Dictionary.EOS; // the end of the line (fastText's Python binding appends the newline)
        from = 0;
        to = Dictionary.EOS.length;
        lineEnded = true;
      } else {
        from = at;
        while (at < text.length && !isSpace(text[at])) {
          at++;
        }
        to = at;
        source = text;
      }
      int h = Dictionary.hash(source, from, to);
      int wid = dict.id(source, from, to, h);
      boolean label = wid < 0 ? Dictionary.looksLikeLabel(source, from, to) : dict.isLabel(wid);
      if (!label) {
        boolean eos = Dictionary.isEos(source, from, to);
        if (wid >= 0) {
          sink.add(wid);
        }
        if (dict.hasSubwords() && !eos) {
          int length = to - from + 2;
          if (marked.length < length) {
            marked = new byte[Math.max(length, marked.length * 2)];
          }
          marked[0] = '<';
          System.arraycopy(source, from, marked, 1, to - from);
          marked[length - 1] = '>';
          dict.charNgrams(marked, length, sink);
        }
        if (tokens == hashes.length) {
          hashes = java.util.Arrays.copyOf(hashes, tokens * 2);
        }
        hashes[tokens++] = h;
        if (eos) {
          break;
        }
      }
      if (lineEnded) {
        break;
      }
    }
    dict.wordNgrams(hashes, tokens, sink);
    return added[0];
  }
}
