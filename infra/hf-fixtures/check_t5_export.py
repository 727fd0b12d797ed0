"""Loads T5s that Kiln trained and exported into transformers, with no flags, and compares them with Kiln.

Usage (after `mvn -o -q -pl activities -am test -Dtest='T5HfExportTest#exportsWhatTransformersLoads'
-Dsurefire.failIfNoSpecifiedTests=false -Dkiln.t5.exportDir=DIR`):
    "$(infra/python-venv.sh)" infra/hf-fixtures/check_t5_export.py DIR
Each DIR/<variant>/ is a directory as T5HfExport writes it, plus kiln_logits.json (Kiln's ids, logits and loss on a
held-out span-corruption batch). transformers gets only the inputs and the labels: it builds the decoder's inputs
itself from decoder_start_token_id, so a wrong start id shows as a logit difference. Exits 1 if any check fails or a
logit differs by more than 1e-4. Pinned versions: infra/hf-fixtures/requirements.txt (transformers 5.24.0, torch 2.7.1).
"""

import json
import sys
from pathlib import Path

import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

TOLERANCE = 1e-4


def check(model_dir):
    kiln = json.loads((model_dir / "kiln_logits.json").read_text())
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model, info = AutoModelForSeq2SeqLM.from_pretrained(model_dir, output_loading_info=True)
    model.eval()
    problems = [f"{key}: {value}" for key, value in info.items() if value]

    if tokenizer(kiln["text"])["input_ids"] != kiln["text_ids"]:
        problems.append(f"tokenizer ids {tokenizer(kiln['text'])['input_ids']} != Kiln's {kiln['text_ids']}")
    for token, token_id in kiln["sentinel_ids"].items():
        if tokenizer.convert_tokens_to_ids(token) != token_id or token_id not in tokenizer.all_special_ids:
            problems.append(f"{token} is not the special token {token_id}")
    start = kiln["decoder_start_token_id"]
    ids = {"pad": tokenizer.pad_token_id, "config pad": model.config.pad_token_id,
           "decoder start": model.config.decoder_start_token_id,
           "generation start": model.generation_config.decoder_start_token_id}
    if set(ids.values()) != {start}:
        problems.append(f"pad/start ids {ids}, Kiln starts the decoder with {start}")

    labels = torch.tensor(kiln["labels"])
    with torch.no_grad():
        out = model(input_ids=torch.tensor(kiln["input_ids"]), labels=labels)
        shifted = model._shift_right(labels)
    if not torch.equal(shifted, torch.tensor(kiln["decoder_input_ids"])):
        problems.append("transformers' decoder inputs differ from Kiln's")
    difference = (out.logits.flatten() - torch.tensor(kiln["logits"])).abs().max().item()
    loss_difference = abs(out.loss.item() - kiln["loss"])
    tied = model.lm_head.weight.data_ptr() == model.shared.weight.data_ptr()
    generated = model.generate(**tokenizer(kiln["text"], return_tensors="pt"), max_new_tokens=4, do_sample=False)
    print(f"{model_dir.name}: max |transformers - kiln| logit = {difference:.3g}, loss {out.loss.item():.6f} vs"
          f" {kiln['loss']:.6f} (diff {loss_difference:.3g}), tied lm_head: {tied},"
          f" scale_decoder_outputs: {model.config.scale_decoder_outputs}, {type(tokenizer).__name__},"
          f" greedy after {kiln['text']!r}: {tokenizer.decode(generated[0])!r}")
    for problem in problems:
        print(f"  problem: {problem}")
    return difference <= TOLERANCE and not problems


def main(root):
    results = [check(d) for d in sorted(p for p in Path(root).iterdir() if p.is_dir())]
    sys.exit(0 if results and all(results) else 1)


if __name__ == "__main__":
    main(sys.argv[1])
