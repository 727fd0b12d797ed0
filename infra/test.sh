#!/usr/bin/env bash
# The test command: installs what the tests need, idempotently (the corpora; the Temporal CLI, built from the Go
# module proxy and cached), starts the real Temporal dev server on loopback if it is not up, then runs every
# test: unit and workflow tests (surefire) and the integration tests that run the real stack (failsafe).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/infra/fetch-data.sh"
"$ROOT/infra/start-temporal-dev.sh"
cd "$ROOT"
exec mvn -B verify "$@"
