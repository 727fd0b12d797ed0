#!/usr/bin/env bash
# Kiln against PyTorch (eager, CPU) on the same models: Kiln exports its seeded initial weights, the exact
# batches of every step (windows, MLM masking, span corruption) and its hyperparameters; Kiln's Trainer and
# bench/pytorch/reference.py (torch.optim.AdamW, clip_grad_norm_) each train STEPS steps from them. The reference
# trains Kiln's own three models (clm, mlm, span-corruption) as ordinary PyTorch modules with Kiln's parameter names,
# and Kiln's transformers-exact ones (hf-gpt2, hf-llama, hf-bert, hf-roberta, hf-t5-v1_0, hf-t5-v1_1; "hf" for all
# six) as transformers' own classes, from the Hugging Face directory Kiln's exporter writes of the same weights. Prints the loss curves side by side with the relative
# difference (goal: < 2 % after warm-up), the step-0 difference (same weights, same batch: the forward alone),
# and tokens/s of both with the same intra-op/inter-op thread counts (median of REPS runs, Kiln and PyTorch
# interleaved so both see the same machine load, and the median of their ratio within each repetition), in the steady
# state (each process first trains 100 untimed steps on a throwaway model, the timed run counts from its step 30) and in a
# fresh process (the untimed run, from step 5). Kiln runs as ./kiln starts it, with the malloc settings of
# infra/native-memory.sh; PyTorch runs as installed (glibc's defaults) and, for a like-for-like figure, once more
# per repetition with Kiln's malloc settings. Then, per objective, lockstep pairs: Kiln and PyTorch run at the same
# time and take turns step by step over two named pipes (Kiln first in odd pairs, PyTorch in even ones), so that every
# Kiln step and the PyTorch step next to it see the same machine within a fraction of a second (the shared cores' speed
# drifts by 10-15 % between runs a minute apart, more than the differences measured). Kiln runs them with -Xbatch: its
# JIT compiles in the training thread's turn instead of on a background thread during PyTorch's.
#
# Usage: bench/pytorch/run.sh [CASE...]     (default: clm mlm span-corruption; hf: the six transformers classes)
# Environment: KILN_BENCH_STEPS (200), KILN_BENCH_WARMUP (20), KILN_BENCH_REPS (3),
#   KILN_BENCH_OPTIMIZER=0 skips timing the optimizer alone at the end,
#   KILN_BENCH_PYTORCH_TUNED=0 skips the PyTorch runs with Kiln's malloc settings,
#   KILN_BENCH_LOCKSTEP (2): lockstep pairs per objective (0: none),
#   KILN_BENCH_SDPA=1 also times PyTorch with F.scaled_dot_product_attention (same maths, fused kernel),
#   KILN_BENCH_NOISE_FLOOR=0 skips the extra PyTorch run with another intra-op thread count per objective (same maths, another
#   float summation order: how far two correct implementations drift apart on this trajectory),
#   KILN_BENCH_PROFILE=DIR runs each objective once more in both after the timed runs, records steps 30-49 with libtorch's
#   profiler (shapes on) into DIR and prints each op's self time per step side by side (where the gap is, op by op),
#   KILN_BENCH_PYTHON (default: the project's pinned venv, infra/python-venv.sh: torch 2.7.1 and transformers),
#   KILN_BENCH_MVN_FLAGS (e.g. -o to build offline), KILN_BENCH_OUT (~/.cache/kiln/pytorch-bench: exported
#   weights, batches and results; nothing is written into the repository).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STEPS="${KILN_BENCH_STEPS:-200}"
WARMUP="${KILN_BENCH_WARMUP:-20}"
REPS="${KILN_BENCH_REPS:-3}"
LOCKSTEP="${KILN_BENCH_LOCKSTEP:-2}"
OUT="${KILN_BENCH_OUT:-$HOME/.cache/kiln/pytorch-bench}"
OBJECTIVES=()
for case in "$@"; do
  if [[ "$case" == hf ]]; then OBJECTIVES+=(hf-gpt2 hf-llama hf-bert hf-roberta hf-t5-v1_0 hf-t5-v1_1); else OBJECTIVES+=("$case"); fi
done
PROFILE="${KILN_BENCH_PROFILE:-}"
unset KILN_BENCH_PROFILE # only the profiled runs at the end record: the profiler slows the timed ones
[[ ${#OBJECTIVES[@]} -gt 0 ]] || OBJECTIVES=(clm mlm span-corruption)

# torch 2.7.1 is the libtorch DJL 0.36 runs; transformers 5.24 is the version Kiln's exports are checked against.
PYTHON="${KILN_BENCH_PYTHON:-$("$ROOT/infra/python-venv.sh")}"

"$ROOT/infra/fetch-data.sh" >/dev/null
(cd "$ROOT" && mvn -q -B ${KILN_BENCH_MVN_FLAGS:-} -pl bench -am -DskipTests package) # the reactor: never install (the local repository is shared)
CP="$ROOT/bench/target/kiln-bench-0.1.0-SNAPSHOT.jar:$ROOT/bench/target/lib/*"
kiln() ( # as ./kiln starts it: with Kiln's malloc settings (KILN_BENCH_JVM_FLAGS: more flags, for the lockstep pairs)
  source "$ROOT/infra/native-memory.sh"
  java -Xmx4g ${KILN_BENCH_JVM_FLAGS:-} -Dai.djl.offline=true -Dai.djl.default_engine=PyTorch -cp "$CP" \
    dev.kiln.bench.pytorch.ReferenceBench "$@" 2> >(grep -v -e AutoNonVariableTypeMode -e '^SLF4J' >&2)
)
pytorch() { HF_HUB_OFFLINE=1 "$PYTHON" "$ROOT/bench/pytorch/reference.py" "$@"; } # eager as installed: glibc's defaults
lockstep() { # OBJECTIVE PAIR: Kiln and PyTorch eager at once, taking turns step by step (Kiln first in odd pairs)
  local objective="$1" pair="$2" pipes kiln_pid torch_pid status=0
  pipes="$(mktemp -d)"
  mkfifo "$pipes/kiln" "$pipes/pytorch"
  exec {to_kiln}<>"$pipes/kiln" {to_pytorch}<>"$pipes/pytorch" # held open: no side blocks opening or reads an early EOF
  KILN_BENCH_JVM_FLAGS=-Xbatch kiln train "$OUT" "$objective" "$RESULTS/kiln-lockstep-$objective-$pair.json" \
    --turns "$pipes/kiln" "$pipes/pytorch" &
  kiln_pid=$!
  pytorch train "$OUT" "$objective" "$RESULTS/pytorch-lockstep-$objective-$pair.json" \
    --turns "$pipes/pytorch" "$pipes/kiln" &
  torch_pid=$!
  if ((pair % 2)); then printf x >&"$to_kiln"; else printf x >&"$to_pytorch"; fi
  # If one side fails, the other would wait for its turn forever.
  wait -n "$kiln_pid" "$torch_pid" || {
    status=$?
    pkill -P "$kiln_pid" || true; pkill -P "$torch_pid" || true # the java and python under the two subshells
  }
  wait "$kiln_pid" "$torch_pid" || status=$?
  exec {to_kiln}>&- {to_pytorch}>&-
  rm -rf "$pipes"
  return "$status"
}
pytorch_tuned() ( source "$ROOT/infra/native-memory.sh"; pytorch "$@"; )

mkdir -p "$OUT"
kiln export "$HOME/.cache/kiln/data/raw/gutenberg" "$OUT" "$STEPS" "$WARMUP"
RESULTS="$OUT/results"
rm -rf "$RESULTS" && mkdir -p "$RESULTS"
echo "load before: $(uptime)"
for ((rep = 1; rep <= REPS; rep++)); do
  for objective in "${OBJECTIVES[@]}"; do
    # alternate who goes first, so neither always runs right after the other's warm caches or load spike
    if ((rep % 2)); then
      kiln train "$OUT" "$objective" "$RESULTS/kiln-$objective-$rep.json"
      pytorch train "$OUT" "$objective" "$RESULTS/pytorch-$objective-$rep.json"
    else
      pytorch train "$OUT" "$objective" "$RESULTS/pytorch-$objective-$rep.json"
      kiln train "$OUT" "$objective" "$RESULTS/kiln-$objective-$rep.json"
    fi
    if ((rep == 1)) && [[ "${KILN_BENCH_NOISE_FLOOR:-1}" == 1 ]]; then
      threads="$(sed -n 's/^ *"threads" : \([0-9]*\).*/\1/p' "$OUT/$objective/config.json")"
      pytorch train "$OUT" "$objective" "$RESULTS/pytorch-noise-$objective.json" --threads $((threads == 1 ? 2 : 1))
    fi
    if [[ "${KILN_BENCH_PYTORCH_TUNED:-1}" == 1 ]]; then
      pytorch_tuned train "$OUT" "$objective" "$RESULTS/pytorch-tuned-$objective-$rep.json"
    fi
    if [[ "${KILN_BENCH_SDPA:-0}" == 1 ]]; then
      pytorch train "$OUT" "$objective" "$RESULTS/pytorch-sdpa-$objective-$rep.json" --attention sdpa
    fi
  done
  echo "load after repetition $rep: $(uptime)"
done
for ((pair = 1; pair <= LOCKSTEP; pair++)); do
  for objective in "${OBJECTIVES[@]}"; do
    lockstep "$objective" "$pair"
  done
  echo "load after lockstep pair $pair: $(uptime)"
done
pytorch compare "$OUT" "$RESULTS"
if [[ -n "$PROFILE" ]]; then
  for objective in "${OBJECTIVES[@]}"; do
    echo; echo "== profiled steps of $objective (traces in $PROFILE)"
    KILN_BENCH_PROFILE="$PROFILE" kiln train "$OUT" "$objective" "$PROFILE/kiln-$objective-result.json"
    KILN_BENCH_PROFILE="$PROFILE" pytorch_tuned train "$OUT" "$objective" "$PROFILE/pytorch-$objective-result.json"
    pytorch profile "$PROFILE" "$objective"
  done
fi
if [[ "${KILN_BENCH_OPTIMIZER:-1}" == 1 ]]; then
  echo; echo "== the optimizer alone (AdamW with clipping on each model's parameters; Kiln's malloc settings for both)"
  for objective in "${OBJECTIVES[@]}"; do
    kiln optimizer "$OUT" "$objective" 200
    pytorch_tuned optimizer "$OUT" "$objective" 200
  done
fi
