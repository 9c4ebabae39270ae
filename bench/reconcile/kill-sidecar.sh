#!/usr/bin/env bash
# bench/reconcile/kill-sidecar.sh: `kill -9` a sidecar the gateway routes to, under load.
#   bench/reconcile/kill-sidecar.sh [SERVICES] [KILLS]   (defaults 20, 3; BIN=path/to/meshctl to skip the build)
# With wrk (50 connections) on the gateway (`front` splits over svc-0 and svc-1), the sidecar of svc-0 replica 0 is
# SIGKILLed KILLS times, 5 s apart. Passes when no request failed; prints how long the operator took to have a new
# sidecar in the slot with every Service Ready again. MESH_BENCH_PORT_BASE moves the services' ports off 31000+ when
# another mesh holds them.
source "$(dirname "$0")/common.sh"
services=${1:-20}
kills=${2:-3}
start_mesh "$services"
# Ready Services do not imply a listening gateway (it may be restarting after a port clash): wait for it, bounded.
for _ in $(seq 1 200); do
  (exec 3<>"/dev/tcp/127.0.0.1/$gateway") 2>/dev/null && break
  sleep 0.05
done

wrk_start $((kills * 6 + 6))
sleep 2
for i in $(seq 1 "$kills"); do
  pid=$($MESH pids "$state" | python3 -c 'import json,sys;print(json.load(sys.stdin)["svc-0/sidecar/0"])')
  kill -9 "$pid"
  t0=$(date +%s.%N)
  for _ in $(seq 1 400); do
    now=$($MESH pids "$state" | python3 -c 'import json,sys;print(json.load(sys.stdin).get("svc-0/sidecar/0",0))')
    [[ $now != "$pid" && $now != 0 ]] && break
    sleep 0.05
  done
  $MESH wait-ready "$state" 60 >/dev/null
  t1=$(date +%s.%N)
  echo "kill $i: svc-0/sidecar/0 pid $pid killed; replaced by pid $now, every Service Ready in $(python3 -c "print(round($t1-$t0,2))") s"
  sleep 5
done
# KEEP_LOGS=DIR keeps the proxies' logs (the state directory is removed on exit).
[[ -n ${KEEP_LOGS:-} ]] && cp -r "$state/logs" "$KEEP_LOGS"
wrk_report || status=1
grep -E "Latency|Requests/sec" "$dir/wrk.txt" || true
exit ${status:-0}
