#!/usr/bin/env bash
# patch-cost.sh - what one configuration change costs a proxy of a large mesh: the proxy runs SERVICES services (2
# endpoints each) and one split, then takes PATCHES changes over one kept connection; prints the proxy's CPU per change
# (its threads' run time, in ns) and the calls' wall time. Idle proxy, no traffic. KIND says which change:
#   splits          a weight change as a splits-only `PATCH /config` (what the operator sends on a rollout step);
#   endpoint-patch  an endpoint of svc-1 added, then removed again (a registration, an expiry) as a `PATCH /config`
#                   of that one service (`services`), what the operator sends since the patch carries services;
#   endpoint-put    the same endpoint change as a `PUT /config` of the whole document (what it sent before).
# GAP_MS=N waits N ms between changes, so each finds the proxy asleep with cold caches, as the operator's pushes do
# (a change every few seconds at most); 0 (the default) sends them back to back, warm.
# PERF=1 also records `perf record -g` of the proxy over the changes into /tmp/proxy-patch.perf (PERF_OUT overrides).
# Usage: bench/proxy/patch-cost.sh   env: SERVICES=100 PATCHES=300 KIND=splits GAP_MS=0 PERF=0 BIN=…/meshctl
source "$(dirname "$0")/common.sh"
SERVICES=${SERVICES:-100}; PATCHES=${PATCHES:-300}; KIND=${KIND:-splits}; GAP_MS=${GAP_MS:-0}
python3 - "$SERVICES" > "$DIR/v0.json" <<'PY'
import json, sys
n = int(sys.argv[1])
services = [{"name": f"svc-{i}", "endpoints": [f"127.0.0.1:{20000 + 2*i}", f"127.0.0.1:{20001 + 2*i}"]} for i in range(n)]
services += [{"name": "svc-0-v1", "endpoints": ["127.0.0.1:19997"]}, {"name": "svc-0-v2", "endpoints": ["127.0.0.1:19998"]}]
split = {"name": "svc-0", "rootService": "svc-0", "backends": [{"service": "svc-0-v1", "weight": 100}, {"service": "svc-0-v2", "weight": 0}]}
print(json.dumps({"version": "v0", "listeners": [{"name": "out", "kind": "outbound", "address": "127.0.0.1:0"}],
                  "services": services, "splits": [split]}))
PY
# The admin API refuses a change without the proxy's secret: give it one, as the operator does.
(umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DIR/admin.token")
PROXY_ARGS=(--admin-token-file "$DIR/admin.token")
start_mesh "$DIR/v0.json"
# The proxy's CPU in nanoseconds: the sum of its threads' run time (/proc/PID/task/*/schedstat). Clock ticks
# (/proc/PID/stat) are 10 ms each: at ~0.2 ms a change, 300 changes were 6 ticks, too coarse to tell two builds
# apart (session 19). Threads that ended are not counted; the proxy's event loop threads live as long as it does.
cpu_ns() { cat /proc/$MESH_PID/task/*/schedstat 2>/dev/null | awk '{ t += $1 } END { printf "%d", t }'; }
if [[ ${PERF:-0} == 1 ]]; then
  perf record -F 4999 -g -p $MESH_PID -o "${PERF_OUT:-/tmp/proxy-patch.perf}" >/dev/null 2>&1 & PERF_PID=$!; PIDS+=($PERF_PID); sleep 0.5
fi
before=$(cpu_ns)
wall=$(python3 - "$ADMIN_PORT" "$PATCHES" "$DIR/admin.token" "$KIND" "$DIR/v0.json" "$GAP_MS" <<'PY'
import copy, http.client, json, sys, time
port, count, kind, gap = int(sys.argv[1]), int(sys.argv[2]), sys.argv[4], int(sys.argv[6]) / 1000
token = open(sys.argv[3]).read().strip()
whole = json.load(open(sys.argv[5]))
svc1 = next(s for s in whole["services"] if s["name"] == "svc-1")
conn = http.client.HTTPConnection("127.0.0.1", port)
base = "v0"
start = call_start = time.perf_counter()
elapsed = 0.0
for i in range(1, count + 1):
    method = "PATCH"
    if kind == "splits":
        w = (i * 37) % 101
        body = {"base": base, "version": f"v{i}", "splits": [{"name": "svc-0", "rootService": "svc-0",
            "backends": [{"service": "svc-0-v1", "weight": 100 - w}, {"service": "svc-0-v2", "weight": w}]}]}
    else:
        # Odd calls register 127.0.0.1:19999 into svc-1, even ones let it expire.
        service = copy.deepcopy(svc1)
        if i % 2: service["endpoints"].append("127.0.0.1:19999")
        if kind == "endpoint-patch":
            body = {"base": base, "version": f"v{i}", "services": [service]}
        else:
            method = "PUT"
            body = dict(whole, version=f"v{i}",
                        services=[service if s["name"] == "svc-1" else s for s in whole["services"]])
    conn.request(method, "/config", body=json.dumps(body), headers={"content-type": "application/json",
                                                                    "authorization": "Bearer " + token})
    reply = conn.getresponse(); reply.read()
    if reply.status != 200: sys.exit(f"{method} {i}: HTTP {reply.status}")
    base = f"v{i}"
    if gap:
        elapsed += time.perf_counter() - call_start
        time.sleep(gap)
        call_start = time.perf_counter()
print(f"{((elapsed if gap else time.perf_counter() - start)) / count * 1000:.3f}")
PY
) || exit 1
after=$(cpu_ns)
[[ -n ${PERF_PID:-} ]] && { kill -INT $PERF_PID; wait $PERF_PID; }
awk -v t=$((after - before)) -v n="$PATCHES" -v w="$wall" -v s="$SERVICES" -v k="$KIND" -v g="$GAP_MS" \
  'BEGIN { printf "services %d, %d changes (%s, %d ms apart): proxy CPU %.3f ms per change, wall %.3f ms per call\n", s, n, k, g, t / 1e6 / n, w }'
