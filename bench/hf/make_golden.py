"""Golden logits for HfExportGpt2GoldenTest, computed by transformers from Kiln's GPT-2 exports.

Usage: make_golden.py EXPORTS OUT_JSON   (EXPORTS holds gelu/ and gelu_new/, written by
dev.kiln.bench.hf.Gpt2GoldenFixture). For each export: the SHA-256 of the files transformers loaded (so the
test knows the export it checks is the one these numbers came from), every position's logits of fixed ids, and
greedy decoding from a prompt.
"""
import hashlib
import json
import sys
from pathlib import Path

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

IDS = [5, 17, 42, 3, 63, 8, 29, 11]
PROMPT = "w5 w17 w42"
NEW_TOKENS = 5


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(exports: Path, out: Path) -> None:
    torch.set_num_threads(1)
    golden = {"generator": "bench/hf/make_golden.sh", "transformers": transformers.__version__,
              "torch": torch.__version__, "ids": IDS, "prompt": PROMPT, "new_tokens": NEW_TOKENS, "exports": {}}
    for directory in sorted(p for p in exports.iterdir() if p.is_dir()):
        model = AutoModelForCausalLM.from_pretrained(directory).eval()
        tokenizer = AutoTokenizer.from_pretrained(directory)
        prompt_ids = tokenizer(PROMPT, return_tensors="pt")
        with torch.no_grad():
            logits = model(torch.tensor([IDS])).logits[0]
            greedy = model.generate(**prompt_ids, max_new_tokens=NEW_TOKENS, do_sample=False)[0].tolist()
        golden["exports"][directory.name] = {
            "activation_function": model.config.activation_function,
            "model_safetensors_sha256": sha256(directory / "model.safetensors"),
            "config_json_sha256": sha256(directory / "config.json"),
            "prompt_ids": prompt_ids["input_ids"][0].tolist(),
            "greedy": greedy,
            "logits": [[float(f"{v:.7g}") for v in row] for row in logits.tolist()],
        }
    out.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
