#!/usr/bin/env bash
# bench/reconcile: 20 services × 2 replicas with sidecars, from a release build.
#   bench/reconcile/run.sh [SERVICES] [CHANGES]   (defaults 20, 20)
# Measures: cold start to every Service Ready; the operator's RSS; for each of CHANGES weight changes, the time from
# `meshctl apply` returning to the split reporting every proxy on the new configuration (polled every 5 ms on the
# operator socket); and failed requests through the gateway (wrk, 50 connections) during the weight changes.
# Everything runs on 127.0.0.1 in a temporary state directory and is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
services=${1:-20}
changes=${2:-20}
swift build -c release --product meshctl >/dev/null && swift build -c release --product mesh-proxy >/dev/null  # the operator runs mesh-proxy when it sits next to meshctl
M=$PWD/.build/release/meshctl
dir=$(mktemp -d /tmp/mesh-bench-reconcile.XXXXXX)
state=$dir/state
gateway=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
cleanup() { "$M" down --state-dir "$state" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT

write_manifests() {  # $1 = weight of v2 for svc-0's split
  python3 - "$dir/manifests" "$services" "$1" <<'PY'
import os, sys
out, n, w = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out, exist_ok=True)
base = 31000
docs = []
for i in range(n):
    docs.append(f"""apiVersion: mesh.meshctl.dev/v1alpha1
kind: Service
metadata: {{name: svc-{i}}}
spec:
  port: {base + i}
  command: [meshctl, demo-app, --version, v1]
  replicas: 2
  healthCheck: {{path: /healthz}}
""")
docs.append(f"""apiVersion: mesh.meshctl.dev/v1alpha1
kind: Service
metadata: {{name: front}}
spec: {{port: {base + n}}}
---
apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: {{name: front}}
spec:
  service: front
  backends:
  - {{service: svc-0, weight: {100 - w}}}
  - {{service: svc-1, weight: {w}}}
""")
open(os.path.join(out, "mesh.yaml"), "w").write("---\n".join(docs))
PY
}

write_manifests 50
"$M" up --state-dir "$state" --gateway-port "$gateway" >/dev/null
t0=$(date +%s.%N)
"$M" apply --state-dir "$state" -f "$dir/manifests" >/dev/null
for _ in $(seq 1 600); do
  ready=$("$M" get services --state-dir "$state" -o json | python3 -c '
import json,sys
items=json.load(sys.stdin)["items"]
ok=all(any(c["type"]=="Ready" and c["status"]=="True" for c in i.get("status",{}).get("conditions",[])) for i in items)
print("yes" if ok and items else "no")')
  [[ $ready == yes ]] && break
  sleep 0.1
done
t1=$(date +%s.%N)
pid=$(cat "$state/operator.pid")
procs=$("$M" status --state-dir "$state" | grep -cE '^[a-z0-9-]+/(workload|sidecar|gateway)/')
echo "cold start: $services services x 2 replicas ($procs processes) to all Ready in $(python3 -c "print(round($t1-$t0,2))") s"
echo "operator RSS after start: $(grep VmRSS /proc/$pid/status | awk '{print $2/1024 " MiB"}')"

wrk -t1 -c50 -d$((changes + 10))s -H "Host: front" "http://127.0.0.1:$gateway/" > "$dir/wrk.txt" 2>&1 &
wrk_pid=$!
sleep 2
lat=()
for i in $(seq 1 "$changes"); do
  w=$(( (i % 2) * 100 ))
  write_manifests $w
  "$M" apply --state-dir "$state" -f "$dir/manifests" >/dev/null
  s=$(date +%s.%N)
  for _ in $(seq 1 2000); do
    done_=$(curl -s --unix-socket "$state/operator.sock" "http://x/v1/objects?kind=TrafficSplit&name=front" | python3 -c '
import json,sys
o=json.load(sys.stdin)["items"][0]; st=o.get("status",{})
ok=st.get("observedGeneration")==o["metadata"]["generation"] and st.get("proxies",0)>0 and st.get("proxiesConfigured")==st.get("proxies")
print("yes" if ok else "no")')
    [[ $done_ == yes ]] && break
    sleep 0.005
  done
  e=$(date +%s.%N)
  lat+=("$(python3 -c "print(round(($e-$s)*1000))")")
  sleep 0.5
done
wait $wrk_pid || true
printf '%s\n' "${lat[@]}" | sort -n | python3 -c '
import sys
v=[int(x) for x in sys.stdin.read().split()]
p=lambda q: v[min(len(v)-1, int(round(q/100*(len(v)-1))))]
print(f"weight change -> every proxy confirmed ({len(v)} changes, includes the status write and the 5 ms poll): p50 {p(50)} ms, p99 {p(99)} ms, max {v[-1]} ms")'
echo "gateway load during the changes (wrk -c50):"
grep -E "requests in|Non-2xx|Socket errors" "$dir/wrk.txt" || true
echo "operator RSS at the end: $(grep VmRSS /proc/$pid/status | awk '{print $2/1024 " MiB"}')"
