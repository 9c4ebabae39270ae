#!/usr/bin/env bash
# Benchmark: `meshctl validate` on 1,000 services with splits and retry policies in one directory.
# 250 apps, each a file with a root service, three versions (command, replicas, health check, outlier detection),
# a TrafficSplit and four RetryPolicies: 1,000 services, 250 splits, 1,000 retry policies (2,250 objects).
# Usage: bench/validate/run.sh [runs]   (default 10). Prints wall time and peak RSS per run.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-10}"

dir="$(mktemp -d -t meshctl-bench-validate.XXXXXX)"
trap 'rm -rf "$dir"' EXIT

for ((app = 0; app < 250; app++)); do
  file="$dir/app-$(printf %03d "$app").yaml"
  port=$((20000 + app * 4))
  {
    printf 'apiVersion: mesh.meshctl.dev/v1alpha1\nkind: Service\nmetadata:\n  name: app-%d\n  labels: {app: app-%d}\nspec:\n  port: %d\n' "$app" "$app" "$port"
    for v in 1 2 3; do
      printf -- '---\napiVersion: mesh.meshctl.dev/v1alpha1\nkind: Service\nmetadata:\n  name: app-%d-v%d\n  labels: {app: app-%d, version: v%d}\nspec:\n  port: %d\n  command: ["meshctl", "demo-app", "--version", "v%d"]\n  replicas: 2\n  env: {LOG_LEVEL: info}\n  healthCheck: {path: /healthz, interval: 2s, timeout: 500ms}\n  loadBalancer: p2c-ewma\n  outlierDetection: {consecutive5xxErrors: 5, baseEjectionTime: 10s}\n' \
        "$app" "$v" "$app" "$v" $((port + v)) "$v"
    done
    printf -- '---\napiVersion: split.smi-spec.io/v1alpha4\nkind: TrafficSplit\nmetadata:\n  name: app-%d\nspec:\n  service: app-%d\n  backends:\n  - service: app-%d-v1\n    weight: 80\n  - service: app-%d-v2\n    weight: 15\n  - service: app-%d-v3\n    weight: 5\n' "$app" "$app" "$app" "$app" "$app"
    for target in "app-$app" "app-$app-v1" "app-$app-v2" "app-$app-v3"; do
      printf -- '---\napiVersion: mesh.meshctl.dev/v1alpha1\nkind: RetryPolicy\nmetadata:\n  name: %s\nspec:\n  service: %s\n  attempts: 2\n  perTryTimeout: 500ms\n  timeout: 2s\n  retryOn: [5xx, connect-failure, reset]\n  backoff: {base: 25ms, max: 250ms}\n  budget: {percent: 20, minRetriesPerSecond: 10}\n' "$target" "$target"
    done
  } >"$file"
done
echo "bench: $(ls "$dir" | wc -l) files, $(cat "$dir"/*.yaml | wc -c) bytes in $dir"

swift build -c release --product meshctl >/dev/null
bin="$(swift build -c release --show-bin-path)/meshctl"
"$bin" validate -f "$dir"   # must be valid: prints "2250 objects valid (250 files)"

if command -v hyperfine >/dev/null; then
  hyperfine --warmup 2 --runs "$runs" "$bin validate -f $dir"
fi
# Always also measure peak RSS with GNU time (hyperfine does not report memory).
results="$(for ((i = 1; i <= runs; i++)); do
  /usr/bin/time -f "%e %M" "$bin" validate -f "$dir" 2>&1 >/dev/null | tail -1
done | sort -n)"   # sorted by wall time; portable awk (mawk) has no asort
echo "$results" | awk '{ wall[NR] = $1; if ($2 > max) max = $2 }
  END {
    printf "validate: %d runs, wall min %.3f s, median %.3f s, max %.3f s; peak RSS max %.1f MB\n",
      NR, wall[1], wall[int((NR + 1) / 2)], wall[NR], max / 1024
  }'
