#!/usr/bin/env bash
# bench/reconcile/cpu.sh [SERVICES] [CHANGES]: the operator's CPU at SERVICES services x 2 replicas (default 100, 10),
# from /proc: over 10 s idle (full passes only), then over CHANGES weight changes by POST /v1/apply (the API series
# of run.sh), with their propagation figures and every role's CPU over them (sidecars: the patches). Run it
# alternately with BIN=<main's meshctl> and BIN=<yours>.
source "$(dirname "$0")/common.sh"
services=${1:-100}
changes=${2:-10}
start_mesh "$services"
sleep 3
operator=$(cat "$state/operator.pid")
cpu() { python3 -c "import os;f=open('/proc/$operator/stat').read().rsplit(')',1)[1].split();print((int(f[11])+int(f[12]))/os.sysconf('SC_CLK_TCK'))"; }
spent() { python3 -c "print(round($2-$1,2))"; }
before=$(cpu)
sleep 10
echo "idle 10 s: operator CPU $(spent "$before" "$(cpu)") s; load $(cut -d' ' -f1 /proc/loadavg)"
before=$(cpu)
$MESH cpu "$state" >"$dir/cpu.json"
$MESH changes "$state" "$dir/manifests" "$services" "$changes" api | tail -2
echo "$changes API changes: operator CPU $(spent "$before" "$(cpu)") s; load $(cut -d' ' -f1 /proc/loadavg)"
$MESH cpu "$state" "$dir/cpu.json"
