#!/usr/bin/env bash
# Curation's memory at two corpus sizes: the spec's corpora and a synthetic corpus N times larger (perturbed copies,
# dev.kiln.bench.curation.SyntheticCorpus), curated by the real workflow and activities with the same -Xmx, one worker,
# one curation slot, 400 raw documents per shard (DOCUMENTS_PER_SHARD) at every size. Prints the peak live heap of every activity kind at each size and wall time against corpus size.
# The corpus and the stack's home go under ~/.cache/kiln/curation-memory (several GB at 20x).
# Usage: bench/curation/run-memory.sh [SIZES...]   (default: 1 20; env XMX, default 1g; SPEC, default configs/tiny-gpt.yaml;
# TEMPORAL_PORT/TEMPORAL_UI_PORT, default 47233/48233, the dev server's, away from the test servers' 17233/27233/37233)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SPEC="$(realpath "${SPEC:-$ROOT/configs/tiny-gpt.yaml}")"
WORK="${KILN_MEMORY_BENCH_DIR:-$HOME/.cache/kiln/curation-memory}"
SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(1 20)
"$ROOT/infra/fetch-data.sh" >/dev/null
"$ROOT/infra/install-temporal-cli.sh" >/dev/null
(cd "$ROOT" && mvn -q -B -o -pl bench -am package -DskipTests) # the reactor: never install (the local repository is shared)
# a fresh Temporal and no earlier run's outputs for every measurement; the generated corpus is kept, and so is the
# uploaded one (raw/ and lists/ in the bucket: the upload of 20 copies takes minutes)
rm -rf "$WORK/home/temporal"
if [[ -d "$WORK/home/s3" ]]; then
  find "$WORK/home/s3" -mindepth 2 -maxdepth 2 ! -name raw ! -name lists -exec rm -rf {} +
fi
mkdir -p "$WORK"
cd "$ROOT/bench"
exec java -Xmx"${XMX:-1g}" -XX:+ExitOnOutOfMemoryError -DsampleMillis=1000 -DprogressSeconds="${PROGRESS_SECONDS:-120}" -DtemporalPort="${TEMPORAL_PORT:-47233}" -DtemporalUiPort="${TEMPORAL_UI_PORT:-48233}" -DdocumentsPerShard="${DOCUMENTS_PER_SHARD:-400}" -cp "target/kiln-bench-0.1.0-SNAPSHOT.jar:target/lib/*" \
  dev.kiln.bench.curation.CurationMemoryBenchmark "$SPEC" "$WORK" "${SIZES[@]}"
