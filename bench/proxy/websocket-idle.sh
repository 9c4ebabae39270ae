#!/usr/bin/env bash
# websocket-idle.sh - memory of idle WebSocket tunnels: a python3-websockets echo server behind mesh-proxy (config
# mode, one thread, limits raised so N tunnels fit), N clients that complete the WebSocket handshake through the
# proxy and then stay silent; the proxy's RSS before and with the N tunnels open, and the difference per tunnel.
# Loopback only; kills only what it starts (by PID). Raises its own open-files limit (each tunnel is two sockets
# in the proxy) up to the hard limit, which must be at least 2N+50 (this session's containers: 20000, so N ≤ 9975).
#
# Usage: bench/proxy/websocket-idle.sh [N]     (default 10000)
#   env: PROXY=.build/release/mesh-proxy
set -u -o pipefail
N=${1:-10000}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PROXY=${PROXY:-$ROOT/.build/release/mesh-proxy}
PY=/usr/bin/python3
NEED=$((2 * N + 50)); HARD=$(ulimit -Hn)
[[ $HARD == unlimited ]] || (( HARD >= NEED )) || { echo "the open-files hard limit ($HARD) is below 2N+50 = $NEED: lower N"; exit 1; }
ulimit -n "$HARD" 2>/dev/null || ulimit -n "$NEED" || exit 1
DIR=$(mktemp -d /tmp/ws-idle.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; sleep 0.3; for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$DIR"; }
trap cleanup EXIT
source "$(dirname "$0")/idle-common.sh"
cat > "$DIR/server.py" <<'P'
import asyncio, websockets
async def echo(ws, path=None):
    async for message in ws:
        await ws.send(message)
async def main():
    async with websockets.serve(echo, "127.0.0.1", 0, ping_interval=None, compression=None, max_queue=1) as server:
        print("port", server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()
asyncio.run(main())
P
cat > "$DIR/clients.py" <<'P'
# N raw WebSocket handshakes through the proxy, then silence until stdin closes.
import asyncio, base64, os, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
async def one(i, keep):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(("GET /idle HTTP/1.1\r\nHost: echo\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n\r\n" % key).encode())
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head[:40]
    keep.append(writer)
async def main():
    keep = []
    for start in range(0, n, 200):
        await asyncio.gather(*(one(i, keep) for i in range(start, min(n, start + 200))))
    print("open", len(keep), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
asyncio.run(main())
P
$PY "$DIR/server.py" >"$DIR/server.out" 2>&1 & PIDS+=($!)
wait_line "$DIR/server.out" port
BACKEND=$(awk '/^port/ {print $2}' "$DIR/server.out")
cat > "$DIR/proxy.json" <<J
{"version": "ws-idle",
 "limits": {"maxConnections": $((N + 100))},
 "listeners": [{"name": "in", "kind": "inbound", "address": "127.0.0.1:0", "service": "echo"}],
 "services": [{"name": "echo", "endpoints": ["127.0.0.1:$BACKEND"],
               "connectionLimits": {"maxConnections": $((N + 100)), "maxIdleConnections": 0}}]}
J
"$PROXY" --config "$DIR/proxy.json" --threads 1 >"$DIR/proxy.out" 2>&1 & PROXY_PID=$!; PIDS+=($PROXY_PID)
wait_line "$DIR/proxy.out" listening
PORT=$(awk '/^listening/ {print $3}' "$DIR/proxy.out" | cut -d: -f2)
measure_idle $PROXY_PID "$PORT" "$N" "tunnels" "$DIR/clients.py"
