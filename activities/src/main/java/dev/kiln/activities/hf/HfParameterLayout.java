package dev.kiln.activities.hf;

import java.util.ArrayList;
import java.util.List;

/**
 * The parameters each supported architecture has, named as transformers names them in the task model Kiln imports
 * (GPT2LMHeadModel, LlamaForCausalLM, BertForMaskedLM, RobertaForMaskedLM, T5ForConditionalGeneration) and shaped
 * by the config. Two conventions to keep in mind when using the weights: GPT-2's projections are Conv1D, stored
 * [in, out], while every nn.Linear (Llama, BERT, RoBERTa, T5, and all lm_heads) is stored [out, in]; and tied
 * parameters are usually absent from the file.
 */
public final class HfParameterLayout {
  private final String basePrefix;
  private final List<ExpectedTensor> tensors;

  private HfParameterLayout(String basePrefix, List<ExpectedTensor> tensors) {
    this.basePrefix = basePrefix;
    this.tensors = List.copyOf(tensors);
  }

  public static HfParameterLayout of(HfModelConfig config) {
    if (config instanceof Gpt2Config c) {
      return gpt2(c);
    }
    if (config instanceof LlamaConfig c) {
      return llama(c);
    }
    if (config instanceof BertConfig c) {
      return bertStyle("bert", c.vocabSize(), c.hiddenSize(), c.numHiddenLayers(), c.intermediateSize(),
          c.maxPositionEmbeddings(), c.typeVocabSize(), c.tieWordEmbeddings());
    }
    if (config instanceof RobertaConfig c) {
      return bertStyle("roberta", c.vocabSize(), c.hiddenSize(), c.numHiddenLayers(), c.intermediateSize(),
          c.maxPositionEmbeddings(), c.typeVocabSize(), c.tieWordEmbeddings());
    }
    return t5((T5Config) config); // the interface is sealed: T5 is the last
  }

  /**
   * The base model's attribute name (transformer, model, bert, roberta; none for T5). A checkpoint saved from the
   * base model alone (GPT2Model rather than GPT2LMHeadModel, as the original gpt2 upload was) has the same names
   * without it.
   */
  public String basePrefix() {
    return basePrefix;
  }

  public List<ExpectedTensor> tensors() {
    return tensors;
  }

  private static HfParameterLayout gpt2(Gpt2Config c) {
    Builder b = new Builder();
    Dim v = new Dim(c.vocabSize(), "vocab_size");
    Dim h = new Dim(c.hiddenSize(), "n_embd");
    Dim h3 = new Dim(3L * c.hiddenSize(), "3×n_embd");
    Dim inner = new Dim(c.intermediateSize(), c.intermediateSize() == 4 * c.hiddenSize() ? "4×n_embd" : "n_inner");
    b.add("transformer.wte.weight", v, h);
    b.add("transformer.wpe.weight", new Dim(c.maxPositionEmbeddings(), "n_positions"), h);
    for (int i = 0; i < c.numHiddenLayers(); i++) {
      String p = "transformer.h." + i + ".";
      b.norm(p + "ln_1", h);
      // Conv1D: weight [in, out]
      b.add(p + "attn.c_attn.weight", h, h3).add(p + "attn.c_attn.bias", h3);
      b.add(p + "attn.c_proj.weight", h, h).add(p + "attn.c_proj.bias", h);
      b.norm(p + "ln_2", h);
      b.add(p + "mlp.c_fc.weight", h, inner).add(p + "mlp.c_fc.bias", inner);
      b.add(p + "mlp.c_proj.weight", inner, h).add(p + "mlp.c_proj.bias", h);
    }
    b.norm("transformer.ln_f", h);
    b.head("lm_head.weight", c.tieWordEmbeddings() ? "transformer.wte.weight" : null, v, h);
    return new HfParameterLayout("transformer", b.tensors);
  }

  private static HfParameterLayout llama(LlamaConfig c) {
    Builder b = new Builder();
    Dim v = new Dim(c.vocabSize(), "vocab_size");
    Dim h = new Dim(c.hiddenSize(), "hidden_size");
    String headDim = c.headDim() * c.numAttentionHeads() == c.hiddenSize() ? "hidden_size/num_attention_heads" : "head_dim";
    Dim q = new Dim((long) c.numAttentionHeads() * c.headDim(), "num_attention_heads×" + headDim);
    Dim kv = new Dim((long) c.numKeyValueHeads() * c.headDim(), "num_key_value_heads×" + headDim);
    Dim inner = new Dim(c.intermediateSize(), "intermediate_size");
    b.add("model.embed_tokens.weight", v, h);
    for (int i = 0; i < c.numHiddenLayers(); i++) {
      String p = "model.layers." + i + ".";
      b.add(p + "input_layernorm.weight", h);
      b.linear(p + "self_attn.q_proj", q, h, c.attentionBias());
      b.linear(p + "self_attn.k_proj", kv, h, c.attentionBias());
      b.linear(p + "self_attn.v_proj", kv, h, c.attentionBias());
      b.linear(p + "self_attn.o_proj", h, q, c.attentionBias());
      b.add(p + "post_attention_layernorm.weight", h);
      b.linear(p + "mlp.gate_proj", inner, h, c.mlpBias());
      b.linear(p + "mlp.up_proj", inner, h, c.mlpBias());
      b.linear(p + "mlp.down_proj", h, inner, c.mlpBias());
    }
    b.add("model.norm.weight", h);
    b.head("lm_head.weight", c.tieWordEmbeddings() ? "model.embed_tokens.weight" : null, v, h);
    return new HfParameterLayout("model", b.tensors);
  }

  private static HfParameterLayout bertStyle(
      String prefix, int vocab, int hidden, int layers, int intermediate, int positions, int types, boolean tie) {
    Builder b = new Builder();
    Dim v = new Dim(vocab, "vocab_size");
    Dim h = new Dim(hidden, "hidden_size");
    Dim inner = new Dim(intermediate, "intermediate_size");
    String e = prefix + ".embeddings.";
    b.add(e + "word_embeddings.weight", v, h);
    b.add(e + "position_embeddings.weight", new Dim(positions, "max_position_embeddings"), h);
    b.add(e + "token_type_embeddings.weight", new Dim(types, "type_vocab_size"), h);
    b.norm(e + "LayerNorm", h);
    for (int i = 0; i < layers; i++) {
      String p = prefix + ".encoder.layer." + i + ".";
      b.linear(p + "attention.self.query", h, h, true);
      b.linear(p + "attention.self.key", h, h, true);
      b.linear(p + "attention.self.value", h, h, true);
      b.linear(p + "attention.output.dense", h, h, true);
      b.norm(p + "attention.output.LayerNorm", h);
      b.linear(p + "intermediate.dense", inner, h, true);
      b.linear(p + "output.dense", h, inner, true);
      b.norm(p + "output.LayerNorm", h);
    }
    String embeddings = e + "word_embeddings.weight";
    if (prefix.equals("bert")) {
      b.linear("cls.predictions.transform.dense", h, h, true);
      b.norm("cls.predictions.transform.LayerNorm", h);
      b.add("cls.predictions.bias", v);
      b.head("cls.predictions.decoder.weight", tie ? embeddings : null, v, h);
      b.head("cls.predictions.decoder.bias", tie ? "cls.predictions.bias" : null, v);
    } else {
      b.linear("lm_head.dense", h, h, true);
      b.norm("lm_head.layer_norm", h);
      b.add("lm_head.bias", v);
      b.head("lm_head.decoder.weight", tie ? embeddings : null, v, h);
      b.head("lm_head.decoder.bias", tie ? "lm_head.bias" : null, v);
    }
    return new HfParameterLayout(prefix, b.tensors);
  }

  private static HfParameterLayout t5(T5Config c) {
    Builder b = new Builder();
    Dim v = new Dim(c.vocabSize(), "vocab_size");
    Dim d = new Dim(c.dModel(), "d_model");
    Dim inner = new Dim(c.innerDim(), "num_heads×d_kv");
    Dim ff = new Dim(c.dFf(), "d_ff");
    Dim buckets = new Dim(c.relativeAttentionNumBuckets(), "relative_attention_num_buckets");
    Dim heads = new Dim(c.numHeads(), "num_heads");
    b.add("shared.weight", v, d);
    // transformers 5 ties both stacks' embeddings to shared whatever the config says; an older file may hold them.
    b.head("encoder.embed_tokens.weight", "shared.weight", v, d);
    b.head("decoder.embed_tokens.weight", "shared.weight", v, d);
    for (String stack : List.of("encoder", "decoder")) {
      int blocks = stack.equals("encoder") ? c.numLayers() : c.numDecoderLayers();
      for (int i = 0; i < blocks; i++) {
        String p = stack + ".block." + i + ".layer.";
        attention(b, p + "0.SelfAttention.", d, inner);
        if (i == 0) {
          b.add(p + "0.SelfAttention.relative_attention_bias.weight", buckets, heads);
        }
        b.add(p + "0.layer_norm.weight", d);
        int ffLayer = 1;
        if (stack.equals("decoder")) {
          attention(b, p + "1.EncDecAttention.", d, inner);
          b.add(p + "1.layer_norm.weight", d);
          ffLayer = 2;
        }
        String f = p + ffLayer + ".DenseReluDense.";
        if (c.gatedAct()) {
          b.add(f + "wi_0.weight", ff, d).add(f + "wi_1.weight", ff, d);
        } else {
          b.add(f + "wi.weight", ff, d);
        }
        b.add(f + "wo.weight", d, ff);
        b.add(p + ffLayer + ".layer_norm.weight", d);
      }
      b.add(stack + ".final_layer_norm.weight", d);
    }
    b.head("lm_head.weight", c.tieWordEmbeddings() ? "shared.weight" : null, v, d);
    return new HfParameterLayout("", b.tensors);
  }

  private static void attention(Builder b, String p, Dim d, Dim inner) {
    b.add(p + "q.weight", inner, d).add(p + "k.weight", inner, d).add(p + "v.weight", inner, d);
    b.add(p + "o.weight", d, inner);
  }

  private record Dim(long size, String field) {}

  private static final class Builder {
    final List<ExpectedTensor> tensors = new ArrayList<>();

    Builder add(String name, Dim... dims) {
      return head(name, null, dims);
    }

    Builder head(String name, String tiedTo, Dim... dims) {
      List<Long> shape = new ArrayList<>();
      List<String> fields = new ArrayList<>();
      for (Dim dim : dims) {
        shape.add(dim.size());
        fields.add(dim.field());
      }
      tensors.add(new ExpectedTensor(name, shape, fields.toString(), tiedTo));
      return this;
    }

    /** nn.Linear: weight [out, in], bias [out]. */
    Builder linear(String name, Dim out, Dim in, boolean bias) {
      add(name + ".weight", out, in);
      return bias ? add(name + ".bias", out) : this;
    }

    Builder norm(String name, Dim size) {
      return add(name + ".weight", size).add(name + ".bias", size);
    }
  }
}
