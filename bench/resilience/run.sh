#!/usr/bin/env bash
# What resilience costs and how fast Kiln recovers:
#  1. checkpoint stall as a share of training time with uploads in the background (async) and inline (sync),
#     and checkpoint MB/s to S3 (s3proxy), on a 3 M-parameter model (CheckpointStallBenchmark);
#  2. the chaos suite's 20-SIGKILL run (ChaosIT): MTTR distribution (last heartbeat -> first resumed step),
#     detection times, steps lost and goodput.
# Usage: bench/resilience/run.sh [steps] [checkpointEvery] [repetitions]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$ROOT/infra/fetch-data.sh" >/dev/null
cd "$ROOT"
mvn -q -B -o -pl bench -am package -DskipTests

echo "== checkpoint stall and throughput"
# the worker's logback.xml logs to stderr: its INFO/WARN lines are left out there, as they always were
(cd bench && source "$ROOT/infra/native-memory.sh" && java -Xmx6g -Dai.djl.offline=true -Dai.djl.default_engine=PyTorch \
  -cp "target/kiln-bench-0.1.0-SNAPSHOT.jar:target/lib/*" dev.kiln.bench.resilience.CheckpointStallBenchmark "$@" \
  2> >(grep --line-buffered -v '^[0-9:. ]*\(INFO\|WARN\|DEBUG\)' >&2))

echo "== 20 SIGKILLs of the training worker (ChaosIT)"
mvn -q -B -o -pl worker verify -Dit.test='ChaosIT#twentySigkills*' -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  >/dev/null
FIGURES=worker/target/chaos-figures.txt
grep '^kills: ' "$FIGURES" | head -1
grep -o 'mttr_ms=[0-9]*' "$FIGURES" | cut -d= -f2 | sort -n | awk '
  { v[NR] = $1 }
  END { if (NR == 0) { print "no interruptions recorded"; exit }
        printf "MTTR over %d kills: min %.1fs  median %.1fs  p90 %.1fs  max %.1fs\n",
          NR, v[1] / 1000, v[int((NR + 1) / 2)] / 1000, v[int(NR * 0.9 + 0.5)] / 1000, v[NR] / 1000 }'
grep -o 'detect_ms=[0-9]*' "$FIGURES" | cut -d= -f2 | sort -n | awk '
  { v[NR] = $1 } END { if (NR) printf "detection: median %.1fs  max %.1fs (heartbeat timeout 4 s)\n", v[int((NR + 1) / 2)] / 1000, v[NR] / 1000 }'
grep '^kills goodput=' "$FIGURES" | sed 's/^kills /kill run: /'
uptime
