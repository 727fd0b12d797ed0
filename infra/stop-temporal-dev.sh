#!/usr/bin/env bash
# Stops the dev server started by infra/start-temporal-dev.sh; its SQLite file stays, so a restart resumes runs.
set -euo pipefail
DIR="${KILN_TEMPORAL_DIR:-$HOME/.cache/kiln/temporal}"
if [[ -f "$DIR/server.pid" ]] && kill -0 "$(cat "$DIR/server.pid")" 2>/dev/null; then
  kill "$(cat "$DIR/server.pid")"
  for _ in $(seq 1 40); do kill -0 "$(cat "$DIR/server.pid")" 2>/dev/null || break; sleep 0.25; done
  echo "temporal dev server stopped"
fi
rm -f "$DIR/server.pid"
