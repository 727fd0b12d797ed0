#!/usr/bin/env bash
# Installs the Temporal CLI (dev server with SQLite persistence and the Web UI) from the Go module proxy.
# Idempotent: does nothing when the pinned version is already installed. v1.5.1 is the newest whose go.mod
# `go install` accepts (later versions carry a replace directive). Needs Go >= 1.25; the build is cached by Go.
set -euo pipefail
VERSION="v1.5.1"
BIN_DIR="${KILN_BIN_DIR:-$HOME/.cache/kiln/bin}"
BIN="$BIN_DIR/temporal"

# `go install` builds report version 0.0.0-DEV, so the installed version is kept in a marker file
if [[ -x "$BIN" ]] && [[ "$(cat "$BIN.version" 2>/dev/null)" == "$VERSION" ]]; then
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null || { echo "install-temporal-cli: Go is not installed (needs >= 1.25)" >&2; exit 1; }
mkdir -p "$BIN_DIR"
echo "install-temporal-cli: building temporal $VERSION (a cold build takes several minutes)" >&2
CGO_ENABLED=0 GOBIN="$BIN_DIR" go install "github.com/temporalio/cli/cmd/temporal@$VERSION" >&2
"$BIN" --version >&2
echo "$VERSION" >"$BIN.version"
echo "$BIN"
