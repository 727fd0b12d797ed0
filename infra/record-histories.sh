#!/usr/bin/env bash
# Records the replay fixtures (workflows/src/test/resources/histories/*.json) from real runs: starts a fresh Temporal
# dev server of its own (ports 27233/28233, a temporary SQLite file), runs worker/src/test/.../HistoryRecorder
# against it, then stops it. Re-record only when a fixture must cover something new: a change to a workflow's
# decisions goes behind Workflow.getVersion and the old fixtures keep replaying (WorkflowReplayTest).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/infra/fetch-data.sh" >/dev/null
export KILN_TEMPORAL_DIR="$(mktemp -d -t kiln-record-temporal.XXXXXX)"
export TEMPORAL_PORT="${KILN_RECORD_TEMPORAL_PORT:-27233}" TEMPORAL_UI_PORT="${KILN_RECORD_TEMPORAL_UI_PORT:-28233}"
export TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT"
cleanup() { "$ROOT/infra/stop-temporal-dev.sh" >/dev/null 2>&1 || true; rm -rf "$KILN_TEMPORAL_DIR"; }
trap cleanup EXIT
"$ROOT/infra/start-temporal-dev.sh"
cd "$ROOT"
rm -f workflows/src/test/resources/histories/*.json
mvn -B verify -pl worker -am -DskipTests=false -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=HistoryRecorder
ls -l workflows/src/test/resources/histories/
