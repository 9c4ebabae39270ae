#!/usr/bin/env bash
# endpoint-churn.sh - a proxy whose endpoints keep changing, as a gateway's do while replicas are replaced (a new
# revision listens on new ports): CHANGES `PUT /config`, each naming the one replica of `web` by another of KEYS
# addresses (nginx on 127.0.0.2 and up, two ports each), one request through the proxy after each. Prints per binary the
# RSS and the /metrics size at the start, then after each quarter. Config mode, one thread, admin with a token.
# Loopback only; kills only what it starts.
# LISTENERS=1: every other change also adds, and the next removes, a listener `extra` (a new socket on port 0), as a
# gateway binds and closes a Service's listener when it is applied and deleted.
# Usage: bench/proxy/endpoint-churn.sh NAME=BINARY [NAME=BINARY...]
#   env: CHANGES=1000 KEYS=200 LISTENERS=0 BACKEND_PORT=18580   (BINARY: mesh-proxy, or meshctl: its `proxy` subcommand)
set -u -o pipefail
CHANGES=${CHANGES:-1000}; KEYS=${KEYS:-200}; LISTENERS=${LISTENERS:-0}; BACKEND_PORT=${BACKEND_PORT:-18580}
(( $# >= 1 )) || { sed -n 2,8p "$0"; exit 1; }
source "$(dirname "$0")/common.sh"
# Address j (of KEYS / 2) is 127.0.(j / 250).(2 + j % 250), each on two ports.
listens=$(for j in $(seq 0 $(( (KEYS + 1) / 2 - 1 ))); do
  for p in $BACKEND_PORT $((BACKEND_PORT + 1)); do printf 'listen 127.0.%d.%d:%d; ' $((j / 250)) $((2 + j % 250)) $p; done
done)
start_nginx backend "server { $listens location / { default_type text/plain; return 200 \"ok\n\"; } }"
(umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DIR/admin.token")
echo "# $(date -u +%FT%TZ) changes=$CHANGES keys=$KEYS listeners=$LISTENERS load: $(cut -d' ' -f1-3 /proc/loadavg)"
for spec in "$@"; do
  name=${spec%%=*}; bin=${spec#*=}
  subcommand=(); [[ $(basename "$bin") == meshctl ]] && subcommand=(proxy)
  cat > "$DIR/$name.json" <<J
{"version": "v0", "listeners": [{"name": "out", "kind": "outbound", "address": "127.0.0.1:0"}],
 "services": [{"name": "web", "endpoints": ["127.0.0.2:$BACKEND_PORT"]}]}
J
  "$bin" "${subcommand[@]}" --config "$DIR/$name.json" --admin 127.0.0.1:0 --admin-token-file "$DIR/admin.token" \
    >"$DIR/$name.out" 2>"$DIR/$name.err" & PIDS+=($!); pid=$!
  for _ in $(seq 1 50); do grep -q '^admin ' "$DIR/$name.out" 2>/dev/null && break; sleep 0.1; done
  port=$(awk '/^listening/{split($3,a,":"); print a[2]; exit}' "$DIR/$name.out")
  admin=$(awk '/^admin/{split($2,a,":"); print a[2]}' "$DIR/$name.out")
  [[ -n $port && -n $admin ]] || { cat "$DIR/$name.err"; echo "$name did not start"; exit 1; }
  python3 - "$port" "$admin" "$DIR/admin.token" "$CHANGES" "$KEYS" "$BACKEND_PORT" "$pid" "$name" "$LISTENERS" <<'PY' || exit 1
import http.client, json, sys
port, admin, token, changes, keys, backend, pid, name = sys.argv[1], int(sys.argv[2]), open(sys.argv[3]).read().strip(), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7], sys.argv[8]
churn_listeners = sys.argv[9] == "1"
def rss():
    return next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS"))
control = http.client.HTTPConnection("127.0.0.1", admin)
def metrics_size():
    control.request("GET", "/metrics"); body = control.getresponse().read()
    return len(body), body.count(b"\n")
def report(done):
    size, lines = metrics_size()
    print(f"{name}: after {done:5d} changes  RSS {rss():6d} kB  /metrics {size:7d} bytes, {lines:5d} lines", flush=True)
report(0)
for i in range(1, changes + 1):
    k = i % keys
    j = k // 2
    address = f"127.0.{j // 250}.{2 + j % 250}:{backend + k % 2}"
    listeners = [{"name": "out", "kind": "outbound", "address": "127.0.0.1:0"}]
    if churn_listeners and i % 2:
        listeners.append({"name": "extra", "kind": "outbound", "address": "127.0.0.1:0", "service": "web"})
    config = {"version": f"v{i}", "listeners": listeners, "services": [{"name": "web", "endpoints": [address]}]}
    control.request("PUT", "/config", body=json.dumps(config),
                    headers={"content-type": "application/json", "authorization": "Bearer " + token})
    reply = control.getresponse(); reply.read()
    if reply.status != 200: sys.exit(f"PUT {i}: HTTP {reply.status}")
    client = http.client.HTTPConnection("127.0.0.1", int(port)); client.request("GET", "/", headers={"host": "web"})
    answer = client.getresponse(); answer.read(); client.close()
    if answer.status != 200: sys.exit(f"request {i}: HTTP {answer.status}")
    if i % (changes // 4) == 0: report(i)
PY
  kill "$pid"; wait "$pid" 2>/dev/null
done
