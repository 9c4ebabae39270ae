#!/usr/bin/env bash
# bench/rollout: the demo's canary under 50-connection load, from a release build.
#   bench/rollout/run.sh [CONNECTIONS]   (default 50)
# Prints the demo's output; the figures to read are the summary lines ("lost 0" per phase) and the time from the
# faulty apply to "Failed" against the bound (threshold + 1) × interval = (2 + 1) × 3 s = 9 s.
#   bench/rollout/run.sh bluegreen [CONNECTIONS]   blue-green switch and rollback (bench/rollout/bluegreen.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ ${1:-} == bluegreen ]]; then
  shift
  exec bench/rollout/bluegreen.sh "$@"
fi
connections=${1:-50}
swift build -c release --product meshctl >/dev/null && swift build -c release --product mesh-proxy >/dev/null  # the operator runs mesh-proxy when it sits next to meshctl
out=$(mktemp)
.build/release/meshctl demo --connections "$connections" | tee "$out"
start=$(grep -m1 "applying v3" "$out" | sed -E 's/^\[([^]]+)\].*/\1/')
end=$(grep -m1 "rollout: Failed" "$out" | sed -E 's/^\[([^]]+)\].*/\1/')
if [[ -n $start && -n $end ]]; then
  echo "rollback: faulty version applied at $start, traffic back on stable (Failed) at $end"
fi
rm -f "$out"
