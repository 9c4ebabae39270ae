#!/usr/bin/env bash
# Benchmark: the operator's HTTP listener over a 50-service mesh (bench/stat's setup: one demo-app replica and a
# sidecar per service, 101 processes with the gateway). Measures
#   1. GET /metrics of the operator (what Prometheus scrapes), N times;
#   2. GET /api/graph and /api/rollouts (what the dashboard polls every second), N times each, while sampling runs;
#   3. the operator's CPU while idle vs while the dashboard is watched (sampling scrapes 51 proxies once a second).
# Usage: bench/dashboard/run.sh [requests]   (default 50). BIN=path/to/meshctl to use a given build (default: release).
set -euo pipefail
cd "$(dirname "$0")/../.."
requests="${1:-50}"
services=50

if [[ -z "${BIN:-}" ]]; then
  swift build -c release --product meshctl >/dev/null
  BIN="$(swift build -c release --show-bin-path)/meshctl"
fi
dir="$(mktemp -d -t meshctl-bench-dashboard.XXXXXX)"
state="$dir/state"
read -r gateway ports_text < <(python3 -c '
import socket, sys
held = [socket.socket() for _ in range(int(sys.argv[1]) + 1)]
for s in held: s.bind(("127.0.0.1", 0))
print(held[0].getsockname()[1], " ".join(str(s.getsockname()[1]) for s in held[1:]))
' "$services")
read -r -a ports <<<"$ports_text"
for ((i = 0; i < services; i++)); do
  printf -- '---\napiVersion: mesh.meshctl.dev/v1alpha1\nkind: Service\nmetadata: {name: svc-%02d}\nspec:\n  port: %d\n  command: [meshctl, demo-app, --error-rate, "0.1"]\n  healthCheck: {path: /healthz, interval: 2s}\n' \
    "$i" "${ports[$i]}"
done >"$dir/mesh.yaml"

"$BIN" operator --state-dir "$state" --gateway-port "$gateway" --http 127.0.0.1:0 >"$dir/operator.log" 2>&1 &
operator=$!
cleanup() {
  "$BIN" down --state-dir "$state" >/dev/null 2>&1 || true
  n=0
  while kill -0 "$operator" 2>/dev/null && ((n++ < 200)); do sleep 0.1; done
  kill "$operator" 2>/dev/null || true
  wait "$operator" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
for ((i = 0; i < 100; i++)); do "$BIN" status --state-dir "$state" >/dev/null 2>&1 && break; sleep 0.1; done
"$BIN" apply --state-dir "$state" -f "$dir/mesh.yaml" >/dev/null
for ((i = 0; i < services; i++)); do
  for ((try = 0; try < 300; try++)); do
    code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${ports[$i]}/" || true)"
    [[ "$code" == 200 || "$code" == 500 ]] && break
    sleep 0.2
  done
done
for ((round = 0; round < 5; round++)); do
  for ((i = 0; i < services; i++)); do curl -s -o /dev/null "http://127.0.0.1:${ports[$i]}/" || true; done
done
url="$("$BIN" dashboard --state-dir "$state")"
echo "bench: $services services, dashboard at $url"

cpu() { awk '{ print $14 + $15 }' "/proc/$operator/stat"; }  # utime + stime, clock ticks
ticks="$(getconf CLK_TCK)"
idle_start="$(cpu)"; sleep 10; idle_end="$(cpu)"

# Each figure: median and max of N curl time_total, in ms.
measure() {
  for ((i = 0; i < requests; i++)); do curl -s -o /dev/null -w '%{time_total}\n' "$url$1"; sleep 0.05; done |
    sort -n | awk -v name="$1" '{ t[NR] = $1 * 1000 } END { printf "GET %-14s %d requests: median %.2f ms, max %.2f ms\n", name, NR, t[int((NR + 1) / 2)], t[NR] }'
}
measure metrics
printf 'GET /metrics body: %s bytes\n' "$(curl -s "${url}metrics" | wc -c)"
curl -s -o /dev/null "${url}api/graph"  # a viewer: sampling starts
sleep 3
watched_start="$(cpu)"
for ((s = 0; s < 10; s++)); do curl -s -o /dev/null "${url}api/graph"; curl -s -o /dev/null "${url}api/rollouts"; sleep 1; done
watched_end="$(cpu)"
measure api/graph
measure api/rollouts
printf 'GET /api/graph body: %s bytes, %s edges\n' "$(curl -s "${url}api/graph" | wc -c)" \
  "$(curl -s "${url}api/graph" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["edges"]))')"
awk -v a="$idle_start" -v b="$idle_end" -v c="$watched_start" -v d="$watched_end" -v hz="$ticks" 'BEGIN {
  printf "operator CPU: idle %.1f%% of a core, dashboard watched (1 sample/s of 51 proxies) %.1f%%\n",
    (b - a) / hz / 10 * 100, (d - c) / hz / 10 * 100 }'
