#!/usr/bin/env bash
# HTTP/2 through mesh-proxy, HAProxy 2.6 and nghttpx, same run: h2load (Debian nghttp2-client) at 50 streams over
# 10 connections (-c10 -m5) against an h2c backend (nginx, `listen ... http2`, prior knowledge), each proxy speaking
# h2c on both sides (mesh-proxy --protocol http2; HAProxy `proto h2` on bind and server; nghttpx proto=h2).
# Usage: bench/proxy/h2.sh [REQUESTS_PER_RUN] [ROUNDS]   (defaults 100000 and 3; loopback only; one worker each)
#   env: MESH=path (default .build/release/mesh-proxy); MESH_BEFORE=path adds a second mesh-proxy build to the same
#        run (rows `before` and `mesh-proxy`), for before/after comparisons.
#        GRPC=1: gRPC-shaped unary calls instead of GETs: h2load POSTs a length-prefixed message with
#        `content-type: application/grpc` and `te: trailers` to /bench.Echo/Unary, the backend (nginx) answers 200
#        `application/grpc` with a `grpc-status: 0` trailer, and mesh-proxy runs `--protocol grpc` (status read from
#        the trailers, counted per gRPC status).
#        GRPCIO=1: the same calls against a real gRPC server instead of nginx: grpcio (Debian python3-grpcio, asyncio,
#        one Python process, bench/proxy/grpc-echo.py) echoing the message. Before and after the rounds a grpcio
#        client makes 20 calls through every target and stops the run unless each ends with grpc-status 0 (h2load
#        counts HTTP 2xx, and a failed gRPC call is HTTP 200 too). The Python server is the bottleneck: compare the
#        proxies' CPU per call, and the backend's (printed too) to see how close it is to a full core.
# Prints one line per target and round: requests/s, p50 and p99 latency (from h2load's per-request log) and, with
# perf installed, the proxy's CPU time per request (task-clock of its process while h2load ran), and the backend's
# CPU time per request (from /proc, 10 ms ticks).
source "$(dirname "$0")/common.sh"
N=${1:-100000}
ROUNDS=${2:-3}
MESH=${MESH:-$ROOT/.build/release/mesh-proxy}
for b in h2load nghttpx haproxy; do command -v $b >/dev/null || { echo "need $b (nghttp2-client, nghttp2-proxy, haproxy)"; exit 1; }; done
[[ -x $MESH ]] || { echo "build first: swift build -c release --product mesh-proxy"; exit 1; }
BACKEND_PORT=${BACKEND_PORT:-18480}
HAPROXY_PORT=$((BACKEND_PORT + 1)); MESH_PORT=$((BACKEND_PORT + 2)); NGHTTPX_PORT=$((BACKEND_PORT + 3))
BEFORE_PORT=$((BACKEND_PORT + 4))
MESH_BEFORE=${MESH_BEFORE:-}

PROTOCOL=http2; H2LOAD_ARGS=(); TARGET_PATH=/; BACKEND_NAME=nginx
GRPC_ECHO=(/usr/bin/python3 "$ROOT/bench/proxy/grpc-echo.py")
declare -A PID_OF
if [[ ${GRPC:-0} == 1 || ${GRPCIO:-0} == 1 ]]; then
  PROTOCOL=grpc; TARGET_PATH=/bench.Echo/Unary
  printf '\0\0\0\0\5hello' > "$DIR/call.bin"
  H2LOAD_ARGS=(-d "$DIR/call.bin" -H 'content-type: application/grpc' -H 'te: trailers')
fi
if [[ ${GRPCIO:-0} == 1 ]]; then
  BACKEND_NAME=grpcio
  /usr/bin/python3 -c 'import grpc' 2>/dev/null || { echo "need /usr/bin/python3 with grpc (python3-grpcio)"; exit 1; }
  "${GRPC_ECHO[@]}" serve $BACKEND_PORT >"$DIR/grpcio.log" 2>&1 & PIDS+=($!); PID_OF[backend]=$!
  for _ in $(seq 1 50); do grep -q ready "$DIR/grpcio.log" && break; sleep 0.1; done
elif [[ ${GRPC:-0} == 1 ]]; then
  start_nginx backend "server { listen 127.0.0.1:$BACKEND_PORT http2; location / { default_type application/grpc; add_trailer grpc-status 0; return 200 \"hello\"; } }"
  PID_OF[backend]=${PIDS[-1]}
else
  start_nginx backend "server { listen 127.0.0.1:$BACKEND_PORT http2; location / { default_type text/plain; return 200 \"ok\n\"; } }"
  PID_OF[backend]=${PIDS[-1]}
fi
cat > "$DIR/haproxy.cfg" <<C
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend fe
  bind 127.0.0.1:$HAPROXY_PORT proto h2
  default_backend be
backend be
  server s1 127.0.0.1:$BACKEND_PORT proto h2
C
haproxy -f "$DIR/haproxy.cfg" >"$DIR/haproxy.log" 2>&1 & PIDS+=($!); PID_OF[haproxy]=$!
nghttpx --frontend="127.0.0.1,$NGHTTPX_PORT;no-tls" --backend="127.0.0.1,$BACKEND_PORT;;proto=h2" --workers=1 \
  --no-via --no-ocsp --errorlog-file="$DIR/nghttpx.err" --pid-file="$DIR/nghttpx.pid" >"$DIR/nghttpx.log" 2>&1 & PIDS+=($!)
"$MESH" --listen 127.0.0.1:$MESH_PORT --to 127.0.0.1:$BACKEND_PORT --protocol $PROTOCOL >"$DIR/mesh.log" 2>&1 & PIDS+=($!)
PID_OF[mesh-proxy]=$!
PORTS="$BACKEND_PORT $HAPROXY_PORT $MESH_PORT $NGHTTPX_PORT"
if [[ -n $MESH_BEFORE ]]; then
  "$MESH_BEFORE" --listen 127.0.0.1:$BEFORE_PORT --to 127.0.0.1:$BACKEND_PORT --protocol $PROTOCOL >"$DIR/before.log" 2>&1 & PIDS+=($!)
  PID_OF[before]=$!; PORTS="$PORTS $BEFORE_PORT"
fi
sleep 1
# nghttpx's worker is the master's child: that is the process that proxies.
PID_OF[nghttpx]=$(pgrep -P "$(cat "$DIR/nghttpx.pid")" | head -1)
# check_calls: every target answers; with GRPCIO=1, grpcio's own client sees grpc-status 0 through each.
check_calls() {
  local port
  for port in $PORTS; do
    if [[ ${GRPCIO:-0} == 1 ]]; then
      "${GRPC_ECHO[@]}" check "$port" || exit 1
    else
      curl -sf --http2-prior-knowledge "http://127.0.0.1:$port/" >/dev/null || { echo "port $port not answering h2c"; exit 1; }
    fi
  done
}
check_calls

# cpu_ticks PID: user + system time of the process so far, in clock ticks
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run NAME PORT: one h2load run; prints rps, p50, p99 (ms) and CPU µs per request of the proxy (perf stat)
run() {
  local log="$DIR/$1.h2load" out perf_pid= pid=${PID_OF[$1]:-}
  if [[ -n $pid ]] && command -v perf >/dev/null; then
    perf stat -x, -e task-clock -p "$pid" -o "$DIR/$1.perf" & perf_pid=$!
    sleep 0.2
  fi
  local backend_before; backend_before=$(cpu_ticks "${PID_OF[backend]}")
  out=$(h2load -n "$N" -c 10 -m 5 "${H2LOAD_ARGS[@]}" --log-file="$log" "http://127.0.0.1:$2$TARGET_PATH" 2>&1)
  local backend_cpu
  backend_cpu=$(awk -v a="$backend_before" -v b="$(cpu_ticks "${PID_OF[backend]}")" -v hz="$(getconf CLK_TCK)" -v n="$N" \
    'BEGIN{printf "backend %.1f us/req", (b - a) * 1e6 / hz / n}')
  local cpu=""
  if [[ -n $perf_pid ]]; then
    kill -INT $perf_pid 2>/dev/null; wait $perf_pid 2>/dev/null
    cpu=$(awk -F, -v n="$N" '/task-clock/{printf "cpu %.1f us/req", $1 * 1000 / n}' "$DIR/$1.perf")
  fi
  local rps failed
  rps=$(awk '/^finished in/{print $(NF-2)}' <<<"$out")
  failed=$(awk '/^requests:/{print $(NF-5)}' <<<"$out")
  # h2load's log: start time, status, request time in microseconds (tab-separated).
  local pct
  pct=$(cut -f3 "$log" | sort -n | awk '{a[NR]=$1} END {printf "p50 %.2f ms p99 %.2f ms", a[int(NR*0.5)]/1000, a[int(NR*0.99)]/1000}')
  printf "%-10s %10s req/s  %s  failed %s  %s  %s\n" "$1" "$rps" "$pct" "$failed" "$cpu" "$backend_cpu"
}
echo "h2load -n $N -c 10 -m 5 (50 streams over 10 connections, $PROTOCOL), h2c backend $BACKEND_NAME; $(nproc) CPUs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
run warmup-mesh $MESH_PORT >/dev/null; run warmup-haproxy $HAPROXY_PORT >/dev/null; run warmup-nghttpx $NGHTTPX_PORT >/dev/null
[[ -n $MESH_BEFORE ]] && run warmup-before $BEFORE_PORT >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  run direct $BACKEND_PORT
  [[ -n $MESH_BEFORE ]] && run before $BEFORE_PORT
  run mesh-proxy $MESH_PORT
  run haproxy $HAPROXY_PORT
  run nghttpx $NGHTTPX_PORT
done
[[ ${GRPCIO:-0} == 1 ]] && check_calls
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
