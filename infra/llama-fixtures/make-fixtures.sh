#!/usr/bin/env bash
# Regenerates the tiny Llama fixtures under activities/src/test/resources/llama/ with transformers itself.
# The venv lives outside the repository and is reused while requirements.txt is unchanged (its hash is kept
# beside it); a changed requirements.txt rebuilds it from scratch. bench/llama/ reuses the same venv.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${KILN_LLAMA_VENV:-$HOME/.cache/kiln/llama-venv}"
out="${1:-$repo/activities/src/test/resources/llama}"
python="${PYTHON:-python3}"

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "make-fixtures: transformers 5 needs Python 3.10 or newer; set PYTHON to one (found: $("$python" --version 2>&1))" >&2
  exit 2
fi

want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
have="$(cat "$venv/.requirements.sha256" 2>/dev/null || true)"
if [[ "$want" != "$have" || ! -x "$venv/bin/python" ]]; then
  echo "make-fixtures: creating $venv (requirements $want)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
  echo "$want" > "$venv/.requirements.sha256"
else
  echo "make-fixtures: reusing $venv" >&2
fi

if [[ "${1:-}" == "--venv-only" ]]; then
  exit 0
fi

# Deterministic CPU maths: one thread, no hub access, no telemetry.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 TRANSFORMERS_NO_ADVISORY_WARNINGS=1
"$venv/bin/python" "$here/make_fixtures.py" "$out"
echo "make-fixtures: wrote $out ($(du -sh --apparent-size "$out" | cut -f1))" >&2
