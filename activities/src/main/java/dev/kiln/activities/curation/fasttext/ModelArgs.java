package dev.kiln.activities.curation.fasttext;

import java.io.IOException;

/**
 * The training arguments a fastText model file starts with (after its magic number and version); prediction
 * needs the dimension, the n-gram settings, the loss and the model kind.
 *
 * @param loss 1 hierarchical softmax, 2 negative sampling, 3 softmax, 4 one-vs-all
 * @param model 1 cbow, 2 skipgram, 3 supervised
 */
public record ModelArgs(int dim, int ws, int epoch, int minCount, int neg, int wordNgrams, int loss, int model,
    int bucket, int minn, int maxn, int lrUpdateRate, double t) {

  public static final int LOSS_HS = 1;
  public static final int LOSS_NS = 2;
  public static final int LOSS_SOFTMAX = 3;
  public static final int LOSS_OVA = 4;
  public static final int MODEL_SUPERVISED = 3;

  static ModelArgs read(ModelReader in, int version) throws IOException {
    int dim = in.readInt();
    int ws = in.readInt();
    int epoch = in.readInt();
    int minCount = in.readInt();
    int neg = in.readInt();
    int wordNgrams = in.readInt();
    int loss = in.readInt();
    int model = in.readInt();
    int bucket = in.readInt();
    int minn = in.readInt();
    int maxn = in.readInt();
    int lrUpdateRate = in.readInt();
    double t = in.readDouble();
    if (version == 11 && model == MODEL_SUPERVISED) {
      maxn = 0; // as fastText reads version-11 supervised models: they had no char n-grams
    }
    return new ModelArgs(dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate, t);
  }
}
