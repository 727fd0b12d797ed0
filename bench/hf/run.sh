#!/usr/bin/env bash
# A Kiln-trained BERT and RoBERTa, exported as Hugging Face directories, loaded by transformers: Kiln's Trainer
# trains each STEPS MLM steps (dropout on), BertHfExport writes config.json and model.safetensors, and
# bench/hf/compare_bert.py loads them with AutoModelForMaskedLM (eager attention, CPU) and prints the largest
# difference between its logits and Kiln's on the same inputs (one with padding).
#
# Usage: bench/hf/run.sh [STEPS]      (default 60)
# Environment: KILN_HF_FIXTURES_VENV (~/.cache/kiln/hf-fixtures-venv, made by infra/hf-fixtures/make-fixtures.sh),
#   KILN_BENCH_OUT (~/.cache/kiln/hf-bench: the exported directories; nothing is written into the repository).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STEPS="${1:-60}"
VENV="${KILN_HF_FIXTURES_VENV:-$HOME/.cache/kiln/hf-fixtures-venv}"
OUT="${KILN_BENCH_OUT:-$HOME/.cache/kiln/hf-bench}"
if [[ ! -x "$VENV/bin/python" ]]; then
  echo "bench/hf: no venv at $VENV; run infra/hf-fixtures/make-fixtures.sh first (it makes it)" >&2
  exit 2
fi
(cd "$ROOT" && mvn -q -B -pl bench -am -DskipTests package) # the reactor: never install (the local repository is shared)
CP="$ROOT/bench/target/kiln-bench-0.1.0-SNAPSHOT.jar:$ROOT/bench/target/lib/*"
rm -rf "$OUT" && mkdir -p "$OUT"
java -Dai.djl.offline=true -Dai.djl.default_engine=PyTorch -cp "$CP" dev.kiln.bench.hf.BertExportBench "$OUT" "$STEPS" \
  2> >(grep -v -e AutoNonVariableTypeMode -e '^SLF4J' >&2)
OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 TRANSFORMERS_NO_ADVISORY_WARNINGS=1 \
  "$VENV/bin/python" "$ROOT/bench/hf/compare_bert.py" "$OUT/bert" "$OUT/roberta"
