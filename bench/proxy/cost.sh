#!/usr/bin/env bash
# cost.sh - CPU cost per request of meshctl's proxy vs HAProxy, measured with `perf stat` on the proxy process
# while wrk drives it. Unlike requests/s, instructions and CPU time per request hardly move when other jobs share
# the machine, so this is the figure to compare optimisations by. Loopback only; kills only what it starts.
#
# Usage: bench/proxy/cost.sh [MESHCTL_OR_MESH_PROXY_BINARY]     env: CONNS=50 DURATION=5 ROUNDS=2 BACKEND_PORT=18280
set -u -o pipefail
BIN=${1:-$(cd "$(dirname "$0")/../.." && pwd)/.build/release/meshctl}
CONNS=${CONNS:-50}; DURATION=${DURATION:-5}; ROUNDS=${ROUNDS:-2}
BACKEND_PORT=${BACKEND_PORT:-18280}
source "$(dirname "$0")/common.sh"
command -v perf >/dev/null || { echo "need perf"; exit 1; }
start_quick_comparison "$BIN"
measure() { # name pid port
  wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:$3/" >/dev/null   # warm-up
  perf stat -x, -e task-clock,instructions -p "$2" -o "$DIR/$1.perf" -- sleep "$DURATION" &
  local perf_pid=$!
  local out; out=$(wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$3/")
  wait $perf_pid
  local reqs; reqs=$(awk '/requests in/{print $1}' <<<"$out")
  local rps; rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  local ms; ms=$(awk -F, '/task-clock/{print $1}' "$DIR/$1.perf")
  local ins; ins=$(awk -F, '/instructions/{print $1}' "$DIR/$1.perf")
  awk -v n="$1" -v r="$reqs" -v rps="$rps" -v ms="$ms" -v ins="$ins" 'BEGIN{
    printf "%-8s rps=%8.0f  cpu_us/req=%6.2f  instructions/req=%7.0f  (cpu %.0f%%)\n", n, rps, 1000*ms/r, ins/r, 100*ms/1000/'"$DURATION"' }'
}
echo "# $(date -u +%FT%TZ) conns=$CONNS duration=${DURATION}s load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  measure haproxy $HAPROXY_PID $HAPROXY_PORT
  measure meshctl $MESH_PID $MESH_PORT
done
echo "meshctl RSS: $(awk '/VmRSS/{print $2" kB"}' /proc/$MESH_PID/status), peak $(awk '/VmHWM/{print $2" kB"}' /proc/$MESH_PID/status)"
