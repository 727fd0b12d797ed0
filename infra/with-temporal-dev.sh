#!/usr/bin/env bash
# Runs a command against a fresh Temporal dev server of its own: a temporary SQLite file (no run of yours is touched,
# no stale run is picked up) on PORT and PORT+1000 for the Web UI, TEMPORAL_ADDRESS exported; the server and its
# file are removed when the command ends, however it ends.
#   usage: infra/with-temporal-dev.sh PORT COMMAND [ARG...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="$1"
shift
export KILN_TEMPORAL_DIR="$(mktemp -d -t kiln-temporal.XXXXXX)"
export TEMPORAL_PORT="$PORT" TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-$((PORT + 1000))}"
export TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT"
cleanup() { "$ROOT/infra/stop-temporal-dev.sh" >/dev/null 2>&1 || true; rm -rf "$KILN_TEMPORAL_DIR"; }
trap cleanup EXIT
"$ROOT/infra/start-temporal-dev.sh"
"$@"
