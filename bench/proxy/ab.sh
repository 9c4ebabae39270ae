#!/usr/bin/env bash
# ab.sh - side-by-side comparison of proxy binaries (and HAProxy as the reference) in one run: start-up time, idle
# RSS, then ROUNDS interleaved wrk slices per target with `perf stat` on the proxy process (requests/s, CPU µs per
# request; instructions too where the VM exposes a PMU) and the RSS under load. Start-up is the median of STARTS
# launches until the "listening" line. Each binary runs in quick mode with one thread, started with its file's pages
# dropped from the page cache (drop_page_cache in common.sh: otherwise how the file was last read decides its RSS).
# Loopback only; kills only what it starts.
#
# Usage: bench/proxy/ab.sh NAME=COMMAND [NAME=COMMAND...]
#   e.g. bench/proxy/ab.sh "lean=.build/release/mesh-proxy" "meshctl=.build/release/meshctl proxy"
#   env: CONNS=50 DURATION=3 ROUNDS=4 STARTS=5 BACKEND_PORT=18380 HAPROXY=1
set -u -o pipefail
CONNS=${CONNS:-50}; DURATION=${DURATION:-3}; ROUNDS=${ROUNDS:-4}; HAPROXY=${HAPROXY:-1}; STARTS=${STARTS:-5}
BACKEND_PORT=${BACKEND_PORT:-18380}
(( $# >= 1 )) || { sed -n 2,9p "$0"; exit 1; }
source "$(dirname "$0")/common.sh"
for b in haproxy perf; do command -v $b >/dev/null || { echo "need $b (peers.sh installs haproxy)"; exit 1; }; done
start_ok_backend $BACKEND_PORT
declare -A PID PORT
NAMES=()
port=$((BACKEND_PORT + 1))
if (( HAPROXY )); then
  drop_page_cache "$(type -P haproxy)"
  start_haproxy $port $BACKEND_PORT
  PID[haproxy]=$HAPROXY_PID; PORT[haproxy]=$port; NAMES+=(haproxy); port=$((port + 1))
fi
now_ms() { date +%s%3N; }
echo "# $(date -u +%FT%TZ) conns=$CONNS duration=${DURATION}s rounds=$ROUNDS load: $(cut -d' ' -f1-3 /proc/loadavg)"
wait_listening() { # file
  for _ in $(seq 1 1000); do grep -q '^listening' "$1" 2>/dev/null && return 0; sleep 0.002; done; return 1
}
for spec in "$@"; do
  name=${spec%%=*}; cmd=${spec#*=}
  times=()
  for _ in $(seq 1 "$STARTS"); do
    start=$(now_ms)
    $cmd --threads 1 --listen 127.0.0.1:0 --to 127.0.0.1:$BACKEND_PORT >"$DIR/start.out" 2>&1 & sp=$!
    wait_listening "$DIR/start.out" || { cat "$DIR/start.out"; echo "$name did not start"; kill $sp; exit 1; }
    times+=($(( $(now_ms) - start )))
    kill $sp; wait $sp 2>/dev/null
  done
  echo "$name: start-up to listening, $STARTS launches: $(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')ms (median $(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (STARTS + 1) / 2 ))p") ms; polling adds ≤ 2 ms)"
done
for spec in "$@"; do
  name=${spec%%=*}; cmd=${spec#*=}
  drop_page_cache "$(type -P "${cmd%% *}")"
  $cmd --threads 1 --listen 127.0.0.1:$port --to 127.0.0.1:$BACKEND_PORT >"$DIR/$name.out" 2>"$DIR/$name.err" & PIDS+=($!)
  PID[$name]=$!; PORT[$name]=$port; NAMES+=("$name")
  wait_listening "$DIR/$name.out" || { cat "$DIR/$name.err"; echo "$name did not start"; exit 1; }
  port=$((port + 1))
done
sleep 1
for name in "${NAMES[@]}"; do
  curl -sf "http://127.0.0.1:${PORT[$name]}/" >/dev/null || { echo "$name not answering"; exit 1; }
done
for name in "${NAMES[@]}"; do
  echo "$name: idle RSS $(awk '/VmRSS/{print $2}' /proc/${PID[$name]}/status) kB"
done
declare -A RESULTS HWM
measure() { # name: one slice (common.sh), then the RSS under that load
  local name=$1 pid=${PID[$1]}
  wrk_slice "$name" "http://127.0.0.1:${PORT[$name]}/" "$pid"
  RESULTS[$name]+="$SLICE_RPS $SLICE_CPU_US $SLICE_INS $(awk '/VmRSS/{print $2}' /proc/$pid/status);"
}
interleaved_rounds measure "${NAMES[@]}"
echo "medians of $ROUNDS rounds (load now: $(cut -d' ' -f1-3 /proc/loadavg)):"
printf "%-10s %10s %12s %10s %12s   %s\n" target rps cpu_us/req instr/req rss_load_kB "rps per round"  # instr 0: no PMU
for name in "${NAMES[@]}"; do
  tr ';' '\n' <<<"${RESULTS[$name]}" | awk -v n="$name" 'NF==4{rps[NR]=$1; cpu[NR]=$2; ins[NR]=$3; rss[NR]=$4; c=NR}
    function med(a, k,  i,j,t,b){ for(i=1;i<=k;i++) b[i]=a[i]; for(i=1;i<=k;i++) for(j=i+1;j<=k;j++) if(b[j]<b[i]){t=b[i];b[i]=b[j];b[j]=t}
      return (k%2) ? b[(k+1)/2] : (b[k/2]+b[k/2+1])/2 }
    END{ all=""; for(i=1;i<=c;i++) all=all sprintf("%.0f ", rps[i]);
      printf "%-10s %10.0f %12.2f %10.0f %12.0f   %s\n", n, med(rps,c), med(cpu,c), med(ins,c), med(rss,c), all }'
done
