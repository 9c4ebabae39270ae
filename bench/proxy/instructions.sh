#!/usr/bin/env bash
# instructions.sh - user-space instructions per request of proxy binaries, counted exactly by valgrind's callgrind
# (this VM has no PMU, so `perf stat` gives only times, which the machine's load moves by ±10 %). Each binary runs
# with one thread behind the nginx backend under callgrind; after a 3 s wrk warm-up the counts are zeroed, wrk -t1
# -cCONNS runs SECS s, the counts are dumped: instructions per request, and the top functions (self) per request in
# $DIR/NAME.top. A binary's DWARF 5 debug info is stripped from a copy first (valgrind 3.19 cannot read it).
# Compare binaries in one run: the count per request depends a little on how many requests a loop turn handles.
# Loopback only; kills only what it starts.
#
# Usage: bench/proxy/instructions.sh NAME=BINARY [NAME=BINARY...]
#   env: CONNS=50 SECS=5 TOP=25 BACKEND_PORT=18380
set -u -o pipefail
CONNS=${CONNS:-50}; SECS=${SECS:-5}; TOP=${TOP:-25}; BACKEND_PORT=${BACKEND_PORT:-18380}
(( $# >= 1 )) || { sed -n 2,11p "$0"; exit 1; }
source "$(dirname "$0")/common.sh"
for b in valgrind callgrind_control callgrind_annotate strip; do
  command -v $b >/dev/null || { echo "need $b (apt-get install valgrind binutils)"; exit 1; }
done
start_ok_backend $BACKEND_PORT
port=$((BACKEND_PORT + 1))
echo "# $(date -u +%FT%TZ) conns=$CONNS secs=$SECS load: $(cut -d' ' -f1-3 /proc/loadavg)"
for spec in "$@"; do
  name=${spec%%=*}; bin=${spec#*=}
  strip --strip-debug -o "$DIR/$name.bin" "$bin"
  valgrind --tool=callgrind --callgrind-out-file="$DIR/$name.cg" "$DIR/$name.bin" --threads 1 \
    --listen 127.0.0.1:$port --to 127.0.0.1:$BACKEND_PORT >"$DIR/$name.out" 2>"$DIR/$name.err" & PIDS+=($!); pid=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.2; done
  wrk -t1 -c"$CONNS" -d3s "http://127.0.0.1:$port/" >/dev/null
  callgrind_control -z $pid >/dev/null 2>&1
  out=$(wrk -t1 -c"$CONNS" -d"${SECS}s" --timeout 10s "http://127.0.0.1:$port/")
  callgrind_control -d $pid >/dev/null 2>&1
  sleep 1
  reqs=$(awk '/requests in/{print $1}' <<<"$out")
  dump=$(ls -t "$DIR/$name.cg".* | head -1)
  total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",", "", $1); print $1}')
  echo "$name: $reqs requests, $(awk -v i="$total" -v r="$reqs" 'BEGIN{printf "%.0f", i/r}') instructions per request"
  callgrind_annotate --threshold=100 --inclusive=no "$dump" 2>/dev/null | sed -n '/file:function/,$p' | sed -n '3,$p' \
    | awk -v r="$reqs" 'NF>1{v=$1; gsub(",", "", v); $1=""; printf "%8.0f %s\n", v/r, $0}' \
    | { if command -v swift-demangle >/dev/null; then swift-demangle --simplified; else cat; fi; } | head -"$TOP" > "$DIR/$name.top"
  kill $pid; wait $pid 2>/dev/null
  port=$((port + 1))
done
echo "top functions per request (self instructions): $DIR/*.top"
