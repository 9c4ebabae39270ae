#!/usr/bin/env bash
# bench/rollout blue-green: switch and rollback under wrk load through the gateway, from a release build.
#   bench/rollout/run.sh bluegreen [CONNECTIONS] [ROUNDS]   (defaults 50, 3)
# Mesh: shop-blue (v1) and shop-green, 2 replicas each with sidecars, a gateway; a blue-green Rollout with the
# x-mesh-preview header, manual promotion, scaleDownDelay 10m. Green is applied as v2 once; then ROUNDS times:
# `meshctl rollout promote` (the switch), and `meshctl rollout undo` (the instant rollback while blue is kept), then
# `retry` to bring the preview back. For each switch, switch_probe.py polls every proxy's GET /config and reports
# when the last one serves the new routing, counted from the moment the command returned (the decision is stored by
# then) and from the moment it was started. wrk -c CONNECTIONS runs through the gateway the whole time.
set -euo pipefail
cd "$(dirname "$0")/../.."
connections=${1:-50}
rounds=${2:-3}
if [[ -n ${MESHCTL:-} ]]; then
  M=$MESHCTL  # an already built binary (e.g. a debug build to try the script)
else
  swift build -c release --product meshctl >/dev/null
  M=$PWD/.build/release/meshctl
fi
dir=$(mktemp -d /tmp/mesh-bench-bluegreen.XXXXXX)
state=$dir/state
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
gateway=$(free_port)
cleanup() { "$M" down --state-dir "$state" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
mkdir -p "$dir/manifests"

write_manifests() {  # $1 = green's version
  cat > "$dir/manifests/mesh.yaml" <<YAML
apiVersion: mesh.meshctl.dev/v1alpha1
kind: Service
metadata: {name: shop}
spec: {port: $root_port}
---
apiVersion: mesh.meshctl.dev/v1alpha1
kind: Service
metadata: {name: shop-blue}
spec:
  port: $blue_port
  command: [meshctl, demo-app, --version, v1]
  replicas: 2
  healthCheck: {path: /healthz, interval: 1s}
---
apiVersion: mesh.meshctl.dev/v1alpha1
kind: Service
metadata: {name: shop-green}
spec:
  port: $green_port
  command: [meshctl, demo-app, --version, $1]
  replicas: 2
  healthCheck: {path: /healthz, interval: 1s}
---
apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: {name: shop}
spec:
  service: shop
  backends:
  - {service: shop-blue, weight: 100}
  - {service: shop-green, weight: 0}
---
apiVersion: mesh.meshctl.dev/v1alpha1
kind: Rollout
metadata: {name: shop}
spec:
  trafficSplit: shop
  blueGreen:
    activeService: shop-blue
    previewService: shop-green
    scaleDownDelay: 10m
YAML
}

phase() {
  curl -s --unix-socket "$state/operator.sock" "http://x/v1/objects?kind=Rollout&name=shop" | python3 -c '
import json,sys
r=(json.load(sys.stdin)["items"][0].get("status") or {}).get("rollout") or {}
print(r.get("phase","?"), r.get("stableWeight","?"), r.get("canaryWeight","?"), "confirmed" if r.get("confirmed") else "pending")'
}

wait_phase() {  # $1 = regex over "PHASE STABLE NEW confirmed|pending"
  for _ in $(seq 1 600); do
    p=$(phase)
    [[ $p =~ $1 ]] && return 0
    sleep 0.1
  done
  echo "timed out waiting for /$1/; last: $p" >&2
  exit 1
}

versions() {  # $@ = extra curl args; prints the versions of 20 answers
  for _ in $(seq 1 20); do curl -s -o /dev/null -D - -H "Host: shop" "$@" "http://127.0.0.1:$gateway/" | tr -d '\r' \
    | awk -F': ' 'tolower($1)=="x-demo-version"{print $2}'; done | sort | uniq -c | tr '\n' ' '
}

decision_time() {  # $1 = event reason; the newest such event of the rollout, as the operator stored it (ms)
  python3 - "$state/state.sqlite" "$1" <<'PY'
import sqlite3, sys, datetime
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
row = db.execute("SELECT lastTime FROM events WHERE kind='Rollout' AND name='shop' AND reason=? ORDER BY id DESC LIMIT 1",
                 (sys.argv[2],)).fetchone()
t = datetime.datetime.fromisoformat(row[0]).replace(tzinfo=datetime.timezone.utc) if row else None
print(t.timestamp() if t else "nan")
PY
}

switch() {  # $1 = meshctl rollout command, $2 = the reason of the event the machine records at its decision
  python3 bench/rollout/switch_probe.py "$state" "$dir/probe.json" 10 > "$dir/probe.out" &
  probe=$!
  for _ in $(seq 1 100); do grep -q ready "$dir/probe.out" 2>/dev/null && break; sleep 0.02; done
  t0=$(date +%s.%N)
  "$M" rollout "$1" shop --state-dir "$state" >/dev/null
  t1=$(date +%s.%N)
  wait $probe
  td=$(decision_time "$2")
  python3 - "$dir/probe.json" "$t0" "$t1" "$1" "$td" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); t0, t1, td = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[5])
times = sorted(r["changed"].values())
first, last = (times[0], times[-1]) if times else (float("nan"), float("nan"))
open(sys.argv[1] + ".all", "a").write(f"{sys.argv[4]} {1000*(last-td):.0f}\n")
print(f'{sys.argv[4]:8s}: {len(times)}/{r["proxies"]} proxies on the new routing; from the decision (event stored) to the '
      f'first {1000*(first-td):.0f} ms, to the last {1000*(last-td):.0f} ms (spread {1000*(last-first):.0f} ms); '
      f'the CLI command took {1000*(t1-t0):.0f} ms')
PY
}

root_port=$(free_port); blue_port=$(free_port); green_port=$(free_port)
write_manifests v1
"$M" up --state-dir "$state" --gateway-port "$gateway" >/dev/null
"$M" apply --state-dir "$state" -f "$dir/manifests" >/dev/null
for _ in $(seq 1 300); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Host: shop" "http://127.0.0.1:$gateway/") == 200 ]] && break
  sleep 0.1
done
sleep 3

duration=$((25 + rounds * 12))
wrk -t2 -c"$connections" -d${duration}s -H "Host: shop" "http://127.0.0.1:$gateway/" > "$dir/wrk.txt" 2>&1 &
wrk_pid=$!
sleep 2
write_manifests v2
"$M" apply --state-dir "$state" -f "$dir/manifests" >/dev/null
wait_phase '^WaitingPromotion'
echo "preview: plain requests -> $(versions)| with x-mesh-preview: 1 -> $(versions -H 'x-mesh-preview: 1')"
for round in $(seq 1 "$rounds"); do
  switch promote Promoting
  wait_phase '^Promoting 0 100 confirmed'
  echo "  after promote: plain -> $(versions)"
  sleep 2
  switch undo Undo
  wait_phase '^Aborted'
  echo "  after undo:    plain -> $(versions)"
  sleep 2
  if (( round < rounds )); then
    "$M" rollout retry shop --state-dir "$state" >/dev/null
    wait_phase '^WaitingPromotion'
    sleep 1
  fi
done
wait $wrk_pid || true
echo "gateway load during all of it (wrk -t2 -c$connections, ${duration}s):"
grep -E "requests in|Non-2xx|Socket errors|Latency" "$dir/wrk.txt" || true
grep -qE "Non-2xx|Socket errors" "$dir/wrk.txt" || echo "  no non-2xx answers, no socket errors"
python3 - "$dir/probe.json.all" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1])]
for kind in ("promote", "undo"):
    v = sorted(float(ms) for k, ms in rows if k == kind)
    if v:
        print(f"{kind}: decision -> last proxy on the new routing, {len(v)} switches: min {v[0]:.0f} ms, "
              f"median {v[len(v)//2]:.0f} ms, max {v[-1]:.0f} ms")
PY
