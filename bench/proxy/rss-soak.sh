#!/usr/bin/env bash
# rss-soak.sh - does a proxy's memory grow under plain load? (issue 13: leak, warm-up or malloc fragmentation)
# Starts NAME=COMMAND proxies in quick mode (one thread) in front of one nginx backend, and for each a wrk at CONNS
# connections for MINUTES, all at once, each connection pausing DELAY_MS between requests (50 × 8 ms: ~6k requests/s,
# the chaos soak's rate through its gateway, light enough to leave the machine usable; DELAY_MS=0: flat out);
# samples VmRSS and anonymous memory every SAMPLE seconds; prints the slope of each half (MB per 10 minutes). At the end, per proxy, glibc's own account through gdb (`malloc_stats`: bytes
# held from the system vs in use, per arena), then `malloc_trim(0)` and the RSS after it: memory in use that grows
# is a leak, memory held but free that a trim gives back is fragmentation, neither is warm-up.
# An env prefix in COMMAND applies to that proxy alone, e.g. "arena2=env MALLOC_ARENA_MAX=2 .build/release/mesh-proxy".
# Loopback only; kills only what it starts.
#
# Usage: bench/proxy/rss-soak.sh NAME=COMMAND [NAME=COMMAND...]
#   env: MINUTES=15 CONNS=50 DELAY_MS=8 SAMPLE=30 BACKEND_PORT=18480
set -u -o pipefail
MINUTES=${MINUTES:-15}; CONNS=${CONNS:-50}; DELAY_MS=${DELAY_MS:-8}; SAMPLE=${SAMPLE:-30}; BACKEND_PORT=${BACKEND_PORT:-18480}
(( $# >= 1 )) || { sed -n 2,13p "$0"; exit 1; }
source "$(dirname "$0")/common.sh"
command -v gdb >/dev/null || { echo "need gdb"; exit 1; }
start_ok_backend $BACKEND_PORT
declare -A PID PORT
NAMES=()
for spec in "$@"; do
  name=${spec%%=*}; cmd=${spec#*=}
  $cmd --threads 1 --listen 127.0.0.1:0 --to 127.0.0.1:$BACKEND_PORT >"$DIR/$name.out" 2>"$DIR/$name.err" & PIDS+=($!)
  PID[$name]=$!; NAMES+=("$name")
  for _ in $(seq 1 100); do grep -q '^listening' "$DIR/$name.out" 2>/dev/null && break; sleep 0.05; done
  PORT[$name]=$(awk '/^listening/{split($3,a,":"); print a[2]}' "$DIR/$name.out")
  [[ -n ${PORT[$name]} ]] || { cat "$DIR/$name.err"; echo "$name did not start"; exit 1; }
done
echo "function delay() return $DELAY_MS end" >"$DIR/pace.lua"
echo "# $(date -u +%FT%TZ) minutes=$MINUTES conns=$CONNS delay=${DELAY_MS}ms load: $(cut -d' ' -f1-3 /proc/loadavg)"
for name in "${NAMES[@]}"; do
  wrk -t1 -c"$CONNS" -d"$((MINUTES * 60))s" -s "$DIR/pace.lua" "http://127.0.0.1:${PORT[$name]}/" >"$DIR/$name.wrk" 2>&1 & PIDS+=($!)
done
samples=$((MINUTES * 60 / SAMPLE))
printf "%8s" "t(s)"; for name in "${NAMES[@]}"; do printf " %14s %10s" "$name rss_kB" "anon_kB"; done; echo
for i in $(seq 0 "$samples"); do
  printf "%8d" $((i * SAMPLE))
  for name in "${NAMES[@]}"; do
    p=${PID[$name]}
    printf " %14s %10s" "$(awk '/^Rss/{print $2}' /proc/$p/smaps_rollup)" "$(awk '/^Anonymous/{print $2}' /proc/$p/smaps_rollup)"
    echo "$i $(awk '/^Rss/{print $2}' /proc/$p/smaps_rollup) $(awk '/^Anonymous/{print $2}' /proc/$p/smaps_rollup)" >>"$DIR/$name.series"
  done
  echo
  (( i < samples )) && sleep "$SAMPLE"
done
echo "load now: $(cut -d' ' -f1-3 /proc/loadavg)"
for name in "${NAMES[@]}"; do
  echo "== $name: $(awk '/Requests\/sec/{print $2 " req/s"} /Socket errors/{print}' "$DIR/$name.wrk" | tr '\n' ' ')"
  awk -v s="$SAMPLE" -v h=$((samples / 2)) -v n=$samples '
    {rss[$1]=$2; anon[$1]=$3}
    END { f=600/(h*s); printf "  RSS slope, MB per 10 min: first half %+.2f, second half %+.2f (anonymous: %+.2f, %+.2f)\n",
      (rss[h]-rss[0])/1024*f, (rss[n]-rss[h])/1024*f, (anon[h]-anon[0])/1024*f, (anon[n]-anon[h])/1024*f }' "$DIR/$name.series"
  gdb -p "${PID[$name]}" -batch -ex 'call (void) malloc_stats()' >/dev/null 2>&1
  echo "  glibc malloc_stats (total of all arenas): $(grep -A2 '^Total' "$DIR/$name.err" | tr -s ' \n' ' ')"
  echo "  RSS before malloc_trim(0): $(awk '/VmRSS/{print $2}' /proc/${PID[$name]}/status) kB"
  gdb -p "${PID[$name]}" -batch -ex 'call (int) malloc_trim(0)' >/dev/null 2>&1
  echo "  RSS after malloc_trim(0):  $(awk '/VmRSS/{print $2}' /proc/${PID[$name]}/status) kB"
done
