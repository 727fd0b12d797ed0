#!/usr/bin/env bash
# Makes (once) the one pinned Python venv of the fixture scripts and the reference benchmarks (transformers, torch,
# tokenizers, safetensors as infra/hf-fixtures/requirements.txt pins them) and prints its python. Reused while the
# requirements are unchanged (their hash is kept in the venv); changed requirements rebuild it from scratch.
# Environment: KILN_PYTHON_VENV (default ~/.cache/kiln/hf-fixtures-venv), PYTHON (the interpreter to make it with).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requirements="$root/infra/hf-fixtures/requirements.txt"
venv="${KILN_PYTHON_VENV:-$HOME/.cache/kiln/hf-fixtures-venv}"
python="${PYTHON:-python3}"

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "python-venv: transformers 5 needs Python 3.11 or newer here; set PYTHON to one (found: $("$python" --version 2>&1))" >&2
  exit 2
fi
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
have="$(cat "$venv/.requirements.sha256" 2>/dev/null || true)"
if [[ "$want" != "$have" || ! -x "$venv/bin/python" ]]; then
  echo "python-venv: creating $venv (requirements $want)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
  # The CPU build of torch is a tenth of the size; PyPI's build works too, when PyTorch's index is not reachable.
  if curl -fsS --max-time 10 -o /dev/null https://download.pytorch.org/whl/cpu/torch/ 2>/dev/null; then
    "$venv/bin/python" -m pip install --quiet --index-url https://download.pytorch.org/whl/cpu \
      "$(grep '^torch==' "$requirements")" >&2
  fi
  "$venv/bin/python" -m pip install --quiet -r "$requirements" >&2
  echo "$want" > "$venv/.requirements.sha256"
fi
echo "$venv/bin/python"
