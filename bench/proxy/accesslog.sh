#!/usr/bin/env bash
# accesslog.sh - what the access log and the metrics cost: three meshctl quick-mode proxies side by side in the
# same run, in front of the same nginx backend (one worker thread each, loopback only), driven by the same wrk load
# in rotating order: `base` (metrics on, no access log: the default), `log` (`--access-log`), `nometrics`
# (`--no-metrics`). Prints requests/s, CPU per request (perf stat, when available) and the ratios
# log/base and base/nometrics. Kills only what it starts.
#
# Why not peers.sh: it takes one extra proxy per run, and the two variants must share a run to be compared here
# (2 cores shared with other jobs: rps moves by ±10% between runs).
#
# Usage: bench/proxy/accesslog.sh     env: CONNS=50 DURATION=8 ROUNDS=3 BACKEND_PORT=18580 BIN=.build/release/meshctl
source "$(dirname "$0")/common.sh"
CONNS=${CONNS:-50}; DURATION=${DURATION:-8}; ROUNDS=${ROUNDS:-3}
BACKEND_PORT=${BACKEND_PORT:-18580}; OFF_PORT=$((BACKEND_PORT + 1)); ON_PORT=$((BACKEND_PORT + 2)); NOM_PORT=$((BACKEND_PORT + 3))
PERF=0; command -v perf >/dev/null && PERF=1
start_nginx backend "server { listen 127.0.0.1:$BACKEND_PORT; location / { default_type text/plain; return 200 \"ok\\n\"; } }"
"$BIN" proxy --listen 127.0.0.1:$OFF_PORT --to 127.0.0.1:$BACKEND_PORT >"$DIR/off.out" 2>&1 & PIDS+=($!); OFF_PID=$!
"$BIN" proxy --listen 127.0.0.1:$ON_PORT --to 127.0.0.1:$BACKEND_PORT --access-log "$DIR/access.log" >"$DIR/on.out" 2>&1 & PIDS+=($!); ON_PID=$!
"$BIN" proxy --listen 127.0.0.1:$NOM_PORT --to 127.0.0.1:$BACKEND_PORT --no-metrics >"$DIR/nom.out" 2>&1 & PIDS+=($!); NOM_PID=$!
sleep 1
for port in $BACKEND_PORT $OFF_PORT $ON_PORT $NOM_PORT; do curl -sf "http://127.0.0.1:$port/" >/dev/null || { echo "port $port not answering"; exit 1; }; done

measure() { # name pid port -> prints a line, appends rps to $DIR/name.rps
  wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:$3/" >/dev/null   # warm-up
  local perf_pid=
  if (( PERF )); then perf stat -x, -e task-clock,instructions -p "$2" -o "$DIR/$1.perf" -- sleep "$DURATION" & perf_pid=$!; fi
  local out; out=$(wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$3/")
  [[ -n $perf_pid ]] && wait $perf_pid
  local reqs rps ms=0 ins=0
  reqs=$(awk '/requests in/{print $1}' <<<"$out"); rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  (( PERF )) && { ms=$(awk -F, '/task-clock/{print $1}' "$DIR/$1.perf"); ins=$(awk -F, '/instructions/{print $1}' "$DIR/$1.perf"); }
  echo "$rps" >>"$DIR/$1.rps"
  awk -v n="$1" -v r="$reqs" -v rps="$rps" -v ms="$ms" -v ins="$ins" 'BEGIN{ printf "%-9s rps=%8.0f  cpu_us/req=%6.2f  instructions/req=%7.0f\n", n, rps, (ms > 0 ? 1000*ms/r : 0), (ins > 0 ? ins/r : 0) }'
}
median() { sort -n "$1" | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "# $(date -u +%FT%TZ) conns=$CONNS duration=${DURATION}s rounds=$ROUNDS load: $(cut -d' ' -f1-3 /proc/loadavg)"
order=("base $OFF_PID $OFF_PORT" "log $ON_PID $ON_PORT" "nometrics $NOM_PID $NOM_PORT")
for r in $(seq 1 "$ROUNDS"); do
  for k in 0 1 2; do measure ${order[$(( (k + r) % 3 ))]}; done
done
base=$(median "$DIR/base.rps"); log=$(median "$DIR/log.rps"); nom=$(median "$DIR/nometrics.rps")
awk -v a="$base" -v b="$log" -v c="$nom" 'BEGIN{ printf "median rps: base %.0f, log %.0f, nometrics %.0f; log/base %.3f, base/nometrics %.3f\n", a, b, c, b/a, a/c }'
sleep 0.3   # the last batch reaches the file within 100 ms
echo "access log: $(wc -l <"$DIR/access.log") lines, $(du -h "$DIR/access.log" | cut -f1); last line:"
tail -1 "$DIR/access.log"
echo "RSS after load: base $(awk '/VmRSS/{print $2" kB"}' /proc/$OFF_PID/status), log $(awk '/VmRSS/{print $2" kB"}' /proc/$ON_PID/status), nometrics $(awk '/VmRSS/{print $2" kB"}' /proc/$NOM_PID/status)"
