# Shared helpers for the bench/proxy scripts: an nginx backend, HAProxy as the reference, meshctl in config mode,
# cleanup of what we start.
# Loopback only; every process started here is killed by PID on exit.
set -u -o pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${BIN:-$ROOT/.build/release/meshctl}
for b in nginx wrk curl; do command -v $b >/dev/null || { echo "need $b (run /work/shared/bench/peers.sh once to install)"; exit 1; }; done
DIR=$(mktemp -d /tmp/mesh-bench.XXXXXX); chmod 755 "$DIR"; mkdir -p "$DIR/tmp"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; sleep 0.3; for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; true; }
trap cleanup EXIT
NGX_USER="user nobody nogroup;"; id www-data >/dev/null 2>&1 && NGX_USER="user www-data www-data;"

# start_nginx NAME "server-blocks..."
start_nginx() {
  cat > "$DIR/$1.conf" <<C
$NGX_USER
worker_processes 1; daemon off; master_process off; pid $DIR/$1.pid; error_log $DIR/$1.err warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 10000000; keepalive_timeout 75s;
  client_body_temp_path $DIR/tmp/b; proxy_temp_path $DIR/tmp/p; fastcgi_temp_path $DIR/tmp/f; uwsgi_temp_path $DIR/tmp/u; scgi_temp_path $DIR/tmp/s;
  $2
}
C
  nginx -c "$DIR/$1.conf" >"$DIR/$1.log" 2>&1 & PIDS+=($!)
}

# start_ok_backend PORT: nginx, one worker, answering `ok` (the peers.sh backend)
start_ok_backend() {
  start_nginx backend "server { listen 127.0.0.1:$1; location / { default_type text/plain; return 200 \"ok\n\"; } }"
}

# start_haproxy PORT BACKEND_PORT -> sets HAPROXY_PID (the peers.sh configuration: nbthread 1, http-reuse always)
start_haproxy() {
  cat > "$DIR/haproxy.cfg" <<C
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend fe
  bind 127.0.0.1:$1
  default_backend be
backend be
  server s1 127.0.0.1:$2
C
  haproxy -f "$DIR/haproxy.cfg" >"$DIR/haproxy.log" 2>&1 & PIDS+=($!); HAPROXY_PID=$!
}

# start_quick_comparison BINARY: the ok backend on $BACKEND_PORT, HAProxy on +1 and BINARY in quick mode on +2
# (`meshctl` gets its `proxy` subcommand, `mesh-proxy` takes the flags directly); sets HAPROXY_PORT, HAPROXY_PID,
# MESH_PORT, MESH_PID, and exits unless all three answer.
start_quick_comparison() {
  command -v haproxy >/dev/null || { echo "need haproxy (peers.sh installs it)"; exit 1; }
  [[ -x $1 ]] || { echo "build first: swift build -c release --product $(basename "$1")"; exit 1; }
  HAPROXY_PORT=$((BACKEND_PORT + 1)); MESH_PORT=$((BACKEND_PORT + 2))
  start_ok_backend $BACKEND_PORT
  start_haproxy $HAPROXY_PORT $BACKEND_PORT
  local subcommand=(proxy); [[ $(basename "$1") == mesh-proxy ]] && subcommand=()
  "$1" "${subcommand[@]}" --listen 127.0.0.1:$MESH_PORT --to 127.0.0.1:$BACKEND_PORT >"$DIR/mesh.log" 2>&1 & PIDS+=($!)
  MESH_PID=$!
  sleep 1
  for port in $BACKEND_PORT $HAPROXY_PORT $MESH_PORT; do
    curl -sf "http://127.0.0.1:$port/" >/dev/null || { echo "port $port not answering"; exit 1; }
  done
}

# start_mesh CONFIG_JSON_FILE -> sets MESH_PORT (first listener) and ADMIN_PORT; PROXY_ARGS (an array) adds options
start_mesh() {
  [[ -x $BIN ]] || (cd "$ROOT" && swift build -c release --product meshctl >/dev/null)
  # BIN may be the lean mesh-proxy (the same proxy, the flags without the `proxy` subcommand).
  local subcommand=(proxy); [[ $(basename "$BIN") == mesh-proxy ]] && subcommand=()
  "$BIN" "${subcommand[@]}" --config "$1" --admin 127.0.0.1:0 ${PROXY_ARGS[@]+"${PROXY_ARGS[@]}"} >"$DIR/mesh.out" 2>"$DIR/mesh.err" & PIDS+=($!); MESH_PID=$!
  for _ in $(seq 1 50); do grep -q '^admin ' "$DIR/mesh.out" 2>/dev/null && break; sleep 0.1; done
  MESH_PORT=$(awk '/^listening/{split($3,a,":"); print a[2]; exit}' "$DIR/mesh.out")
  ADMIN_PORT=$(awk '/^admin/{split($2,a,":"); print a[2]}' "$DIR/mesh.out")
  [[ -n $MESH_PORT && -n $ADMIN_PORT ]] || { cat "$DIR/mesh.err"; echo "meshctl did not start"; exit 1; }
}

# wrk_slice NAME URL PIDS: a 1 s wrk warm-up (which also fills pooled upstream connections), then $DURATION s of wrk
# at $CONNS connections while `perf stat` counts task-clock and instructions over PIDS (comma-separated: every
# process of the path). Sets SLICE_RPS, SLICE_CPU_US (CPU µs per request over PIDS), SLICE_INS (instructions per
# request; 0 where the VM exposes no PMU) and SLICE_CPU_PCT (share of one core); prints wrk's errors, if any.
# The one copy of the measuring loop of ab.sh, cost.sh and bench/identity/mtls-hop.sh.
wrk_slice() {
  local name=$1 url=$2 pids=$3
  wrk -t1 -c"$CONNS" -d1s "$url" >/dev/null
  perf stat -x, -e task-clock,instructions -p "$pids" -o "$DIR/$name.perf" -- sleep "$DURATION" &
  local perf_pid=$!
  local out; out=$(wrk -t1 -c"$CONNS" -d"${DURATION}s" "$url")
  wait $perf_pid
  local reqs ms ins errs
  reqs=$(awk '/requests in/{print $1}' <<<"$out")
  SLICE_RPS=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  ms=$(awk -F, '/task-clock/{print $1}' "$DIR/$name.perf"); ins=$(awk -F, '/instructions/{print $1+0}' "$DIR/$name.perf")
  SLICE_CPU_US=$(awk -v ms="$ms" -v r="$reqs" 'BEGIN{printf "%.2f", 1000*ms/r}')
  SLICE_INS=$(awk -v i="${ins:-0}" -v r="$reqs" 'BEGIN{printf "%.0f", i/r}')
  SLICE_CPU_PCT=$(awk -v ms="$ms" -v d="$DURATION" 'BEGIN{printf "%.0f", 100*ms/1000/d}')
  errs=$(awk '/Non-2xx|Socket errors/{print}' <<<"$out")
  [[ -n $errs ]] && echo "  $name: $errs"
  true
}

# interleaved_rounds FUNCTION NAME...: $ROUNDS rounds of `FUNCTION NAME` over every name, the order rotated each round
# so no target always runs first (or last, on a machine that heats up or gets busier).
interleaved_rounds() {
  local fn=$1; shift
  local names=("$@") n=$# r k
  for r in $(seq 1 "$ROUNDS"); do
    for k in $(seq 0 $((n - 1))); do "$fn" "${names[$(( (k + r) % n ))]}"; done
  done
}

# median: the median of the numbers on stdin, one a line.
median() { sort -n | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# drop_page_cache FILE...: write back and drop FILE's pages from the page cache (pages another process maps stay).
# An executable's resident size depends on how its file came into the cache: Linux 6.18 maps a whole large folio on
# a read fault, and a file read sequentially (cat, cp's source) sits in large folios, so the same binary idles at
# 14.5 MB started cold and at 18.2 MB after a `cat` (docs/performance.md, "idle RSS and the page cache"). Dropped
# before each start, every binary compared starts from the same state: cold, as a binary just installed.
drop_page_cache() {
  python3 - "$@" <<'PY'
import os, sys
for path in sys.argv[1:]:
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
PY
}
