#!/usr/bin/env bash
# The test command: installs what the tests need, idempotently (the corpora; the Temporal CLI, built from the Go
# module proxy and cached; PyPI's torch wheel), starts a real Temporal dev server of its own (fresh SQLite file, ports 17233/18233,
# so no run of yours is touched and no stale run is picked up), runs every test: unit and workflow tests
# (surefire) and the integration tests on the real stack (failsafe); then stops that server.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/infra/fetch-data.sh"
"$ROOT/infra/install-chromium.sh"
# PyPI's torch wheel, whose libtorch ExternalLibtorchTest trains on (the mechanism GPU workers use)
"$ROOT/infra/install-pytorch-wheel.sh" > /dev/null
export KILN_TORCH_ENV="${KILN_TORCH_HOME:-$HOME/.cache/kiln/torch-2.7.1}/env"

cd "$ROOT"
TEMPORAL_UI_PORT="${KILN_TEST_TEMPORAL_UI_PORT:-18233}" \
  exec "$ROOT/infra/with-temporal-dev.sh" "${KILN_TEST_TEMPORAL_PORT:-17233}" mvn -B verify "$@"
