#!/usr/bin/env bash
# h2-idle.sh - memory of idle HTTP/2 client connections: N h2c (prior knowledge) clients, each opening a connection
# through mesh-proxy (config mode, one thread, an `http` service: the listener finds the preface), making one GET on
# it and then staying silent; the proxy's RSS before and with the N connections open, and the difference per
# connection. The endpoint is a python3 HTTP/1.1 server. Loopback only; kills only what it starts (by PID); the
# client script gives up after 120 s. Raises its own open-files limit to at least N+50.
#
# Usage: bench/proxy/h2-idle.sh [N]     (default 1000)
#   env: PROXY=.build/release/mesh-proxy
set -u -o pipefail
N=${1:-1000}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PROXY=${PROXY:-$ROOT/.build/release/mesh-proxy}
PY=/usr/bin/python3
NEED=$((N + 50)); HARD=$(ulimit -Hn)
[[ $HARD == unlimited ]] || (( HARD >= NEED )) || { echo "the open-files hard limit ($HARD) is below N+50 = $NEED: lower N"; exit 1; }
ulimit -n "$HARD" 2>/dev/null || ulimit -n "$NEED" || exit 1
DIR=$(mktemp -d /tmp/h2-idle.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; sleep 0.3; for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$DIR"; }
trap cleanup EXIT
source "$(dirname "$0")/idle-common.sh"
cat > "$DIR/server.py" <<'P'
import http.server
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "3"); self.end_headers(); self.wfile.write(b"ok\n")
    def log_message(self, *args): pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("port", server.server_address[1], flush=True)
server.serve_forever()
P
cat > "$DIR/clients.py" <<'P'
# N h2c connections through the proxy, one GET each, then silence until stdin closes.
import asyncio, sys, time, h2.connection, h2.config, h2.events
port, n = int(sys.argv[1]), int(sys.argv[2])
async def one(keep):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    c.initiate_connection()
    c.send_headers(1, [(":method", "GET"), (":path", "/idle"), (":scheme", "http"), (":authority", "web")], end_stream=True)
    writer.write(c.data_to_send())
    ended = False
    while not ended:
        data = await reader.read(65536)
        if not data: raise RuntimeError("closed")
        for event in c.receive_data(data):
            if isinstance(event, h2.events.StreamEnded): ended = True
        writer.write(c.data_to_send())
    keep.append((reader, writer))
async def main():
    keep = []
    for start in range(0, n, 100):
        await asyncio.wait_for(asyncio.gather(*(one(keep) for _ in range(start, min(n, start + 100)))), 60)
    print("open", len(keep), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
asyncio.run(asyncio.wait_for(main(), 120))
P
$PY "$DIR/server.py" >"$DIR/server.out" 2>&1 & PIDS+=($!)
wait_line "$DIR/server.out" port
BACKEND=$(awk '/^port/ {print $2}' "$DIR/server.out")
cat > "$DIR/proxy.json" <<J
{"version": "h2-idle",
 "limits": {"maxConnections": $((N + 100)), "idleTimeout": "10m"},
 "listeners": [{"name": "in", "kind": "inbound", "address": "127.0.0.1:0", "service": "web"}],
 "services": [{"name": "web", "endpoints": ["127.0.0.1:$BACKEND"]}]}
J
"$PROXY" --config "$DIR/proxy.json" --threads 1 >"$DIR/proxy.out" 2>&1 & PROXY_PID=$!; PIDS+=($PROXY_PID)
wait_line "$DIR/proxy.out" listening
PORT=$(awk '/^listening/ {print $3}' "$DIR/proxy.out" | cut -d: -f2)
measure_idle $PROXY_PID "$PORT" "$N" "h2 connections (one GET each)" "$DIR/clients.py"
