#!/usr/bin/env bash
# Issue 17: importing a 124M-parameter GPT-2 (random weights, fp32, 498 MB) from S3 into a training-ready Kiln GPT
# against reading its bytes from S3 (goal: import / raw <= 2). Generates the model once under
# ~/.cache/kiln/import-bench (never into the repository), serves it with s3proxy from a temporary directory and prints
# each repetition, the medians, the ratio and where the import's time goes (Gpt2ImportBenchmark).
#
# Usage: bench/hf/run-import.sh [REPETITIONS]   (default 5)
# Environment: KILN_IMPORT_BENCH_DIR (the generated model directory), KILN_IMPORT_BENCH_XMX (3g).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REPS="${1:-5}"
DIR="${KILN_IMPORT_BENCH_DIR:-$HOME/.cache/kiln/import-bench/gpt2-124m-random}"
(cd "$ROOT" && mvn -o -q -B -pl bench -am -DskipTests package) # the reactor: never install (the local repository is shared)
CP="$ROOT/bench/target/kiln-bench-0.1.0-SNAPSHOT.jar:$ROOT/bench/target/lib/*"
source "$ROOT/infra/native-memory.sh" # as ./kiln starts a training worker
# s3proxy and the worker's logback.xml log to stderr: their INFO/WARN lines are left out
java -Xmx"${KILN_IMPORT_BENCH_XMX:-3g}" -Dai.djl.offline=true -Dai.djl.default_engine=PyTorch -cp "$CP" \
  dev.kiln.bench.hf.Gpt2ImportBenchmark "$REPS" "$DIR" \
  2> >(grep --line-buffered -v -e '^[0-9:. ]*\(INFO\|WARN\|DEBUG\)' -e AutoNonVariableTypeMode -e '^SLF4J' >&2)
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
