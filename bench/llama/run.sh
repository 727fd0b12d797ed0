#!/usr/bin/env bash
# Training tokens/s on the CPU of a small Llama (hidden 128, 4 layers, 4 heads, 2 key-value heads, vocab 4096,
# context 128, batch 8): Kiln's LlamaModel with its Trainer vs transformers' LlamaForCausalLM in PyTorch eager,
# one after the other (never at once: they share the cores), alternating REPS times; prints each run and the ratio
# of the medians. Uses the project's pinned venv (infra/python-venv.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WARMUP="${KILN_BENCH_WARMUP:-10}"
STEPS="${KILN_BENCH_STEPS:-30}"
REPS="${KILN_BENCH_REPS:-3}"
THREADS="${KILN_BENCH_THREADS:-2}"
PYTHON="$("$ROOT/infra/python-venv.sh")"
(cd "$ROOT" && mvn -q -B -pl bench -am -DskipTests package) # the reactor: never install (the local repository is shared)
CP="$ROOT/bench/target/kiln-bench-0.1.0-SNAPSHOT.jar:$ROOT/bench/target/lib/*"
export OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS" HF_HUB_OFFLINE=1 TRANSFORMERS_NO_ADVISORY_WARNINGS=1

kiln() (
  source "$ROOT/infra/native-memory.sh"
  java -Xmx2g -Dai.djl.offline=true -Dai.djl.default_engine=PyTorch -cp "$CP" \
    dev.kiln.bench.llama.LlamaThroughputBench "$WARMUP" "$STEPS" 2> >(grep -v -e AutoNonVariableTypeMode -e '^SLF4J' >&2)
)
pytorch() { "$PYTHON" "$ROOT/bench/llama/bench.py" "$WARMUP" "$STEPS"; }

kiln_rates=(); torch_rates=()
for ((rep = 1; rep <= REPS; rep++)); do
  line="$(kiln | grep '^kiln-llama')"; echo "$line"; kiln_rates+=("$(awk '{print $3}' <<<"$line")")
  line="$(pytorch | grep '^pytorch-llama')"; echo "$line"; torch_rates+=("$(awk '{print $3}' <<<"$line")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
k="$(median "${kiln_rates[@]}")"; t="$(median "${torch_rates[@]}")"
echo "median tokens/s: kiln $k, pytorch eager $t, kiln/pytorch $(awk -v k="$k" -v t="$t" 'BEGIN {printf "%.2f", k / t}')"
