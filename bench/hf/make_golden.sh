#!/usr/bin/env bash
# Regenerates the golden fixture of HfExportGpt2GoldenTest under activities/src/test/resources/hf-export/gpt2-tiny/:
# Kiln writes a tiny GPT (weights from a fixed seed) and exports it as GPT-2; transformers (pinned in requirements.txt)
# loads the exports and computes the logits and greedy ids the test compares Kiln's with. Rerun it only when the
# export or the fixture changes on purpose; the test then checks Kiln against the new numbers.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
fixture="$root/activities/src/test/resources/hf-export/gpt2-tiny"
python="$("$here/venv.sh")"
(cd "$root" && mvn -q -B -pl bench -am -DskipTests package) # the reactor: never install (the local repository is shared)
exports="$(mktemp -d)"
trap 'rm -rf "$exports"' EXIT
java -Dai.djl.offline=true -Dai.djl.default_engine=PyTorch \
  -cp "$root/bench/target/kiln-bench-0.1.0-SNAPSHOT.jar:$root/bench/target/lib/*" \
  dev.kiln.bench.hf.Gpt2GoldenFixture "$fixture" "$exports"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 TRANSFORMERS_NO_ADVISORY_WARNINGS=1
"$python" "$here/make_golden.py" "$exports" "$fixture/golden.json"
du -ab "$fixture"
