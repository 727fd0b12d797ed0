"""Loads Kiln's Hugging Face Llama exports the way a user would, and compares them with Kiln.

Usage (after `mvn ... -Dtest='HfExportLlamaTest#exportsWhatTransformersLoads' -Dkiln.llama.hfExportDir=DIR`):
    "$(infra/python-venv.sh)" check_hf_export.py DIR
Each DIR/<name>/ is an export (HfLlamaExport) with Kiln's kiln_reference.json beside it. The model and tokenizer are
loaded with AutoModelForCausalLM / AutoTokenizer and no flags; the script compares the tokenizer's ids for each prompt
(without the special tokens a post-processor adds: Kiln's encoder adds none), the logits for them and the greedy
continuation. Exits 1 if any logit differs by more than 1e-4 or any id differs.
"""

import json
import sys
import warnings
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

TOLERANCE = 1e-4


def main(root):
    ok = True
    for model_dir in sorted(p for p in Path(root).iterdir() if p.is_dir()):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            tokenizer = AutoTokenizer.from_pretrained(model_dir)
            model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
        kiln = json.loads((model_dir / "kiln_reference.json").read_text())
        worst = 0.0
        same_ids = same_greedy = True
        for case in kiln["cases"]:
            ids = tokenizer(case["prompt"], add_special_tokens=False).input_ids
            same_ids &= ids == case["ids"]
            input_ids = torch.tensor([case["ids"]])
            with torch.no_grad():
                logits = model(input_ids=input_ids).logits.flatten()
                new_tokens = len(case["greedy_ids"]) - len(case["ids"])
                # Kiln's evaluator does not stop at the end token; transformers stops there unless told otherwise.
                greedy = model.generate(input_ids, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                                        do_sample=False)[0].tolist()
            worst = max(worst, (logits - torch.tensor(case["logits"])).abs().max().item())
            same_greedy &= greedy == case["greedy_ids"]
        print(f"{model_dir.name}: {type(model).__name__} tied={model.config.tie_word_embeddings}"
              f" tokenizer={type(tokenizer).__name__} special={tokenizer.special_tokens_map}"
              f" adds_bos={tokenizer('x').input_ids[:1] == [tokenizer.bos_token_id]}")
        print(f"  max |transformers - kiln| logit = {worst:.3g}; prompt ids equal: {same_ids};"
              f" greedy ids equal: {same_greedy} ({len(kiln['cases'])} prompts x {new_tokens} tokens);"
              f" warnings: {[str(w.message) for w in caught]}")
        ok &= worst <= TOLERANCE and same_ids and same_greedy
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main(sys.argv[1])
