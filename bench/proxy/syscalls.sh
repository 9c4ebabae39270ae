#!/usr/bin/env bash
# syscalls.sh - what a proxy asks of the kernel per request, beside HAProxy: system calls by name (the
# `syscalls:sys_enter_*` tracepoints counted by `perf stat`) and context switches per request, and its CPU split into
# user and system time per request (/proc/PID/stat, from a slice of its own: the tracepoints make every system call
# several times dearer). wrk at $CONNS connections; HAProxy first, then each binary in quick mode, interleaved over
# $ROUNDS rounds, every figure a median. From the plain slice too: the machine's TCP counters per request (`nstat`:
# segments sent, pure ACKs, delayed ACKs; system-wide, so other loopback traffic adds to them a little) and the
# backend's voluntary context switches per request (how often the proxy's sends found nginx asleep). Loopback
# only; kills only what it starts.
#
# Usage: bench/proxy/syscalls.sh NAME=BINARY [NAME=BINARY...]      env: CONNS=50 DURATION=4 ROUNDS=3 BACKEND_PORT=18480
set -u -o pipefail
export LC_ALL=C
CONNS=${CONNS:-50}; DURATION=${DURATION:-4}; ROUNDS=${ROUNDS:-3}; BACKEND_PORT=${BACKEND_PORT:-18480}
(( $# >= 1 )) || { sed -n 2,8p "$0"; exit 1; }
source "$(dirname "$0")/common.sh"
command -v perf >/dev/null || { echo "need perf"; exit 1; }
[[ -d /sys/kernel/tracing/events/syscalls ]] || { echo "need the syscalls tracepoints (tracefs, root)"; exit 1; }
start_ok_backend $BACKEND_PORT
BACKEND_PID=${PIDS[-1]}  # nginx without a master process: the worker itself
declare -A PID PORT
port=$((BACKEND_PORT + 1))
start_haproxy $port $BACKEND_PORT
PID[haproxy]=$HAPROXY_PID; PORT[haproxy]=$port; NAMES=(haproxy); port=$((port + 1))
for spec in "$@"; do
  name=${spec%%=*}; bin=${spec#*=}
  "$bin" --threads 1 --listen 127.0.0.1:$port --to 127.0.0.1:$BACKEND_PORT >"$DIR/$name.out" 2>&1 & PIDS+=($!)
  PID[$name]=$!; PORT[$name]=$port; NAMES+=("$name"); port=$((port + 1))
done
for name in "${NAMES[@]}"; do  # up to 5 s each to answer (a loaded machine starts them slowly)
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:${PORT[$name]}/" >/dev/null && continue 2; sleep 0.1; done
  echo "$name not answering"; exit 1
done
ticks=$(getconf CLK_TCK)
tcp_counters() { # the TCP counters compared per request, absolute, without touching nstat's history
  nstat -saz TcpOutSegs TcpExtTCPPureAcks TcpExtDelayedACKs 2>/dev/null | awk 'NR > 1 && NF >= 2 {print $1, $2}'
  awk '/^voluntary_ctxt/{print "backend_switches_voluntary", $2}' "/proc/$BACKEND_PID/status"
}
cpu_ticks() { # utime stime, and voluntary and nonvoluntary context switches of all its threads
  echo "$(awk '{print $14, $15}' "/proc/$1/stat") $(cat /proc/$1/task/*/status | awk '/^voluntary_ctxt/{v+=$2} /^nonvoluntary_ctxt/{n+=$2} END{print v, n}')"
}
echo "# $(date -u +%FT%TZ) conns=$CONNS duration=${DURATION}s rounds=$ROUNDS load: $(cut -d' ' -f1-3 /proc/loadavg)"
slice() { # url seconds -> wrk's request count
  wrk -t1 -c"$CONNS" -d"$2s" "$1" | awk '/requests in/{print $1}'
}
measure() { # name: a plain slice for the CPU split, then a counted one (tracepoints slow every call they count)
  local name=$1 pid=${PID[$1]} url="http://127.0.0.1:${PORT[$1]}/"
  slice "$url" 1 >/dev/null
  local u0 s0 v0 n0 u1 s1 v1 n1 reqs
  read -r u0 s0 v0 n0 < <(cpu_ticks "$pid")
  tcp_counters >"$DIR/tcp.before"
  reqs=$(slice "$url" "$DURATION")
  tcp_counters >"$DIR/tcp.after"
  read -r u1 s1 v1 n1 < <(cpu_ticks "$pid")
  awk -v r="$reqs" 'NR == FNR {before[$1] = $2; next} $1 in before {printf "%s %.4f\n", $1, ($2 - before[$1]) / r}' \
    "$DIR/tcp.before" "$DIR/tcp.after" >>"$DIR/$name.rows"
  awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v v=$((v1 - v0)) -v n=$((n1 - n0)) -v t="$ticks" -v r="$reqs" -v d="$DURATION" \
    'BEGIN{ printf "cpu_user_us %.2f\ncpu_system_us %.2f\nrps %.0f\nswitches_voluntary %.4f\nswitches_preempted %.4f\n",
      1e6*u/t/r, 1e6*s/t/r, r/d, v/r, n/r }' >>"$DIR/$name.rows"
  perf stat -x, -e 'syscalls:sys_enter_*' -e context-switches -p "$pid" -o "$DIR/$name.perf" -- sleep "$DURATION" &
  local perf_pid=$!
  reqs=$(slice "$url" "$DURATION")
  wait $perf_pid
  awk -F, -v r="$reqs" '$1 ~ /^[0-9]+$/ && $1 > 0 { n=$3; sub(/^syscalls:sys_enter_/, "", n); printf "%s %.4f\n", n, $1/r }' \
    "$DIR/$name.perf" >>"$DIR/$name.rows"
}
interleaved_rounds measure "${NAMES[@]}"
echo "per request, median of $ROUNDS rounds (load now: $(cut -d' ' -f1-3 /proc/loadavg)); rps and the CPU split from a slice without tracepoints"
for name in "${NAMES[@]}"; do
  awk '{ v[$1] = v[$1] " " $NF } END { for (k in v) print k, v[k] }' "$DIR/$name.rows" | while read -r key values; do
    printf "%s %s\n" "$key" "$(tr ' ' '\n' <<<"$values" | grep -v '^$' | median)"
  done | sort >"$DIR/$name.median"
done
join_all() { # one column per target
  local first=1
  for name in "${NAMES[@]}"; do
    if (( first )); then cp "$DIR/$name.median" "$DIR/joined"; first=0
    else join -a1 -a2 -e - -o auto "$DIR/joined" "$DIR/$name.median" >"$DIR/joined.new"; mv "$DIR/joined.new" "$DIR/joined"; fi
  done
  { echo "what ${NAMES[*]}"; cat "$DIR/joined"; } | column -t
}
join_all
