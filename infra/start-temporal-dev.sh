#!/usr/bin/env bash
# Starts the real Temporal dev server (SQLite persistence, Schedules, visibility queries, Web UI) on loopback,
# with Kiln's search attributes, and waits until it is healthy. Idempotent: a healthy server already on the
# port is reused. Stop it with infra/stop-temporal-dev.sh.
#   TEMPORAL_PORT (7233), TEMPORAL_UI_PORT (8233), KILN_TEMPORAL_DIR (~/.cache/kiln/temporal): its DB and log
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PORT="${TEMPORAL_PORT:-7233}"
UI_PORT="${TEMPORAL_UI_PORT:-8233}"
DIR="${KILN_TEMPORAL_DIR:-$HOME/.cache/kiln/temporal}"
TEMPORAL="$("$HERE/install-temporal-cli.sh")"
mkdir -p "$DIR"

healthy() { "$TEMPORAL" operator cluster health --address "127.0.0.1:$PORT" >/dev/null 2>&1; }

if healthy; then
  echo "temporal dev server already up on 127.0.0.1:$PORT (UI http://127.0.0.1:$UI_PORT)"
  exit 0
fi

nohup "$TEMPORAL" server start-dev --ip 127.0.0.1 --port "$PORT" --ui-port "$UI_PORT" \
  --db-filename "$DIR/temporal.db" --log-level warn \
  --search-attribute KilnStage=Keyword --search-attribute KilnArchitecture=Keyword \
  --search-attribute KilnObjective=Keyword --search-attribute KilnStep=Int \
  --search-attribute KilnTokensSeen=Int --search-attribute KilnLoss=Double --search-attribute KilnGoodput=Double \
  --search-attribute KilnLadder=Keyword --search-attribute KilnBudget=Double --search-attribute KilnParameters=Int \
  >>"$DIR/server.log" 2>&1 &
echo $! >"$DIR/server.pid"

for _ in $(seq 1 120); do
  if healthy; then
    echo "temporal dev server up on 127.0.0.1:$PORT (UI http://127.0.0.1:$UI_PORT, db $DIR/temporal.db, pid $(cat "$DIR/server.pid"))"
    exit 0
  fi
  if ! kill -0 "$(cat "$DIR/server.pid")" 2>/dev/null; then
    echo "start-temporal-dev: the server exited; last lines of $DIR/server.log:" >&2
    tail -20 "$DIR/server.log" >&2
    exit 1
  fi
  sleep 0.5
done
echo "start-temporal-dev: not healthy after 60 s; see $DIR/server.log" >&2
exit 1
