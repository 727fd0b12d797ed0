"""Builds tiny random LlamaForCausalLM models with transformers and records their fp32 logits.

For each model, writes <out>/<name>/ (config.json and model.safetensors, by save_pretrained) and
<out>/<name>/golden.json: the input ids, transformers' logits for them, and the loss of a next-token
prediction over them, which LlamaModelTest compares Kiln's Llama against.

Run through make-fixtures.sh, which pins the versions and the thread count.
"""

import json
import sys
from pathlib import Path

import torch
import transformers
from transformers import LlamaConfig, LlamaForCausalLM

SEED = 1234
VOCAB = 128
LENGTH = 12

# Two models of the same size: one ties lm_head to the embedding, one has its own. The untied one also uses
# a non-default rope_theta and rms_norm_eps, so a Kiln model that ignored either would fail the comparison.
MODELS = {
    "tiny-tied": dict(tie_word_embeddings=True, rope_theta=10000.0, rms_norm_eps=1e-6),
    "tiny-untied": dict(tie_word_embeddings=False, rope_theta=500000.0, rms_norm_eps=1e-5),
}


def build(name, tie_word_embeddings, rope_theta, rms_norm_eps):
    config = LlamaConfig(
        vocab_size=VOCAB,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
        rms_norm_eps=rms_norm_eps,
        rope_parameters={"rope_type": "default", "rope_theta": rope_theta},
        tie_word_embeddings=tie_word_embeddings,
        attention_bias=False,
        mlp_bias=False,
        hidden_act="silu",
        initializer_range=0.02,
        bos_token_id=None,
        eos_token_id=None,
        pad_token_id=None,
    )
    config._attn_implementation = "eager"
    torch.manual_seed(SEED)
    model = LlamaForCausalLM(config).eval()
    # The default init leaves RMSNorm gains at 1: perturb them (and everything else a little) so that a
    # norm that dropped its weight, or a transposed matrix, shows in the logits.
    with torch.no_grad():
        for parameter_name, parameter in model.named_parameters():
            if parameter_name.endswith("norm.weight"):
                parameter.copy_(1.0 + 0.1 * torch.randn_like(parameter))
            else:
                parameter.add_(0.05 * torch.randn_like(parameter))
    return model


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    generator = torch.Generator().manual_seed(SEED + 1)
    input_ids = torch.randint(0, VOCAB, (2, LENGTH), generator=generator)
    for name, options in MODELS.items():
        model = build(name, **options)
        target = out / name
        model.save_pretrained(target, safe_serialization=True)
        with torch.no_grad():
            result = model(input_ids=input_ids, labels=input_ids)
        logits = result.logits.to(torch.float32)
        golden = {
            "transformers": transformers.__version__,
            "torch": torch.__version__,
            "seed": SEED,
            "input_ids": input_ids.tolist(),
            "logits_shape": list(logits.shape),
            # The shortest text that reads back as the same float32 (numpy's repr): exact, and half the size.
            "logits": [float(str(v)) for v in logits.flatten().numpy()],
            "loss": float(result.loss),
            "parameters": sum(p.numel() for p in model.parameters()),
        }
        (target / "golden.json").write_text(json.dumps(golden) + "\n")
        (target / "generation_config.json").unlink(missing_ok=True)
        print(f"{name}: loss {golden['loss']:.6f}, {golden['parameters']} parameters", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
