"""Loads Llamas that Kiln trained and saved into transformers, and compares transformers' logits with Kiln's.

Usage (after `mvn ... -Dtest='LlamaModelTest#exportsWhatTransformersLoads' -Dkiln.llama.exportDir=DIR`):
    "$(infra/python-venv.sh)" check_export.py DIR
Each DIR/<name>/ holds Kiln's model.safetensors, the config.json and kiln_logits.json; exits 1 if any model's
logits differ by more than 1e-4.
"""

import json
import sys
from pathlib import Path

import torch
from transformers import LlamaForCausalLM

TOLERANCE = 1e-4


def main(root):
    worst = 0.0
    for model_dir in sorted(p for p in Path(root).iterdir() if p.is_dir()):
        model = LlamaForCausalLM.from_pretrained(model_dir, attn_implementation="eager").eval()
        kiln = json.loads((model_dir / "kiln_logits.json").read_text())
        with torch.no_grad():
            logits = model(input_ids=torch.tensor(kiln["input_ids"])).logits.flatten()
        difference = (logits - torch.tensor(kiln["logits"])).abs().max().item()
        tied = model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
        print(f"{model_dir.name}: max |transformers - kiln| = {difference:.3g} (tied: {tied})")
        worst = max(worst, difference)
    sys.exit(0 if worst <= TOLERANCE else 1)


if __name__ == "__main__":
    main(sys.argv[1])
