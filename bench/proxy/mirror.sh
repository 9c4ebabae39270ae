#!/usr/bin/env bash
# mirror.sh - the primary's latency with a 100 % RequestMirror against none, at CONNS connections: two mesh-proxy
# processes in config mode with the same HTTPRoute-compiled rule, one of them copying every request to a second
# nginx ("shadow"), measured in ROUNDS interleaved wrk slices; prints the median p50/p99/rps of each and the ratio.
# Loopback only; kills only what it starts.
#
# Closed loop (wrk, the default) saturates the one-thread proxy, where a mirror doubles the upstream work per request;
# RPS=N offers a fixed N requests/s per connection instead (h2load --h1 --rps, p50/p99 from its per-request log),
# which shows whether the primary waits for its copies below saturation.
#
# BIN_B=OTHER_BINARY runs a second build's plain and mirror proxies in the same interleaved rounds (before/after under
# the same load), reported as plainB / mirrorB.
# PEER=nginx adds nginx as the proxy in the same rounds, without and with its own `mirror` directive to the same shadow
# (one worker, kept-alive upstreams), reported as ngxplain / ngxmirror: what a 100 % mirror costs a peer on this box.
#
# The shadow is a Service of its own, as a user's mirror is (a new version, a test deployment): by default its own
# one-worker nginx process (SHADOW=own). Until session 16 one nginx worker served both, so a 100 % mirror doubled the
# primary's own backend's work and the primary's p99 measured that backend's queue, not the proxy; SHADOW=shared keeps
# that shape for comparison. Both still share the machine's 2 cores with the proxy and the load generator.
# For each mirror proxy the script prints the copies by outcome (sent, shed, failed) and the CPU its mirror thread
# (every thread but the proxy's main-thread loop) used per copy over the whole run, and for every proxy the CPU of its
# main-thread loop (where the primary's exchanges run), from /proc/PID/task/*/stat.
#
# Usage: bench/proxy/mirror.sh [MESH_PROXY_BINARY]
#   env: CONNS=50 ROUNDS=8 DURATION=3 RPS= BACKEND_PORT=18580 BIN_B= SHADOW=own|shared PEER=nginx
BIN=${1:-$(cd "$(dirname "$0")/../.." && pwd)/.build/release/mesh-proxy}
NAMES=(plain mirror); [[ -n ${BIN_B:-} ]] && NAMES+=(plainB mirrorB); [[ ${PEER:-} == nginx ]] && NAMES+=(ngxplain ngxmirror)
CONNS=${CONNS:-50}; ROUNDS=${ROUNDS:-8}; DURATION=${DURATION:-3}; RPS=${RPS:-}
BACKEND_PORT=${BACKEND_PORT:-18580}
source "$(dirname "$0")/common.sh"
[[ -x $BIN ]] || { echo "build first: swift build -c release --product mesh-proxy"; exit 1; }
SHADOW_PORT=$((BACKEND_PORT + 1)); SHADOW=${SHADOW:-own}
PRIMARY_SERVER="server { listen 127.0.0.1:$BACKEND_PORT; location / { default_type text/plain; return 200 \"ok\n\"; } }"
SHADOW_SERVER="server { listen 127.0.0.1:$SHADOW_PORT; location / { default_type text/plain; return 200 \"shadow\n\"; } }"
case $SHADOW in
  own) start_nginx backend "$PRIMARY_SERVER"; start_nginx shadow "$SHADOW_SERVER" ;;
  shared) start_nginx backends "$PRIMARY_SERVER $SHADOW_SERVER" ;;
  *) echo "SHADOW=own or SHADOW=shared"; exit 1 ;;
esac
config() { # NAME MIRROR_JSON
  cat > "$DIR/$1.json" <<J
{"version": "bench-$1",
 "listeners": [{"name": "out", "kind": "outbound", "address": "127.0.0.1:0", "service": "web"}],
 "services": [{"name": "web", "endpoints": []}, {"name": "v1", "endpoints": ["127.0.0.1:$BACKEND_PORT"]},
              {"name": "shadow", "endpoints": ["127.0.0.1:$SHADOW_PORT"]}],
 "splits": [{"name": "httproute/web", "rootService": "web", "backends": [{"service": "v1", "weight": 1}], "matches": [],
             "rules": [{"name": "all", "backends": [{"service": "v1", "weight": 1}]$2}]}]}
J
}
config plain ""
config mirror ', "mirror": {"service": "shadow", "percentage": 100}'
cp "$DIR/plain.json" "$DIR/plainB.json"; cp "$DIR/mirror.json" "$DIR/mirrorB.json"
declare -A PORT PID
# ngx_proxy PORT MIRROR_DIRECTIVE: nginx proxying to the primary backend, as the bench's proxies do
ngx_proxy() {
  echo "upstream primary { server 127.0.0.1:$BACKEND_PORT; keepalive 64; }
    upstream shadow { server 127.0.0.1:$SHADOW_PORT; keepalive 64; }
    server { listen 127.0.0.1:$1;
      location / { $2 proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_pass http://primary; }
      location = /_mirror { internal; proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_pass http://shadow\$request_uri; } }"
}
for name in "${NAMES[@]}"; do
  if [[ $name == ngx* ]]; then
    port=$((BACKEND_PORT + 2)) directive=""; [[ $name == ngxmirror ]] && port=$((BACKEND_PORT + 3)) directive="mirror /_mirror;"
    start_nginx "$name" "$(ngx_proxy "$port" "$directive")"; PID[$name]=$!; PORT[$name]=$port
    for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
    continue
  fi
  binary=$BIN; [[ $name == *B ]] && binary=$BIN_B
  "$binary" --config "$DIR/$name.json" --threads 1 --admin 127.0.0.1:0 >"$DIR/$name.out" 2>"$DIR/$name.err" & PIDS+=($!); PID[$name]=$!
  for _ in $(seq 1 50); do grep -q '^listening' "$DIR/$name.out" 2>/dev/null && break; sleep 0.1; done
  PORT[$name]=$(awk '/^listening/{split($3,a,":"); print a[2]; exit}' "$DIR/$name.out")
  curl -sf "http://127.0.0.1:${PORT[$name]}/" >/dev/null || { cat "$DIR/$name.err"; echo "$name not answering"; exit 1; }
done
echo "# $(date -u +%FT%TZ) shadow=$SHADOW conns=$CONNS rounds=$ROUNDS duration=${DURATION}s load: $(cut -d' ' -f1-3 /proc/loadavg)"
for name in "${NAMES[@]}"; do wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:${PORT[$name]}/" >/dev/null; done  # warm-up
for r in $(seq 1 "$ROUNDS"); do
  for name in "${NAMES[@]}"; do
    if [[ -n $RPS ]]; then
      rm -f "$DIR/h2.log"; h2load --h1 -c"$CONNS" --rps "$RPS" -D "$DURATION" --log-file "$DIR/h2.log" "http://127.0.0.1:${PORT[$name]}/" >/dev/null
      echo "$name $(/usr/bin/python3 -c '
import sys
t = sorted(int(l.split()[2]) for l in open(sys.argv[1]) if l.split()[1] == "200")
print(f"{t[len(t) // 2]}us {t[int(len(t) * 0.99)]}us {len(t) / float(sys.argv[2]):.0f}")' "$DIR/h2.log" "$DURATION")"
    else
      out=$(wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "http://127.0.0.1:${PORT[$name]}/")
      echo "$name $(awk '/^ +50%/{print $2}' <<<"$out") $(awk '/^ +99%/{print $2}' <<<"$out") $(awk '/^Requests\/sec/{print $2}' <<<"$out")"
    fi
  done
done > "$DIR/slices"
for name in "${NAMES[@]}"; do  # the proxy's own loop (main thread) CPU: the same offered load through every proxy
  echo "$name main-thread $(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f s", ($14 + $15) / hz}' "/proc/${PID[$name]}/task/${PID[$name]}/stat")"
done
for name in "${NAMES[@]}"; do  # what became of the copies (sent, shed: no room, failed) and the mirror thread's CPU
  [[ $name == mirror* ]] || continue
  admin=$(awk '/^admin/{print $2; exit}' "$DIR/$name.out")
  copies=$(curl -s "http://$admin/metrics" | sed -n 's/^mesh_mirror_requests_total{.*outcome="\([a-z]*\)"} \([0-9]*\)$/\1 \2/p' | tr '\n' ' ')
  pid=${PID[$name]}
  ticks=$(for t in /proc/$pid/task/*; do [[ ${t##*/} == "$pid" ]] || awk '{print $14 + $15}' "$t/stat"; done | awk '{s += $1} END{print s + 0}')
  echo "$name copies: $copies mirror-thread $(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v c="$copies" 'BEGIN{
    n = split(c, f, " "); for (i = 1; i < n; i += 2) { got[f[i]] = f[i + 1]; all += f[i + 1] }
    printf "%.2f s, %.1f us per copy sent; shed %.2f %%", t / hz, got["sent"] ? 1e6 * t / hz / got["sent"] : 0, all ? 100 * got["shed"] / all : 0}')"
done
/usr/bin/python3 - "$DIR/slices" <<'P'
import collections, statistics, sys
def micros(text):
    for unit, scale in (("us", 1), ("ms", 1000), ("s", 1e6)):
        if text.endswith(unit): return float(text[: -len(unit)]) * scale
    raise ValueError(text)
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, p50, p99, rps = line.split()
    rows[name].append((micros(p50), micros(p99), float(rps)))
median = {n: [statistics.median(r[i] for r in rows[n]) for i in range(3)] for n in rows}
for n in [n for n in ("plain", "mirror", "plainB", "mirrorB", "ngxplain", "ngxmirror") if n in median]:
    p50, p99, rps = median[n]
    print(f"{n:7s} median p50 {p50:.0f} us  p99 {p99:.0f} us  {rps:.0f} req/s  ({len(rows[n])} slices)")
for prefix, suffix in [(p, s) for p, s in (("", ""), ("", "B"), ("ngx", "")) if p + "mirror" + s in median]:
    m, p = median[prefix + "mirror" + suffix], median[prefix + "plain" + suffix]
    print(f"{prefix}mirror{suffix}/{prefix}plain{suffix} p50 {m[0] / p[0]:.3f}  p99 {m[1] / p[1]:.3f}  rps {m[2] / p[2]:.3f}")
P
