#!/usr/bin/env bash
# The test command: installs what the tests need (the corpora, idempotently), then runs every test:
# unit and workflow tests (surefire) and the integration tests that run the real stack (failsafe).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/infra/fetch-data.sh"
cd "$ROOT"
exec mvn -B verify "$@"
