#!/usr/bin/env bash
# rss-churn.sh MINUTES MODE - one kind of the chaos soak's churn at a time, to take a proxy's RSS growth apart
# (issue 13): a 3-service mesh (bench/reconcile/common.sh), wrk at 50 connections through the gateway to `front` for
# MINUTES, and MODE:
#   load       nothing else (the baseline)
#   weights    a weight change on `front` every 3 s
#   kills      SIGKILL of svc-2's sidecar 1 every ~30 s (the operator restarts it)
#   services   a Service `extra` applied and deleted in turn, 4 s apart
#   revisions  a new revision of svc-1 (its command changed) every 8 s
#   mixed      all of the soak's churn at once and faster (bench/chaos/mixed.py: kills, weights, `extra`, revisions
#              every 1.5-3 s, a canary every minute, an operator kill every 5), sampling the gateway's RSS, /metrics,
#              /stats and glibc's bytes in use every minute (SAMPLE_EVERY, GLIBC_EVERY seconds)
# Prints the gateway's (and its anonymous part), svc-0/sidecar/0's and the operator's VmRSS about every 30 s, then
# wrk's totals and glibc's account of the gateway (gdb: malloc_stats, then RSS before and after malloc_trim(0)).
# Usage: bench/chaos/rss-churn.sh [MINUTES=12] [MODE=load]   env: BIN=<release meshctl> (skips the build)
source "$(dirname "$0")/../reconcile/common.sh"
minutes=${1:-12}
mode=${2:-load}
[[ $mode =~ ^(load|weights|kills|services|revisions|mixed)$ ]] || { sed -n 2,14p "$0"; exit 1; }
[[ $mode == mixed ]] && PYTHONDONTWRITEBYTECODE=1 python3 bench/chaos/soak.py manifests "$dir/manifests"  # canary, retries
start_mesh 3
wrk_start $((minutes * 60 + 5))
if [[ $mode == mixed ]]; then
  PYTHONDONTWRITEBYTECODE=1 python3 bench/chaos/mixed.py "$state" "$dir/manifests" "$minutes" "$gateway" "${SEED:-1313}" \
    "${SAMPLE_EVERY:-60}" "${GLIBC_EVERY:-300}" &
  bench_pids+=($!)
  wait "${bench_pids[-1]}" || true
fi
pid_of() { $MESH pids "$state" | python3 -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }
rss_of() { awk '/VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null; }
anon_of() { awk '/RssAnon/{print $2}' "/proc/$1/status" 2>/dev/null; }
extra_port=$(( ${MESH_BENCH_PORT_BASE:-31000} + 10 ))
end=$(( $(date +%s) + minutes * 60 ))
last_sample=0
i=0
while [[ $mode != mixed ]] && (( $(date +%s) < end )); do
  i=$((i + 1))
  case $mode in
    load) sleep 3 ;;
    weights) $MESH changes "$state" "$dir/manifests" 3 1 api >/dev/null 2>&1 || true; sleep 3 ;;
    kills) (( i % 10 == 0 )) && { kill -9 "$(pid_of svc-2/sidecar/1)" 2>/dev/null || true; }; sleep 3 ;;
    services)
      printf 'apiVersion: mesh.meshctl.dev/v1alpha1\nkind: Service\nmetadata: {name: extra}\nspec:\n  port: %s\n  command: [meshctl, demo-app, --version, v1]\n  replicas: 1\n' \
        "$extra_port" >"$dir/extra.yaml"
      "$M" apply --state-dir "$state" -f "$dir/extra.yaml" >/dev/null; sleep 4
      "$M" delete --state-dir "$state" service extra >/dev/null; sleep 4 ;;
    revisions)
      python3 - "$dir/manifests/mesh.yaml" "$i" >"$dir/revision.yaml" <<'PY'
import sys
text, n = open(sys.argv[1]).read(), sys.argv[2]
start = text.index("name: svc-1")
at = text.index("--version, v1]", start)
print(text[:at] + f"--version, r{n}]" + text[at + len("--version, v1]"):])
PY
      "$M" apply --state-dir "$state" -f "$dir/revision.yaml" >/dev/null; sleep 8 ;;
  esac
  if (( $(date +%s) - last_sample >= 30 )); then
    last_sample=$(date +%s)
    echo "$(date +%T) gateway $(rss_of "$(pid_of gateway/gateway/0)") kB (anonymous $(anon_of "$(pid_of gateway/gateway/0)"))  svc-0/sidecar/0 $(rss_of "$(pid_of svc-0/sidecar/0)") kB  operator $(rss_of "$(cat "$state/operator.pid")") kB  load $(cut -d' ' -f1 /proc/loadavg)"
  fi
done
wrk_report || true
# glibc's account of the gateway (through gdb, after wrk): memory in use that grew is a leak; memory held but free,
# which malloc_trim(0) gives back, is fragmentation (bench/proxy/rss-soak.sh does the same for a lone proxy).
gw=$(pid_of gateway/gateway/0)
gw_log=$(ls "$state"/logs/gateway* 2>/dev/null | grep -v access | head -n 1)
if command -v gdb >/dev/null && [[ -n $gw && -n $gw_log ]]; then
  gdb -p "$gw" -batch -ex 'call (void) malloc_stats()' >/dev/null 2>&1
  echo "gateway glibc malloc_stats (all arenas): $(grep -A2 '^Total' "$gw_log" | tail -n 3 | tr -s ' \n' ' ')"
  echo "gateway RSS before malloc_trim(0): $(rss_of "$gw") kB (anonymous $(anon_of "$gw"))"
  gdb -p "$gw" -batch -ex 'call (int) malloc_trim(0)' >/dev/null 2>&1
  echo "gateway RSS after malloc_trim(0):  $(rss_of "$gw") kB (anonymous $(anon_of "$gw"))"
fi
