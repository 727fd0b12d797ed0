"""Loads a Kiln GPT-2 export with transformers alone and compares it with what Kiln computed.

Usage: compare_gpt2.py DIR   (DIR holds model/, the export, and kiln-reference.json, written by
dev.kiln.bench.hf.Gpt2ExportComparison). The export is loaded with AutoModelForCausalLM and AutoTokenizer, no
code of ours and no flags; then for each prompt: the tokenizer's ids against Kiln's, every position's logits
against Kiln's (max abs difference, fp32), and greedy decoding against Kiln's. Exit status 1 when the ids differ,
a logit differs by more than 1e-4, or a greedy continuation differs.
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

TOLERANCE = 1e-4


def main(root: Path) -> int:
    model_dir = root / "model"
    reference = json.loads((root / "kiln-reference.json").read_text())
    torch.manual_seed(0)
    torch.set_num_threads(1)
    config = AutoConfig.from_pretrained(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    eager = AutoModelForCausalLM.from_pretrained(model_dir, attn_implementation="eager").eval()
    print(f"transformers loaded {type(model).__name__} ({config.model_type}, activation {config.activation_function},"
          f" attention {model.config._attn_implementation}) and {type(tokenizer).__name__};"
          f" Kiln trained {reference['steps']} steps, final train loss {reference['final_train_loss']:.4f}")
    failures = []
    worst = {"default": 0.0, "eager": 0.0}
    for prompt in reference["prompts"]:
        ids = tokenizer(prompt["text"])["input_ids"]
        if ids != prompt["ids"]:
            failures.append(f"{prompt['text']!r}: transformers' ids {ids} but Kiln's {prompt['ids']}")
        kiln_logits = np.asarray(prompt["logits"], dtype=np.float32)
        input_ids = torch.tensor([prompt["ids"]])
        with torch.no_grad():
            for name, m in (("default", model), ("eager", eager)):
                logits = m(input_ids).logits[0].numpy()
                diff = float(np.abs(logits - kiln_logits).max())
                worst[name] = max(worst[name], diff)
                if diff > TOLERANCE:
                    failures.append(f"{prompt['text']!r}: max abs logit difference {diff:.3g} ({name} attention)")
            generated = model.generate(input_ids, attention_mask=torch.ones_like(input_ids),
                                       max_new_tokens=reference["new_tokens"], do_sample=False)[0].tolist()
        kiln = prompt["greedy"]
        # transformers stops at <|endoftext|> (generation_config.json); Kiln's evaluator decodes on
        same = generated == kiln[:len(generated)] and (
            len(generated) == len(kiln) or generated[-1] == config.eos_token_id)
        print(f"  {prompt['text']!r}: {len(ids)} ids {'equal' if ids == prompt['ids'] else 'DIFFER'};"
              f" greedy {len(generated) - len(ids)} new tokens {'equal' if same else 'DIFFER'}:"
              f" {tokenizer.decode(generated[len(ids):])!r}")
        if not same:
            failures.append(f"{prompt['text']!r}: greedy ids {generated} but Kiln's {kiln}")
    print(f"max abs logit difference over {len(reference['prompts'])} prompts:"
          f" {worst['default']:.3g} (default attention), {worst['eager']:.3g} (eager); tolerance {TOLERANCE:g}")
    for failure in failures:
        print("FAIL " + failure)
    print("OK: transformers reproduces Kiln" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
