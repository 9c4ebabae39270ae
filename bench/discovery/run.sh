#!/usr/bin/env bash
# Self-registration and TTL expiry reaching every proxy, and the DNS interface's queries/s (docs/performance.md).
# Usage: bench/discovery/run.sh [SERVICES (default 10, x 2 replicas)] [REGISTRATIONS (default 100)]
# BIN=path/to/meshctl skips the release build; DNS=0 skips the DNS figures; MEASURE=poll times the proxies by polling
# them every 2 ms instead of reading when each applied the change (registration.py says what each measures).
source "$(dirname "$0")/../reconcile/common.sh"
services=${1:-10}
count=${2:-100}
CALLS_ALSO=ext $MESH manifests "$dir/manifests" "$services" 50  # with UPSTREAMS=K, the callers of front call ext too
cat >"$dir/manifests/ext.yaml" <<YAML
apiVersion: mesh.meshctl.dev/v1alpha1
kind: Service
metadata: {name: ext}
spec:
  port: $(( $(python3 -c 'import os;print(os.environ.get("MESH_BENCH_PORT_BASE","31000"))') + services + 1 ))
  registration: {allowed: true}
YAML
"$M" up --state-dir "$state" --gateway-port "$gateway" --dns 127.0.0.1:0 >/dev/null
"$M" apply --state-dir "$state" -f "$dir/manifests" >/dev/null
$MESH wait-ready "$state" 180 >/dev/null
/usr/bin/python3 "$(dirname "$0")/registration.py" "$state" "$count"
if [[ ${DNS:-1} != 0 && -x "$(dirname "$0")/dns.sh" ]]; then "$(dirname "$0")/dns.sh" "$state"; fi
