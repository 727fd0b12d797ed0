#!/usr/bin/env bash
# Kiln against transformers on an exported GPT-2: trains a small GPT on a book with Kiln, exports it as a Hugging Face
# GPT-2 directory, and has transformers (pinned in infra/hf-fixtures/requirements.txt, in the venv infra/python-venv.sh makes once under
# ~/.cache/kiln/hf-fixtures-venv) load it with AutoModelForCausalLM / AutoTokenizer and reproduce Kiln's ids, logits
# (max abs difference <= 1e-4 in fp32) and greedy continuations. Nothing is written into the repository.
#
# Usage: bench/hf/run-gpt2.sh [ACTIVATION...]   (default: gelu_new gelu)
# Environment: KILN_HF_BENCH_STEPS (300), KILN_HF_BENCH_OUT (~/.cache/kiln/hf-bench), KILN_PYTHON_VENV.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${KILN_HF_BENCH_OUT:-$HOME/.cache/kiln/hf-bench}"
steps="${KILN_HF_BENCH_STEPS:-300}"
activations=("$@")
[[ ${#activations[@]} -gt 0 ]] || activations=(gelu_new gelu)

python="$("$here/venv.sh")"
(cd "$root" && mvn -q -B -pl bench -am -DskipTests package) # the reactor: never install (the local repository is shared)
cp="$root/bench/target/kiln-bench-0.1.0-SNAPSHOT.jar:$root/bench/target/lib/*"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 TRANSFORMERS_NO_ADVISORY_WARNINGS=1
status=0
for activation in "${activations[@]}"; do
  dir="$out/$activation"
  rm -rf "$dir"
  echo "== $activation"
  java -Xmx2g -Dai.djl.offline=true -Dai.djl.default_engine=PyTorch -cp "$cp" \
    dev.kiln.bench.hf.Gpt2ExportComparison "$dir" "$activation" "$steps" 2> >(grep -v -e AutoNonVariableTypeMode -e '^SLF4J' >&2)
  "$python" "$here/compare_gpt2.py" "$dir" || status=1
done
exit "$status"
