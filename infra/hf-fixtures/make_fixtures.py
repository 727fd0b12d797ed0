"""Builds the tiny Hugging Face model directories that Kiln's importer is tested on.

Each directory is written by transformers itself (config + save_pretrained), so its names, shapes, dtypes and
config fields are exactly what a real checkpoint of that architecture has. The models are random (fixed seeds) and
tiny; golden.json holds transformers' fp32 logits for a few fixed inputs, so an implementation of the maths in Java
can be checked against the reference.

Run through make-fixtures.sh (pinned venv); the only argument is the output directory.
"""

import json
import math
import os
import shutil
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import safetensors
import tokenizers
import torch
import transformers
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import (
    AutoModelForCausalLM,
    AutoModelForMaskedLM,
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    BertConfig,
    BertForMaskedLM,
    GPT2Config,
    GPT2LMHeadModel,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
    RobertaConfig,
    RobertaForMaskedLM,
    T5Config,
    T5ForConditionalGeneration,
)

SEED = 20261201
SIGNIFICANT_DIGITS = 7

CORPUS = [
    "The kiln fires the clay until it rings like a bell.",
    "A small model learns the shape of the language from many short sentences.",
    "Potters glaze their bowls, then fire them slowly overnight.",
    "Tokenizers split text into pieces; models predict the next piece.",
    "The quick brown fox jumps over the lazy dog.",
    "Rain fell on the workshop roof while the wheel kept turning.",
    "Every checkpoint stores the weights, the optimizer state and the step.",
    "She measured the temperature twice and wrote both numbers down.",
    "Clay, water and fire: three things, one bowl.",
    "Attention lets each token look back at the tokens before it.",
]
GOLDEN_TEXT = "The kiln fires clay."
FIXTURES = [
    "gpt2", "gpt2-fp16", "gpt2-bf16", "gpt2-sharded", "llama-gqa-untied", "llama-gqa-tied",
    "bert", "roberta", "t5-v1_0", "t5-v1_1",
]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in FIXTURES:  # only what this script writes: a rerun leaves no stale file behind
        shutil.rmtree(out / name, ignore_errors=True)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)

    gpt2 = make_gpt2(out / "gpt2")
    make_gpt2_variants(gpt2, out)
    make_llama(out / "llama-gqa-untied", tie=False, seed=SEED + 1)
    make_llama(out / "llama-gqa-tied", tie=True, seed=SEED + 2)
    make_bert(out / "bert")
    make_roberta(out / "roberta")
    make_t5(out / "t5-v1_0", gated=False, seed=SEED + 3)
    make_t5(out / "t5-v1_1", gated=True, seed=SEED + 4)
    (out / "VERSIONS.json").write_text(json.dumps(versions(), indent=2) + "\n")


# ---------------------------------------------------------------- models


def make_gpt2(path: Path):
    tok = byte_level_bpe(vocab_size=280, specials=["<|endoftext|>"])
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|endoftext|>", unk_token="<|endoftext|>"
    )
    eot = tok.token_to_id("<|endoftext|>")
    config = GPT2Config(
        vocab_size=tok.get_vocab_size(),
        n_positions=32,
        n_embd=16,
        n_layer=2,
        n_head=2,
        bos_token_id=eot,
        eos_token_id=eot,
    )
    model = build(GPT2LMHeadModel, config, SEED)
    save(model, fast, path)
    write_golden(path, AutoModelForCausalLM, model, fast, causal_cases(fast, config.vocab_size))
    write_readme(path)
    return model


def make_gpt2_variants(model, out: Path) -> None:
    """The same gpt2 weights stored as fp16, as bf16 and as a sharded fp32 checkpoint, for the reader's tests."""
    for name, dtype in (("gpt2-fp16", torch.float16), ("gpt2-bf16", torch.bfloat16)):
        copy = GPT2LMHeadModel(model.config)
        copy.load_state_dict(model.state_dict())
        copy.to(dtype).save_pretrained(out / name)
        trim(out / name)
    # 8 KB shards: the 12k-parameter fp32 model needs several, and the index maps each tensor to its shard.
    model.save_pretrained(out / "gpt2-sharded", max_shard_size="8KB")
    trim(out / "gpt2-sharded")
    shards = sorted(p.name for p in (out / "gpt2-sharded").glob("model-*.safetensors"))
    if len(shards) < 2:
        raise SystemExit(f"gpt2-sharded has {len(shards)} shard(s); lower max_shard_size")


def make_llama(path: Path, tie: bool, seed: int) -> None:
    tok = metaspace_bpe(vocab_size=128, specials=["<unk>", "<s>", "</s>"], bos="<s>")
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>")
    config = LlamaConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
        rms_norm_eps=1e-5,
        rope_parameters={"rope_type": "default", "rope_theta": 500000.0},
        tie_word_embeddings=tie,
        bos_token_id=1,
        eos_token_id=2,
    )
    model = build(LlamaForCausalLM, config, seed)
    save(model, fast, path)
    write_golden(path, AutoModelForCausalLM, model, fast, causal_cases(fast, config.vocab_size))


def make_bert(path: Path) -> None:
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    normalizer = normalizers.BertNormalizer(lowercase=True)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    words = corpus_words(normalizer, pre_tokenizer)
    tok = Tokenizer(models.WordPiece(wordpiece_vocab(words, specials, size=120), unk_token="[UNK]"))
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoders.WordPiece()
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token="[PAD]",
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    config = BertConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
        pad_token_id=tok.token_to_id("[PAD]"),
    )
    model = build(BertForMaskedLM, config, SEED + 5)
    save(model, fast, path)
    write_golden(path, AutoModelForMaskedLM, model, fast, masked_cases(fast, config.vocab_size))


def make_roberta(path: Path) -> None:
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tok = byte_level_bpe(vocab_size=280, specials=specials)
    tok.post_processor = processors.RobertaProcessing(
        ("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")), add_prefix_space=False
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
    )
    pad = tok.token_to_id("<pad>")
    config = RobertaConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        # RoBERTa numbers positions from pad_token_id + 1, so 32 usable positions need 34 rows.
        max_position_embeddings=32 + pad + 1,
        type_vocab_size=1,
        layer_norm_eps=1e-5,
        pad_token_id=pad,
        bos_token_id=tok.token_to_id("<s>"),
        eos_token_id=tok.token_to_id("</s>"),
    )
    model = build(RobertaForMaskedLM, config, SEED + 6)
    save(model, fast, path)
    write_golden(path, AutoModelForMaskedLM, model, fast, masked_cases(fast, config.vocab_size))


def make_t5(path: Path, gated: bool, seed: int) -> None:
    """T5 v1.0 (relu, lm_head tied to shared, decoder output scaled) or v1.1 (gated-gelu, own lm_head, unscaled)."""
    specials = ["<pad>", "</s>", "<unk>"]
    normalizer = normalizers.NFKC()
    pre_tokenizer = pre_tokenizers.Metaspace()
    words = corpus_words(normalizer, pre_tokenizer)
    tok = Tokenizer(models.Unigram(unigram_vocab(words, specials, size=100), unk_id=specials.index("<unk>")))
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoders.Metaspace()
    eos = tok.token_to_id("</s>")
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", eos)]
    )
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="</s>", unk_token="<unk>", pad_token="<pad>")
    config = T5Config(
        vocab_size=tok.get_vocab_size(),
        d_model=16,
        d_kv=4,
        d_ff=32,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=2,
        relative_attention_num_buckets=8,
        relative_attention_max_distance=16,
        feed_forward_proj="gated-gelu" if gated else "relu",
        tie_word_embeddings=not gated,
        pad_token_id=tok.token_to_id("<pad>"),
        eos_token_id=eos,
        decoder_start_token_id=tok.token_to_id("<pad>"),
    )
    model = build(T5ForConditionalGeneration, config, seed)
    if gated:
        # transformers 5 always builds T5 with lm_head tied to shared; a v1.1 checkpoint has its own lm_head, and
        # from_pretrained keeps it untied when both are stored with different values. Reproduce that checkpoint.
        with torch.no_grad():
            model.lm_head.weight = torch.nn.Parameter(torch.randn_like(model.shared.weight) * 0.25)
        model.all_tied_weights_keys.pop("lm_head.weight", None)
    save(model, fast, path)
    if gated:
        # The config a v1.1 checkpoint published before transformers 5 has: untied, and no scale_decoder_outputs
        # (transformers derives "no scaling" from tie_word_embeddings=false).
        cfg_path = path / "config.json"
        cfg = json.loads(cfg_path.read_text())
        cfg["tie_word_embeddings"] = False
        cfg.pop("scale_decoder_outputs", None)
        cfg_path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    ids = fast(GOLDEN_TEXT)["input_ids"][:6]
    start = config.decoder_start_token_id
    cases = [
        {"input_ids": ids, "decoder_input_ids": [start] + ids[:3]},
        {"input_ids": fixed_ids(config.vocab_size, 4, seed=3), "decoder_input_ids": [start, 5, 6]},
    ]
    write_golden(path, AutoModelForSeq2SeqLM, model, fast, cases)


# ---------------------------------------------------------------- building and saving


def build(cls, config, seed: int):
    """A random model whose every parameter matters: transformers' init leaves norms at 1 and biases at 0, so a
    reimplementation that swapped weight and bias, or dropped a bias, would still match; perturb them all."""
    torch.manual_seed(seed)
    config._attn_implementation = "eager"
    model = cls(config)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, param in model.named_parameters():  # tied parameters appear once
            if param.dim() == 1:
                param.add_(0.1 * torch.randn(param.shape, generator=generator))
            else:
                param.copy_(0.25 * torch.randn(param.shape, generator=generator))
    return model.eval()


def save(model, tokenizer, path: Path) -> None:
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    trim(path)


def trim(path: Path) -> None:
    """Normalises the JSON that save_pretrained writes (sorted keys) so regenerating gives a stable diff."""
    for name in ("config.json", "generation_config.json", "tokenizer_config.json", "model.safetensors.index.json"):
        file = path / name
        if file.exists():
            file.write_text(json.dumps(json.loads(file.read_text()), indent=2, sort_keys=True) + "\n")


# ---------------------------------------------------------------- tokenizers


# tokenizers' BPE trainer is deterministic; its WordPiece and Unigram trainers break ties between equally frequent
# pieces in hash order, so those two vocabularies are built here from sorted counts instead.


def corpus_words(normalizer, pre_tokenizer) -> Counter:
    words = Counter()
    for line in CORPUS:
        words.update(w for w, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(line)))
    return words


def wordpiece_vocab(words: Counter, specials: list[str], size: int) -> dict[str, int]:
    chars = sorted({c for w in words for c in w})
    pieces = specials + chars + ["##" + c for c in chars]
    pieces += [w for w, _ in sorted(words.items(), key=lambda kv: (-kv[1], kv[0])) if w not in pieces]
    return {piece: i for i, piece in enumerate(pieces[:size])}


def unigram_vocab(words: Counter, specials: list[str], size: int) -> list[tuple[str, float]]:
    """Specials, every character (so any corpus text encodes without <unk>), then the most frequent words; scores
    are log frequencies, characters well below words so that whole words win."""
    total = sum(words.values())
    chars = Counter()
    for w, n in words.items():
        for c in w:
            chars[c] += n
    vocab = [(s, 0.0) for s in specials]
    vocab += [(c, math.log(n / total) - 10.0) for c, n in sorted(chars.items())]
    ranked = sorted(((w, n) for w, n in words.items() if len(w) > 1), key=lambda kv: (-kv[1], kv[0]))
    vocab += [(w, math.log(n / total)) for w, n in ranked]
    return vocab[:size]


def byte_level_bpe(vocab_size: int, specials: list[str]) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS, trainer)
    return tok


def metaspace_bpe(vocab_size: int, specials: list[str], bos: str) -> Tokenizer:
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    tok.train_from_iterator(
        CORPUS, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, show_progress=False)
    )
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A", pair=f"{bos} $A {bos} $B", special_tokens=[(bos, tok.token_to_id(bos))]
    )
    return tok


# ---------------------------------------------------------------- golden logits


def fixed_ids(vocab_size: int, length: int, seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    return [int(i) for i in rng.integers(0, vocab_size, size=length)]


def causal_cases(tokenizer, vocab_size: int) -> list[dict]:
    return [
        {"input_ids": tokenizer(GOLDEN_TEXT)["input_ids"][:4]},
        {"input_ids": fixed_ids(vocab_size, 3, seed=1)},
    ]


def masked_cases(tokenizer, vocab_size: int) -> list[dict]:
    ids = tokenizer(GOLDEN_TEXT)["input_ids"][:5]
    masked = list(ids)
    masked[2] = tokenizer.mask_token_id
    return [{"input_ids": masked}, {"input_ids": fixed_ids(vocab_size, 3, seed=2)}]


def write_golden(path: Path, auto_cls, model, tokenizer, cases: list[dict]) -> None:
    """Runs each case through the saved-and-reloaded model (what a user of the directory gets) and checks it matches
    the in-memory model, then records the logits, rounded to SIGNIFICANT_DIGITS."""
    reloaded = auto_cls.from_pretrained(path, attn_implementation="eager").eval()
    reloaded_tokenizer = AutoTokenizer.from_pretrained(path)
    if reloaded_tokenizer(GOLDEN_TEXT)["input_ids"] != tokenizer(GOLDEN_TEXT)["input_ids"]:
        raise SystemExit(f"{path}: tokenizer does not round-trip through save_pretrained")
    out = []
    for case in cases:
        inputs = {k: torch.tensor([v]) for k, v in case.items()}
        with torch.no_grad():
            logits = reloaded(**inputs).logits[0]
            expected = model(**inputs).logits[0]
        if not torch.equal(logits, expected):
            raise SystemExit(f"{path}: reloaded model differs from the built one by {(logits - expected).abs().max()}")
        out.append({**case, "logits": [[round_sig(x) for x in row] for row in logits.tolist()]})
    golden = {
        "model_class": type(model).__name__,
        "dtype": "float32",
        "significant_digits": SIGNIFICANT_DIGITS,
        "text": GOLDEN_TEXT,
        "text_input_ids": tokenizer(GOLDEN_TEXT)["input_ids"],
        "logits_shape": "[len(input_ids) or len(decoder_input_ids), vocab_size] per case",
        "cases": out,
        **versions(),
    }
    (path / "golden.json").write_text(json.dumps(golden, separators=(",", ":")) + "\n")


def round_sig(x: float) -> float:
    return float(f"{x:.{SIGNIFICANT_DIGITS}g}")


def versions() -> dict:
    return {
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "tokenizers": tokenizers.__version__,
        "safetensors": safetensors.__version__,
    }


# ---------------------------------------------------------------- model card


def write_readme(path: Path) -> None:
    (path / "README.md").write_text(
        """---
license: apache-2.0
language:
- en
datasets:
- kiln/tiny-pottery-corpus
tags:
- text-generation
- tiny
base_model: openai-community/gpt2
pipeline_tag: text-generation
---

# tiny-gpt2

A random two-layer GPT-2 made by Kiln's fixture script to test the importer.

## Intended uses

Tests of the safetensors reader and the config parser. Nothing else.

## Limitations

The weights are random: it predicts nothing useful.
It has a vocabulary of about 280 byte-level tokens.

## Training data

None; it was never trained.
"""
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: make_fixtures.py OUTPUT_DIR")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main(Path(sys.argv[1]))
