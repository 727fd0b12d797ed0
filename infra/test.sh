#!/usr/bin/env bash
# The test command: installs what the tests need, idempotently (the corpora; the Temporal CLI, built from the Go
# module proxy and cached; the pinned Python venv with transformers and PyPI's torch wheel), starts a real Temporal
# dev server of its own (fresh SQLite file, ports 17233/18233, so no run of yours is touched and no stale run is
# picked up), runs every test: unit and workflow tests (surefire) and the integration tests on the real stack
# (failsafe); then stops that server.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/infra/fetch-data.sh"
"$ROOT/infra/install-chromium.sh"
# The one pinned Python venv (transformers, and PyPI's torch wheel): transformers loads what Kiln exports
# (ContinueHuggingFaceModelIT), and ExternalLibtorchTest trains on the wheel's libtorch (the mechanism GPU workers use).
KILN_PYTHON="$("$ROOT/infra/python-venv.sh")"
venv="$(dirname "$(dirname "$KILN_PYTHON")")"
KILN_TORCH_HOME="$venv" "$ROOT/infra/install-pytorch-wheel.sh" > /dev/null
export KILN_PYTHON KILN_TORCH_ENV="$venv/env"

cd "$ROOT"
TEMPORAL_UI_PORT="${KILN_TEST_TEMPORAL_UI_PORT:-18233}" \
  exec "$ROOT/infra/with-temporal-dev.sh" "${KILN_TEST_TEMPORAL_PORT:-17233}" mvn -B verify "$@"
