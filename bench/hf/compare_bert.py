"""Loads the Hugging Face directories bench/hf/run.sh had Kiln export (a Kiln-trained BERT and RoBERTa) with
transformers' AutoModelForMaskedLM and compares its logits with the ones Kiln computed (kiln-logits.json).

Pinned to the versions that made the test fixtures (infra/hf-fixtures/requirements.txt): exits 2 on others, 1 when
a model does not load cleanly or a logit differs by more than TOLERANCE.
"""

import json
import sys
from pathlib import Path

import torch
import transformers
from transformers import AutoModelForMaskedLM

PINNED = {"transformers": "5.24.0", "torch": "2.7.1"}
TOLERANCE = 1e-4
EXPECTED_CLASS = {"bert": "BertForMaskedLM", "roberta": "RobertaForMaskedLM"}


def main(directories: list[str]) -> int:
    found = {"transformers": transformers.__version__, "torch": torch.__version__.split("+")[0]}
    if found != PINNED:
        print(f"compare_bert: needs {PINNED}, found {found}", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    worst_overall = 0.0
    failed = False
    for directory in map(Path, directories):
        kiln = json.loads((directory / "kiln-logits.json").read_text())
        model, info = AutoModelForMaskedLM.from_pretrained(
            directory, attn_implementation="eager", output_loading_info=True
        )
        model.eval()
        name = type(model).__name__
        problems = {k: v for k, v in info.items() if v}
        if name != EXPECTED_CLASS[kiln["flavor"]] or problems:
            print(f"{directory}: loaded as {name} with {problems}")
            failed = True
            continue
        pad = kiln["pad_token_id"]
        worst = 0.0
        for case in kiln["cases"]:
            ids = torch.tensor([case["input_ids"]])
            with torch.no_grad():
                # Kiln hides pad keys; transformers does when the attention mask says so.
                logits = model(input_ids=ids, attention_mask=(ids != pad).long()).logits[0]
            expected = torch.tensor(case["logits"], dtype=torch.float32)
            worst = max(worst, (logits - expected).abs().max().item())
        print(
            f"{directory.name}: {name}, {kiln['steps']} Kiln steps (MLM loss {kiln['first_loss']:.4f} ->"
            f" {kiln['last_loss']:.4f}), {len(kiln['cases'])} inputs: max |transformers - Kiln| = {worst:.3g}"
        )
        worst_overall = max(worst_overall, worst)
        failed |= worst > TOLERANCE
    print(f"max abs logit difference {worst_overall:.3g} (tolerance {TOLERANCE})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
