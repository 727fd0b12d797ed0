#!/usr/bin/env bash
# Regenerates the tiny Llama fixtures under activities/src/test/resources/llama/ with transformers itself.
# The pinned venv is infra/python-venv.sh's (infra/hf-fixtures/requirements.txt), shared with bench/llama/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-$repo/activities/src/test/resources/llama}"
python="$("$repo/infra/python-venv.sh")"

# Deterministic CPU maths: one thread, no hub access, no telemetry.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 TRANSFORMERS_NO_ADVISORY_WARNINGS=1
"$python" "$here/make_fixtures.py" "$out"
echo "make-fixtures: wrote $out ($(du -sh --apparent-size "$out" | cut -f1))" >&2
