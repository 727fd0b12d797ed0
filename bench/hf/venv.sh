#!/usr/bin/env bash
# Makes (once) the pinned venv of bench/hf and prints its python. Reused while requirements.txt is unchanged (its
# hash is kept in the venv); a changed requirements.txt rebuilds it from scratch.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${KILN_HF_BENCH_VENV:-$HOME/.cache/kiln/hf-bench-venv}"
python="${PYTHON:-python3}"

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "hf-bench: transformers 5 needs Python 3.10 or newer; set PYTHON to one (found: $("$python" --version 2>&1))" >&2
  exit 2
fi
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
have="$(cat "$venv/.requirements.sha256" 2>/dev/null || true)"
if [[ "$want" != "$have" || ! -x "$venv/bin/python" ]]; then
  echo "hf-bench: creating $venv (requirements $want)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
  # The CPU build of torch is a tenth of the size; PyPI's build works too, when PyTorch's index is not reachable.
  if curl -fsS --max-time 10 -o /dev/null https://download.pytorch.org/whl/cpu/torch/ 2>/dev/null; then
    "$venv/bin/python" -m pip install --quiet --index-url https://download.pytorch.org/whl/cpu \
      "$(grep '^torch==' "$here/requirements.txt")" >&2
  fi
  "$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt" >&2
  echo "$want" > "$venv/.requirements.sha256"
fi
echo "$venv/bin/python"
