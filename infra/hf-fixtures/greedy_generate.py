"""Greedy generation with transformers from a model directory, loaded the way a user loads one: no code, no flags.

Usage: "$(infra/python-venv.sh)" greedy_generate.py MODEL_DIR PROMPT MAX_NEW_TOKENS
Prints one JSON object: the prompt's ids (tokenized without special tokens, as Kiln does) and the ids greedy
decoding appends, so a test can hold `kiln generate` to them. Runs on CPU in fp32.
"""

import json
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def main(model_dir, prompt, max_new_tokens):
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        out = model.generate(
            torch.tensor([prompt_ids]),
            attention_mask=torch.ones(1, len(prompt_ids), dtype=torch.long),
            do_sample=False,
            max_new_tokens=max_new_tokens,
        )
    print(json.dumps({
        "architecture": type(model).__name__,
        "prompt_ids": prompt_ids,
        "generated_ids": out[0, len(prompt_ids):].tolist(),
        "eos_token_id": model.generation_config.eos_token_id,
    }))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
