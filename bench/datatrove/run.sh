#!/usr/bin/env bash
# Kiln against HF DataTrove on the same rules (Gopher repetition, Gopher quality, C4, FineWeb: the thresholds of
# the run spec's curation profile) over the same documents (the spec's corpora after decoding, HTML to text and
# language identification), each on one core. Prints both figures in documents per second per core and the ratio.
# DataTrove goes into a virtualenv outside the repository. Usage: bench/datatrove/run.sh [SPEC]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SPEC="$(realpath "${1:-$ROOT/configs/tiny-gpt.yaml}")"
VENV="${KILN_BENCH_VENV:-$HOME/.cache/kiln/datatrove-venv}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
fi
# wheels only: DataTrove's optional extras build kenlm from source, which these rules do not need
"$VENV/bin/pip" install -q --only-binary=:all: datatrove==0.6.0 spacy==3.8.18 regex nltk pyyaml

"$ROOT/infra/fetch-data.sh" >/dev/null
(cd "$ROOT" && mvn -q -B -o -pl bench -am package -DskipTests) # the reactor: never install (the local repository is shared)
PROFILE="$(dirname "$SPEC")/$(sed -n 's/^ *profile: *\([^ #]*\).*/\1/p' "$SPEC")"

(cd "$ROOT/bench" && java -Xmx4g -cp "target/kiln-bench-0.1.0-SNAPSHOT.jar:target/lib/*" \
  dev.kiln.bench.curation.RuleThroughputBenchmark "$SPEC" "$WORK/documents.jsonl") | tee "$WORK/kiln.txt"
"$VENV/bin/python" "$ROOT/bench/datatrove/bench.py" "$PROFILE" "$WORK/documents.jsonl" | tee "$WORK/datatrove.txt"

kiln="$(sed -n 's/^kiln_docs_per_second=//p' "$WORK/kiln.txt")"
datatrove="$(sed -n 's/^datatrove_docs_per_second=//p' "$WORK/datatrove.txt")"
awk -v k="$kiln" -v d="$datatrove" 'BEGIN { printf "docs/s per core: kiln %.1f, datatrove %.1f, ratio %.2fx\n", k, d, k / d }'
