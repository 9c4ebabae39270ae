#!/usr/bin/env bash
# bench/reconcile/kill-operator.sh: `kill -9` the operator under load and start it again.
#   bench/reconcile/kill-operator.sh [SERVICES] [KILLS]   (defaults 20, 3; BIN=path/to/meshctl to skip the build)
# With wrk (50 connections) on the gateway, the operator is SIGKILLed and restarted KILLS times, 4 s apart. Passes
# when no request failed and the restarted operator adopted every process (the same pid in every slot before the
# kill and once it is back and every Service is Ready again).
source "$(dirname "$0")/common.sh"
services=${1:-20}
kills=${2:-3}
start_mesh "$services"
before=$($MESH pids "$state")

wrk_start $((kills * 5 + 6))
sleep 2
for i in $(seq 1 "$kills"); do
  pid=$(cat "$state/operator.pid")
  kill -9 "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.01; done
  t0=$(date +%s.%N)
  "$M" up --state-dir "$state" --gateway-port "$gateway" >/dev/null
  waited=$($MESH wait-ready "$state" 60)
  t1=$(date +%s.%N)
  echo "kill $i: operator pid $pid killed; new operator up and every Service Ready in $(python3 -c "print(round($t1-$t0,2))") s"
  sleep 4
done
after=$($MESH pids "$state")
wrk_report || status=1
if [[ "$before" == "$after" ]]; then
  echo "adopted: all $(python3 -c "import json,sys;print(len(json.loads(sys.argv[1])))" "$before") processes kept their pids"
else
  echo "NOT ADOPTED: pids changed"
  python3 -c '
import json,sys
a,b=json.loads(sys.argv[1]),json.loads(sys.argv[2])
for k in sorted(set(a)|set(b)):
    if a.get(k)!=b.get(k): print(" ",k,a.get(k),"->",b.get(k))' "$before" "$after"
  status=1
fi
exit ${status:-0}
