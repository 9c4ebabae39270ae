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
  wrk_slice "$1" "http://127.0.0.1:$3/" "$2"
  printf "%-8s rps=%8.0f  cpu_us/req=%6.2f  instructions/req=%7.0f  (cpu %s%%)\n" "$1" "$SLICE_RPS" "$SLICE_CPU_US" \
    "$SLICE_INS" "$SLICE_CPU_PCT"
}
echo "# $(date -u +%FT%TZ) conns=$CONNS duration=${DURATION}s load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  measure haproxy $HAPROXY_PID $HAPROXY_PORT
  measure meshctl $MESH_PID $MESH_PORT
done
echo "meshctl RSS: $(awk '/VmRSS/{print $2" kB"}' /proc/$MESH_PID/status), peak $(awk '/VmHWM/{print $2" kB"}' /proc/$MESH_PID/status)"
