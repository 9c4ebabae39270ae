# Sourced by bench/reconcile/*.sh: a release meshctl, a temporary state directory, a free gateway port, the
# operator started with `meshctl up`, and cleanup (`meshctl down`, then the directory) on exit.
# Sets M (meshctl), MESH (mesh.py), dir, state, gateway, services; defines start_mesh, wrk_start, wrk_report.
# A script adds the pids of helpers it starts to bench_pids; cleanup stops them first.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ -z "${BIN:-}" ]]; then
  swift build -c release --product meshctl >/dev/null && swift build -c release --product mesh-proxy >/dev/null  # the operator runs mesh-proxy when it sits next to meshctl
  BIN="$(swift build -c release --show-bin-path)/meshctl"
fi
M=$BIN
export MESHCTL=$M
MESH="python3 $PWD/bench/reconcile/mesh.py"
dir=$(mktemp -d /tmp/mesh-bench-reconcile.XXXXXX)
state=$dir/state
gateway=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
bench_pids=()
cleanup() {
  [[ -n ${wrk_pid:-} ]] && kill "$wrk_pid" 2>/dev/null || true
  for pid in ${bench_pids[@]+"${bench_pids[@]}"}; do kill "$pid" 2>/dev/null || true; done
  # A killed operator leaves its processes running: start it again (it adopts them) so that `down` stops them.
  if [[ -f $state/operator.pid ]] && ! kill -0 "$(cat "$state/operator.pid")" 2>/dev/null; then
    "$M" up --state-dir "$state" --gateway-port "$gateway" >/dev/null 2>&1 || true
  fi
  "$M" down --state-dir "$state" >/dev/null 2>&1 || true
  [[ -n ${KEEP_LOG:-} ]] && cp "$state"/operator*.log "$KEEP_LOG" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

# start_mesh SERVICES: operator up, SERVICES services x 2 replicas + `front` split applied, all Ready.
# Prints the cold-start time and the operator's RSS.
start_mesh() {
  services=$1
  $MESH manifests "$dir/manifests" "$services" 50
  "$M" up --state-dir "$state" --gateway-port "$gateway" >/dev/null
  local t0 t1
  t0=$(date +%s.%N)
  "$M" apply --state-dir "$state" -f "$dir/manifests" >/dev/null
  $MESH wait-ready "$state" 180 >/dev/null
  t1=$(date +%s.%N)
  local procs
  procs=$("$M" status --state-dir "$state" | grep -cE '^[a-z0-9-]+/(workload|sidecar|gateway)/' || true)
  echo "cold start: $services services x 2 replicas ($procs processes) to all Ready in $(python3 -c "print(round($t1-$t0,2))") s (from \`meshctl apply\`)"
  echo "operator RSS after start: $(operator_rss)"
}

operator_rss() { grep VmRSS "/proc/$(cat "$state/operator.pid")/status" | awk '{printf "%.1f MiB", $2/1024}'; }

# wrk_start SECONDS [WRK OPTIONS]: 50 connections through the gateway to `front` (split over svc-0 / svc-1), in the
# background; the options (e.g. `-s script.lua`) go before the URL.
wrk_start() {
  local seconds=$1
  shift
  wrk -t1 -c50 -d"$seconds"s "$@" -H "Host: front" "http://127.0.0.1:$gateway/" >"$dir/wrk.txt" 2>&1 &
  wrk_pid=$!
}

# wrk_report: waits for wrk, prints its totals; exit status 1 when any request failed (socket error or non-2xx).
wrk_report() {
  wait "$wrk_pid" || true
  wrk_pid=
  grep -E "requests in|Non-2xx|Socket errors" "$dir/wrk.txt" || true
  if ! grep -q "requests in" "$dir/wrk.txt"; then
    echo "WRK DID NOT REPORT (the figures above were not under load):"
    tail -5 "$dir/wrk.txt"
    return 1
  fi
  if grep -qE "Non-2xx|Socket errors" "$dir/wrk.txt"; then
    echo "FAILED REQUESTS"
    return 1
  fi
  echo "failed requests: 0"
}
