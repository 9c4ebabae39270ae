#!/usr/bin/env bash
# latency.sh - added latency at one connection, mesh-proxy vs HAProxy, as a distribution: ROUNDS interleaved wrk -c1
# slices of DURATION seconds per target, then the median p50 and p99 over the slices and how often the proxy's p99
# was the lower one. A single slice's p99 at c=1 moves by ±50% on a shared 2-core machine (scheduling, not the
# proxies), so one peers.sh round cannot rank two proxies on it; many short interleaved slices can.
# Loopback only; kills only what it starts.
#
# Usage: bench/proxy/latency.sh [MESH_PROXY_BINARY]     env: ROUNDS=16 DURATION=3 BACKEND_PORT=18480
BIN=${1:-$(cd "$(dirname "$0")/../.." && pwd)/.build/release/mesh-proxy}
ROUNDS=${ROUNDS:-16}; DURATION=${DURATION:-3}
BACKEND_PORT=${BACKEND_PORT:-18480}
source "$(dirname "$0")/common.sh"
command -v python3 >/dev/null || { echo "need python3"; exit 1; }
start_quick_comparison "$BIN"
echo "# $(date -u +%FT%TZ) c=1, $ROUNDS rounds of ${DURATION}s per target, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  for target in haproxy:$HAPROXY_PORT mesh-proxy:$MESH_PORT; do
    out=$(wrk -t1 -c1 -d"${DURATION}s" --latency "http://127.0.0.1:${target#*:}/")
    echo "${target%%:*} $(awk '/^ +50%/{print $2}' <<<"$out") $(awk '/^ +99%/{print $2}' <<<"$out")"
  done
done > "$DIR/slices"
python3 - "$DIR/slices" <<'P'
import collections, statistics, sys
def micros(text):
    for unit, scale in (("us", 1), ("ms", 1000), ("s", 1e6)):
        if text.endswith(unit): return float(text[: -len(unit)]) * scale
    raise ValueError(text)
slices = collections.defaultdict(lambda: ([], []))
for line in open(sys.argv[1]):
    name, p50, p99 = line.split()
    slices[name][0].append(micros(p50)); slices[name][1].append(micros(p99))
for name, (p50, p99) in slices.items():
    print(f"{name:10s} p50 median {statistics.median(p50):6.1f} us   p99 median {statistics.median(p99):6.1f} us   p99 per slice {[round(x) for x in p99]}")
wins = sum(m < h for m, h in zip(slices["mesh-proxy"][1], slices["haproxy"][1]))
print(f"mesh-proxy p99 below haproxy's in {wins} of {len(slices['haproxy'][1])} paired slices")
P
