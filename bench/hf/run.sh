#!/usr/bin/env bash
# A Kiln-trained BERT and RoBERTa, exported as Hugging Face directories, loaded by transformers: Kiln's Trainer
# trains each STEPS MLM steps (dropout on), BertHfExport writes config.json and model.safetensors, and
# bench/hf/compare_bert.py loads them with AutoModelForMaskedLM (eager attention, CPU) and prints the largest
# difference between its logits and Kiln's on the same inputs (one with padding).
#
# Usage: bench/hf/run.sh [STEPS]      (default 60)
# Environment: KILN_PYTHON_VENV (the pinned venv infra/python-venv.sh makes, ~/.cache/kiln/hf-fixtures-venv),
#   KILN_BENCH_OUT (~/.cache/kiln/hf-bench: the exported directories; nothing is written into the repository).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STEPS="${1:-60}"
OUT="${KILN_BENCH_OUT:-$HOME/.cache/kiln/hf-bench}"
PYTHON="$("$ROOT/infra/python-venv.sh")"
(cd "$ROOT" && mvn -q -B -pl bench -am -DskipTests package) # the reactor: never install (the local repository is shared)
CP="$ROOT/bench/target/kiln-bench-0.1.0-SNAPSHOT.jar:$ROOT/bench/target/lib/*"
rm -rf "$OUT" && mkdir -p "$OUT"
java -Dai.djl.offline=true -Dai.djl.default_engine=PyTorch -cp "$CP" dev.kiln.bench.hf.BertExportBench "$OUT" "$STEPS" \
  2> >(grep -v -e AutoNonVariableTypeMode -e '^SLF4J' >&2)
OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 TRANSFORMERS_NO_ADVISORY_WARNINGS=1 \
  "$PYTHON" "$ROOT/bench/hf/compare_bert.py" "$OUT/bert" "$OUT/roberta"
