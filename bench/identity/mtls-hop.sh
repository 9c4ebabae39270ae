#!/usr/bin/env bash
# mtls-hop.sh - what one sidecar → sidecar hop costs with mTLS, in one run and side by side (docs/performance.md,
# "One mTLS hop"):
#   mesh-mtls     wrk → proxy A (outbound, identity `client`) ==mTLS 1.3==> proxy B (inbound, identity `web`) → nginx
#   mesh-plain    the same two proxy processes, through a second outbound port whose service is not `mtls`
#                 (B's inbound is permissive, so it takes both)
#   haproxy-mtls  wrk → haproxy A (TLS 1.3 origination with a client certificate, http-reuse always)
#                 ==mTLS 1.3==> haproxy B (termination, client certificate required) → nginx
#   haproxy-plain the same two HAProxy processes over a plaintext pair of ports
# Every certificate (the proxies' and HAProxy's) comes from the same operator CA; the proxies make their own key and
# send a CSR, HAProxy's keys are made by openssl and signed through the same API socket.
# Requests/s at CONNS connections and CPU per request (perf stat over BOTH processes of a pair), interleaved over
# ROUNDS rounds (order rotates). Then new connections/s straight to each TLS terminator (proxy B, haproxy B) with
# `openssl s_time`: full handshakes (-new) and resumed ones (-reuse), with the terminator's CPU per connection.
# Loopback only; kills only what it starts (and stops the operator it started).
#
# Usage: bench/identity/mtls-hop.sh   (build first: swift build -c release --product meshctl)
#   env: CONNS=50 DURATION=5 ROUNDS=3 HANDSHAKE_SECONDS=5 BASE_PORT=18480 BIN=.build/release/meshctl
#        BIN_B=another/meshctl (a second pair from that build, measured beside the first: mesh-mtls-b, mesh-plain-b)
#        MACHINE=1 (instead of the rps table: per request, the pair's CPU, context switches and system calls, nginx's
#        and wrk's CPU and context switches, idle and other busy core time)
#        PERF_RECORD_ARGS (with PROFILE; default -g), e.g. "-e raw_syscalls:sys_enter" for the system calls of each turn
#        PROFILE="mesh-mtls haproxy-mtls" (perf record -g of those pairs after the rounds; PROFILE_DIR=/tmp/mtls-hop-profile)
set -u -o pipefail
CONNS=${CONNS:-50}; DURATION=${DURATION:-5}; ROUNDS=${ROUNDS:-3}; HANDSHAKE_SECONDS=${HANDSHAKE_SECONDS:-5}
BASE_PORT=${BASE_PORT:-18480}
source "$(dirname "$0")/../proxy/common.sh"
for b in haproxy perf openssl; do command -v $b >/dev/null || { echo "need $b"; exit 1; }; done
[[ -x $BIN ]] || { echo "build first: swift build -c release --product meshctl"; exit 1; }
STATE=$DIR/state
stop_all() { "$BIN" down --state-dir "$STATE" >/dev/null 2>&1; cleanup; }
trap stop_all EXIT

BACKEND=$BASE_PORT; GATEWAY=$((BASE_PORT + 1))
PB=$((BASE_PORT + 2)); PA_TLS=$((BASE_PORT + 3)); PA_PLAIN=$((BASE_PORT + 4))
HB_TLS=$((BASE_PORT + 5)); HB_PLAIN=$((BASE_PORT + 6)); HA_TLS=$((BASE_PORT + 7)); HA_PLAIN=$((BASE_PORT + 8))
start_ok_backend $BACKEND

# The operator only for its CA: two Services (outside endpoints, so it runs no workload for them) give the names.
"$BIN" up --state-dir "$STATE" --gateway-port $GATEWAY --http off >/dev/null || { echo "operator did not start"; exit 1; }
cat > "$DIR/mesh.yaml" <<Y
apiVersion: mesh.meshctl.dev/v1alpha1
kind: Service
metadata: {name: web}
spec: {port: $((BASE_PORT + 10)), endpoints: ["127.0.0.1:$BACKEND"]}
---
apiVersion: mesh.meshctl.dev/v1alpha1
kind: Service
metadata: {name: client}
spec: {port: $((BASE_PORT + 11)), endpoints: ["127.0.0.1:$BACKEND"]}
Y
"$BIN" apply --state-dir "$STATE" -f "$DIR/mesh.yaml" >/dev/null || { echo "apply failed"; exit 1; }
SOCKET=$STATE/operator.sock

# sign NAME SERVICE: an openssl key and CSR, signed by the operator's CA -> NAME.crt NAME.key NAME.pem (both), bundle.pem
sign() {
  openssl ecparam -name prime256v1 -genkey -noout -out "$DIR/$1.key" 2>/dev/null
  openssl req -new -key "$DIR/$1.key" -subj "/CN=$2" -out "$DIR/$1.csr" 2>/dev/null
  /usr/bin/python3 -c 'import json,sys; print(json.dumps({"service": sys.argv[1], "csr": open(sys.argv[2]).read()}))' \
    "$2" "$DIR/$1.csr" > "$DIR/$1.req"
  curl -sf --unix-socket "$SOCKET" -X POST --data-binary @"$DIR/$1.req" http://operator/v1/identity/certificates > "$DIR/$1.json" \
    || { echo "CSR for $2 refused"; exit 1; }
  /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); open(sys.argv[2],"w").write(d["certificatePEM"].rstrip()+"\n"); open(sys.argv[3],"w").write(d["trustBundlePEM"].rstrip()+"\n")' \
    "$DIR/$1.json" "$DIR/$1.crt" "$DIR/bundle.pem"
  cat "$DIR/$1.crt" "$DIR/$1.key" > "$DIR/$1.pem"
}
sign hb web; sign ha client; sign probe client

# meshctl's two sidecars, one thread each, identities from the operator over its socket (as the operator starts them).
wait_listening() { # file count
  for _ in $(seq 1 1000); do (( $(grep -c '^listening' "$1" 2>/dev/null) + 0 >= $2 )) && return 0; sleep 0.01; done; return 1
}
# start_pair TAG BINARY FIRST_PORT -> PID_A_TAG, PID_B_TAG; ports: B inbound FIRST, A mTLS FIRST+1, A plaintext FIRST+2
start_pair() {
  local tag=$1 bin=$2 pb=$3
  cat > "$DIR/b$tag.json" <<J
{"version": "b", "listeners": [{"name": "in", "kind": "inbound", "address": "127.0.0.1:$pb", "service": "local:web"}],
 "services": [{"name": "local:web", "endpoints": ["127.0.0.1:$BACKEND"]}]}
J
  cat > "$DIR/a$tag.json" <<J
{"version": "a",
 "listeners": [{"name": "out-mtls", "kind": "outbound", "address": "127.0.0.1:$((pb + 1))", "service": "web"},
               {"name": "out-plain", "kind": "outbound", "address": "127.0.0.1:$((pb + 2))", "service": "web-plain"}],
 "services": [{"name": "web", "endpoints": ["127.0.0.1:$pb"], "mtls": true},
              {"name": "web-plain", "endpoints": ["127.0.0.1:$pb"]}]}
J
  "$bin" proxy --threads 1 --config "$DIR/b$tag.json" --identity-service web --identity-socket "$SOCKET" >"$DIR/b$tag.out" 2>"$DIR/b$tag.err" & PIDS+=($!)
  printf -v "PID_B$tag" %s $!
  "$bin" proxy --threads 1 --config "$DIR/a$tag.json" --identity-service client --identity-socket "$SOCKET" >"$DIR/a$tag.out" 2>"$DIR/a$tag.err" & PIDS+=($!)
  printf -v "PID_A$tag" %s $!
  wait_listening "$DIR/b$tag.out" 1 && wait_listening "$DIR/a$tag.out" 2 || { cat "$DIR"/[ab]$tag.err; echo "proxies $tag did not start"; exit 1; }
}
start_pair "" "$BIN" $PB
# BIN_B: a second build's pair beside the first (before/after a change, in the same run): targets mesh-mtls-b, mesh-plain-b.
[[ -n ${BIN_B:-} ]] && start_pair _b "$BIN_B" $((BASE_PORT + 12))

# HAProxy: the peers.sh settings (nbthread 1, http-reuse always), TLS 1.3 only on the mTLS pair.
cat > "$DIR/hb.cfg" <<C
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  option http-keep-alive
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend in_mtls
  bind 127.0.0.1:$HB_TLS ssl crt $DIR/hb.pem ca-file $DIR/bundle.pem verify required ssl-min-ver TLSv1.3
  default_backend nginx
frontend in_plain
  bind 127.0.0.1:$HB_PLAIN
  default_backend nginx
backend nginx
  http-reuse always
  server s1 127.0.0.1:$BACKEND
C
cat > "$DIR/ha.cfg" <<C
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
frontend out_mtls
  bind 127.0.0.1:$HA_TLS
  default_backend web_mtls
frontend out_plain
  bind 127.0.0.1:$HA_PLAIN
  default_backend web_plain
backend web_mtls
  server b 127.0.0.1:$HB_TLS ssl crt $DIR/ha.pem ca-file $DIR/bundle.pem verify required ssl-min-ver TLSv1.3
backend web_plain
  server b 127.0.0.1:$HB_PLAIN
C
haproxy -f "$DIR/hb.cfg" >"$DIR/hb.log" 2>&1 & PIDS+=($!); PID_HB=$!
haproxy -f "$DIR/ha.cfg" >"$DIR/ha.log" 2>&1 & PIDS+=($!); PID_HA=$!
sleep 1

declare -A URL PAIR
URL[mesh-mtls]=http://127.0.0.1:$PA_TLS/;     PAIR[mesh-mtls]=$PID_A,$PID_B
URL[mesh-plain]=http://127.0.0.1:$PA_PLAIN/;  PAIR[mesh-plain]=$PID_A,$PID_B
URL[haproxy-mtls]=http://127.0.0.1:$HA_TLS/;  PAIR[haproxy-mtls]=$PID_HA,$PID_HB
URL[haproxy-plain]=http://127.0.0.1:$HA_PLAIN/; PAIR[haproxy-plain]=$PID_HA,$PID_HB
NAMES=(mesh-mtls mesh-plain haproxy-mtls haproxy-plain)
if [[ -n ${BIN_B:-} ]]; then
  URL[mesh-mtls-b]=http://127.0.0.1:$((BASE_PORT + 13))/; PAIR[mesh-mtls-b]=$PID_A_b,$PID_B_b
  URL[mesh-plain-b]=http://127.0.0.1:$((BASE_PORT + 14))/; PAIR[mesh-plain-b]=$PID_A_b,$PID_B_b
  NAMES+=(mesh-mtls-b mesh-plain-b)
fi
for name in "${NAMES[@]}"; do
  body=$(curl -sf "${URL[$name]}") && [[ $body == ok ]] || { echo "$name not answering ($body)"; cat "$DIR"/*.err "$DIR"/h?.log; exit 1; }
done
echo "# $(date -u +%FT%TZ) conns=$CONNS duration=${DURATION}s rounds=$ROUNDS load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(haproxy -v | head -1); $(openssl version)"

declare -A RESULTS MACHINE_RESULTS
measure() { # name: one slice through the pair, CPU over both of its processes (common.sh)
  wrk_slice "$1" "${URL[$1]}" "${PAIR[$1]}"
  RESULTS[$1]+="$SLICE_RPS $SLICE_CPU_US;"
}
# MACHINE=1: instead of the rps table, where the whole machine's time goes per request on each path, since the
# pair's CPU per request alone does not explain its rps on two shared cores. Per request: the pair's CPU (µs), its
# context switches (all, and involuntary: preempted) and system calls, nginx's and wrk's CPU and context switches,
# the cores' idle time (/proc/stat idle + iowait, both cores) and the rest of the machine's busy time (other
# processes, softirq work charged to no one here), in µs; then the share of one core each process of the pair used
# (A, B): one near 100 % would be the hop's bottleneck whatever the others do.
NGINX_PID=${PIDS[0]}
jiffies() { awk '{print $14 + $15}' /proc/$1/stat; }  # user + system CPU time of process $1, in clock ticks
# involuntary context switches of every thread of PIDS (comma-separated)
preempted() { local p; for p in ${1//,/ }; do cat /proc/$p/task/*/status; done | awk '/^nonvoluntary_ctxt_switches/{n += $2} END{print n}'; }
machine_slice() { # name
  local name=$1 url=${URL[$1]}
  wrk -t1 -c"$CONNS" -d1s "$url" >/dev/null
  local nv0; nv0=$(preempted "${PAIR[$name]}")
  local pa=${PAIR[$name]%,*} pb=${PAIR[$name]#*,} a0 b0 t0; a0=$(jiffies $pa); b0=$(jiffies $pb); t0=$(date +%s%N)
  local idle0 busy0; read -r idle0 busy0 < <(awk '/^cpu /{print $5 + $6, $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat)
  perf stat -x, -e task-clock,context-switches,raw_syscalls:sys_enter -p "${PAIR[$name]}" -o "$DIR/m-pair.perf" -- sleep "$DURATION" &
  local p1=$!
  perf stat -x, -e task-clock,context-switches -p "$NGINX_PID" -o "$DIR/m-nginx.perf" -- sleep "$DURATION" &
  local p2=$!
  local out; out=$(perf stat -x, -e task-clock,context-switches -o "$DIR/m-wrk.perf" -- wrk -t1 -c"$CONNS" -d"${DURATION}s" "$url")
  wait $p1 $p2
  local nv1; nv1=$(preempted "${PAIR[$name]}")
  local a1 b1 t1; a1=$(jiffies $pa); b1=$(jiffies $pb); t1=$(date +%s%N)
  local idle1 busy1; read -r idle1 busy1 < <(awk '/^cpu /{print $5 + $6, $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat)
  local reqs rps; reqs=$(awk '/requests in/{print $1}' <<<"$out"); rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  ev() { awk -F, -v e="$2" '$3 ~ e {print $1 + 0; exit}' "$DIR/m-$1.perf"; }
  MACHINE_RESULTS[$name]+=$(awk -v r="$reqs" -v rps="$rps" -v hz="$(getconf CLK_TCK)" -v idle=$((idle1 - idle0)) -v busy=$((busy1 - busy0)) -v nv=$((nv1 - nv0)) \
    -v ja=$((a1 - a0)) -v jb=$((b1 - b0)) -v ns=$((t1 - t0)) \
    -v pc="$(ev pair task-clock)" -v pcs="$(ev pair context-switches)" -v psc="$(ev pair sys_enter)" \
    -v nc="$(ev nginx task-clock)" -v ncs="$(ev nginx context-switches)" -v wc="$(ev wrk task-clock)" -v wcs="$(ev wrk context-switches)" \
    'BEGIN{printf "%.0f %.1f %.2f %.2f %.2f %.1f %.2f %.1f %.2f %.1f %.1f", rps, 1000*pc/r, pcs/r, nv/r, psc/r, 1000*nc/r, ncs/r, 1000*wc/r, wcs/r, 1e6*idle/hz/r, 1e6*busy/hz/r - 1000*(pc+nc+wc)/r; printf " %.0f %.0f;", 100*ja/hz/(ns/1e9), 100*jb/hz/(ns/1e9)}')
}
if [[ ${MACHINE:-0} == 1 ]]; then
  interleaved_rounds machine_slice "${NAMES[@]}"
  echo "where the machine's time goes, µs or events per request, medians of $ROUNDS rounds (load now: $(cut -d' ' -f1-3 /proc/loadavg)):"
  printf "%-14s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %6s %6s\n" path rps pair_cpu pair_cs pair_nvcs pair_sysc nginx_cpu nginx_cs wrk_cpu wrk_cs idle other "A_%" "B_%"
  for name in "${NAMES[@]}"; do
    printf "%-14s" "$name"
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13; do
      printf " %9s" "$(tr ';' '\n' <<<"${MACHINE_RESULTS[$name]}" | awk -v i=$i 'NF{print $i}' | median)"
    done
    echo
  done
  exit 0
fi
interleaved_rounds measure "${NAMES[@]}"
echo "requests through the hop, medians of $ROUNDS rounds (load now: $(cut -d' ' -f1-3 /proc/loadavg)):"
printf "%-14s %10s %16s %10s   %s\n" path rps "cpu_us/req(2)" "vs haproxy-mtls" "rps per round"
declare -A MED
for name in "${NAMES[@]}"; do MED[$name]=$(tr ';' '\n' <<<"${RESULTS[$name]}" | awk 'NF==2{print $1}' | median); done
for name in "${NAMES[@]}"; do
  cpu=$(tr ';' '\n' <<<"${RESULTS[$name]}" | awk 'NF==2{print $2}' | median)
  all=$(tr ';' '\n' <<<"${RESULTS[$name]}" | awk 'NF==2{printf "%.0f ", $1}')
  printf "%-14s %10.0f %16.2f %10.2fx   %s\n" "$name" "${MED[$name]}" "$cpu" \
    "$(awk -v a="${MED[$name]}" -v b="${MED[haproxy-mtls]}" 'BEGIN{print a/b}')" "$all"
done

# PROFILE="NAME..." (e.g. "mesh-mtls haproxy-mtls"): then, for each, `perf record -g` (or PERF_RECORD_ARGS) over the
# pair's two processes under the same wrk load for $DURATION s -> $PROFILE_DIR/NAME.data (default
# /tmp/mtls-hop-profile), and its top symbols; with raw_syscalls:sys_enter, each process's turns and sends per turn.
for name in ${PROFILE:-}; do
  out=${PROFILE_DIR:-/tmp/mtls-hop-profile}; mkdir -p "$out"
  wrk -t1 -c"$CONNS" -d1s "${URL[$name]}" >/dev/null
  perf record ${PERF_RECORD_ARGS:--g} -o "$out/$name.data" -p "${PAIR[$name]}" -- sleep "$DURATION" 2>/dev/null &
  perf_pid=$!
  wrk -t1 -c"$CONNS" -d"${DURATION}s" "${URL[$name]}" | awk '/Requests\/sec/{print "profile '"$name"': " $2 " rps"}'
  wait $perf_pid
  if [[ ${PERF_RECORD_ARGS:-} == *raw_syscalls:sys_enter* ]]; then
    # Per process: epoll_waits (turns) and messages sent (send, sendmsg, write, writev), and how many turns sent how many.
    perf script -i "$out/$name.data" -F pid,trace 2>/dev/null | awk '
      { p = $1; nr = $3 + 0
        if (nr == 232 || nr == 281) { if (p in sent) { s = sent[p]; b = s < 2 ? "0-1" : s < 5 ? "2-4" : s < 10 ? "5-9" : s < 20 ? "10-19" : "20+"; turns[p, b]++ }
                                      waits[p]++; sent[p] = 0 }
        else if (nr == 44 || nr == 46 || nr == 1 || nr == 20) { sent[p]++; total[p]++ } }
      END { for (p in waits) printf "  pid %s: %d turns, %d sends; turns by sends: 0-1 %d, 2-4 %d, 5-9 %d, 10-19 %d, 20+ %d\n", p, waits[p], total[p],
              turns[p, "0-1"], turns[p, "2-4"], turns[p, "5-9"], turns[p, "10-19"], turns[p, "20+"] }'
    continue
  fi
  perf report -i "$out/$name.data" -g none --no-children --sort dso --stdio 2>/dev/null | grep '%' | head -8
  perf report -i "$out/$name.data" -g none --no-children --sort sym --percent-limit 0.7 --stdio 2>/dev/null | grep '%' | head -40
done

# New connections: openssl s_time against each terminator, with the probe's certificate (the `client` identity).
handshakes() { # name port pid mode(-new|-reuse)
  perf stat -x, -e task-clock -p "$3" -o "$DIR/hs.perf" -- sleep "$HANDSHAKE_SECONDS" &
  local perf_pid=$!
  # -www: one GET per connection, so the client reads the TLS 1.3 session ticket (without it nothing can resume)
  local out; out=$(openssl s_time -connect 127.0.0.1:$2 $4 -www / -time "$HANDSHAKE_SECONDS" -cert "$DIR/probe.crt" \
    -key "$DIR/probe.key" -CAfile "$DIR/bundle.pem" 2>&1)
  wait $perf_pid
  local count secs ms
  count=$(awk '/connections in [0-9.]+ real seconds/{print $1; exit}' <<<"$out")
  secs=$(awk '/connections in [0-9.]+ real seconds/{for(i=1;i<=NF;i++) if($i=="in") print $(i+1); exit}' <<<"$out")
  ms=$(awk -F, '/task-clock/{print $1}' "$DIR/hs.perf")
  if [[ -z $count || -z $secs ]]; then echo "$1 $4: s_time failed: $(tail -3 <<<"$out" | tr '\n' ' ')"; return; fi
  printf "%-14s %-7s %10.0f %22.1f\n" "$1" "$4" "$(awk -v c="$count" -v s="$secs" 'BEGIN{print c/s}')" \
    "$(awk -v ms="$ms" -v c="$count" 'BEGIN{print 1000*ms/c}')"
}
echo "new TLS 1.3 connections to the terminator (openssl s_time, one client, ${HANDSHAKE_SECONDS}s each):"
printf "%-14s %-7s %10s %22s\n" terminator mode conn/s "terminator_cpu_us/conn"
handshakes mesh-inbound $PB $PID_B -new
handshakes haproxy-in $HB_TLS $PID_HB -new
handshakes mesh-inbound $PB $PID_B -reuse
handshakes haproxy-in $HB_TLS $PID_HB -reuse
