#!/usr/bin/env bash
# Benchmark: `meshctl stat` over 50 services, each one demo-app replica behind its sidecar (101 processes with the
# gateway), with traffic on every service so every proxy has counters to read.
# The window is 1 ms, so the wall time is what stat itself costs: start, topology, two scrapes of 51 proxies, render.
# Usage: bench/stat/run.sh [runs]   (default 20). BIN=path/to/meshctl to use a given build (default: release build; a debug build costs several times more).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-20}"
services=50

if [[ -z "${BIN:-}" ]]; then
  swift build -c release --product meshctl >/dev/null && swift build -c release --product mesh-proxy >/dev/null  # the operator runs mesh-proxy when it sits next to meshctl
  BIN="$(swift build -c release --show-bin-path)/meshctl"
fi
dir="$(mktemp -d -t meshctl-bench-stat.XXXXXX)"
state="$dir/state"
# services + 1 distinct free ports (all held open at once while chosen, so none repeats).
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

"$BIN" operator --state-dir "$state" --gateway-port "$gateway" >"$dir/operator.log" 2>&1 &
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

# Ready: every service answers through the gateway (bounded wait).
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
proxies="$("$BIN" status --state-dir "$state" | grep -cE '^[a-z0-9-]+/(sidecar|gateway)/[0-9]+ +[0-9]+ +ready' || true)"
echo "bench: $services services, $proxies proxies running"
"$BIN" stat --state-dir "$state" --window 1ms >"$dir/stat.out"
head -3 "$dir/stat.out"

results="$(for ((i = 1; i <= runs; i++)); do
  /usr/bin/time -f "%e %M %x" "$BIN" stat --state-dir "$state" --window 1ms 2>&1 >/dev/null | tail -1
done | sort -n)"
echo "$results" | awk '$3 != 0 { print "stat failed: exit " $3; bad = 1 } END { exit bad }'
echo "$results" | awk -v services="$services" '{ wall[NR] = $1; if ($2 > max) max = $2 }
  END {
    printf "stat over %d services: %d runs, wall min %.3f s, median %.3f s, max %.3f s; peak RSS max %.1f MB\n",
      services, NR, wall[1], wall[int((NR + 1) / 2)], wall[NR], max / 1024
  }'
