#!/usr/bin/env bash
# bench/reconcile/profile.sh [SERVICES] [CHANGES]: `perf record -g` of the operator while CHANGES weight changes
# (POST /v1/apply) propagate through SERVICES services x 2 replicas; writes $PERF_OUT (default /tmp/operator.perf.data)
# and prints the propagation figures. Read it with
#   perf report -i /tmp/operator.perf.data --children --sort symbol --stdio -g none | swift demangle --simplified
source "$(dirname "$0")/common.sh"
services=${1:-100}
changes=${2:-10}
out=${PERF_OUT:-/tmp/operator.perf.data}
start_mesh "$services"
perf record -F 999 -g -p "$(cat "$state/operator.pid")" -o "$out" -- sleep $((changes * 2 + 5)) >/dev/null 2>&1 &
bench_pids+=($!)
sleep 1
$MESH cpu "$state" >"$dir/cpu.json"
$MESH changes "$state" "$dir/manifests" "$services" "$changes" api
$MESH cpu "$state" "$dir/cpu.json"
$MESH propagation "$state"
wait "${bench_pids[-1]}" || true
