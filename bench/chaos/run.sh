#!/usr/bin/env bash
# bench/chaos: a chaos soak of the whole mesh, from a release build.
#   bench/chaos/run.sh MINUTES [SEED]   (BIN=path/to/meshctl to skip the build; MESH_BENCH_PORT_BASE moves the
#                                        Services' ports, random in 30000-32380 by default,
#                                        outside the operator's port book and the ephemeral ports;
#                                        CHAOS_SKIP=kill-gateway,... leaves event kinds out;
#                                        CHAOS_SPARE=svc-0/sidecar/0,... keeps slots out of the random kills)
# On 127.0.0.1, in a temporary state directory: svc-0..2 (2 replicas each, bench/reconcile's mesh) with `front`
# splitting svc-0 / svc-1, a canary set (`web`: web-v1 stable, web-v2 canary, a Rollout at short intervals), retry
# policies on the split backends (chaos_manifests.py says why not on the roots). Under wrk (50 connections through
# the gateway to `front`) and a steady client (30 req/s through svc-2's sidecar, the address in its workload's
# MESH_OUTBOUND, alternating `front` and `web`), for MINUTES: SIGKILLs of workloads, sidecars, the gateway and the
# operator (restarted with `meshctl up`), weight changes, a Service applied, deleted and applied again, canaries
# promoted and rolled back, a data-plane upgrade (a new mesh-proxy file; skipped with a note when the operator does
# not roll sidecars). One line per event as it happens; at the end the figures as Markdown (bench/chaos/report.py).
# Every process is stopped at exit by its pid.
minutes=${1:?usage: bench/chaos/run.sh MINUTES [SEED]}
seed=${2:-$RANDOM}
source "$(dirname "$0")/../reconcile/common.sh"
export MESH_BENCH_PORT_BASE=${MESH_BENCH_PORT_BASE:-$((30000 + RANDOM % 120 * 20))}
CHAOS="python3 $PWD/bench/chaos/soak.py"
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the tree

# The operator launches the mesh-proxy next to meshctl: copies, so the upgrade never touches the build's binary.
mkdir -p "$dir/bin"
cp "$M" "$(dirname "$M")/mesh-proxy" "$dir/bin/"
M=$dir/bin/meshctl
export MESHCTL=$M

$CHAOS manifests "$dir/manifests"
start_mesh 3
for _ in $(seq 1 200); do  # Ready Services do not imply a listening gateway: wait for it, bounded
  (exec 3<>"/dev/tcp/127.0.0.1/$gateway") 2>/dev/null && break
  sleep 0.05
done

export WRK_SERIES=$dir/wrk-series.txt
wrk_start "$(python3 -c "print(int($minutes * 60))")" -s "$PWD/bench/chaos/wrk-series.lua"
$CHAOS run "$state" "$dir/manifests" "$minutes" "$gateway" "$dir/bin/mesh-proxy" "$seed" &
bench_pids+=($!)
wait "${bench_pids[0]}" || status=1
wait "$wrk_pid" || true
wrk_pid=
echo
$CHAOS report "$dir/record" "$dir/wrk.txt" "$WRK_SERIES" "$minutes"
[[ -n ${KEEP_RECORD:-} ]] && cp -r "$dir/record" "$dir/wrk.txt" "$WRK_SERIES" "$KEEP_RECORD"/
exit ${status:-0}
