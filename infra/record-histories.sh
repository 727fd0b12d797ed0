#!/usr/bin/env bash
# Records the replay fixtures (workflows/src/test/resources/histories/*.json) from real runs: starts a fresh Temporal
# dev server of its own (ports 27233/28233, a temporary SQLite file), runs worker/src/test/.../HistoryRecorder
# against it, then stops it. Re-record only when a fixture must cover something new: a change to a workflow's
# decisions goes behind Workflow.getVersion and the old fixtures keep replaying (WorkflowReplayTest).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/infra/fetch-data.sh" >/dev/null
cd "$ROOT"
rm -f workflows/src/test/resources/histories/*.json
TEMPORAL_UI_PORT="${KILN_RECORD_TEMPORAL_UI_PORT:-28233}" "$ROOT/infra/with-temporal-dev.sh" "${KILN_RECORD_TEMPORAL_PORT:-27233}" \
  mvn -B verify -pl worker -am -DskipTests=false -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=HistoryRecorder
ls -l workflows/src/test/resources/histories/
