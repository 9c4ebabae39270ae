#!/usr/bin/env bash
# fault-accuracy.sh - issue 17's measured item: injected fault percentages within ±2 points and local rate limits
# within ±5 % over 10,000 requests, through real mesh-proxy processes in config mode (one thread each, as sidecars
# run), nginx behind them. Prints the measured figure beside the configured one.
#
# - faults: one outbound listener whose service has a FaultInjection of abort 503 at ABORT % and a delay of DELAY_MS
#   at DELAY %; N requests (h2load, 100 keep-alive connections). Aborted: status 503; delayed: took >= DELAY_MS (an
#   undelayed request takes a few ms; DELAY_MS is large so that a scheduling stall of a loaded machine, which can
#   hold a request for a few hundred ms, is not counted as a delay). Drawn independently: a request may be both.
# - rate limits: RPS/s, burst BURST, offered OFFERED/s (h2load --rps over 50 connections) for N/OFFERED seconds.
#   Admitted (status 200) is compared twice: with burst + RPS x the time between the first and the last request sent
#   (the ideal when demand never pauses), and with what an exact token bucket admits for the same send times (so a
#   pause of the load generator, an HTTP/1.1 client waiting for a slow answer, which lets the bucket fill and waste
#   tokens, is not counted against the proxy). Once for a Service's `rateLimit` (an inbound listener) and once for an
#   HTTPRoute rule's RateLimit (an outbound listener's split rule).
# Loopback only; kills only what it starts (by PID).
#
# Usage: bench/proxy/fault-accuracy.sh [MESH_PROXY_BINARY]
#   env: N=10000 ABORT=10 DELAY=25 DELAY_MS=400 RPS=500 BURST=50 OFFERED=1000 BACKEND_PORT=18590
BIN=${1:-$(cd "$(dirname "$0")/../.." && pwd)/.build/release/mesh-proxy}
N=${N:-10000}; ABORT=${ABORT:-10}; DELAY=${DELAY:-25}; DELAY_MS=${DELAY_MS:-400}
RPS=${RPS:-500}; BURST=${BURST:-50}; OFFERED=${OFFERED:-1000}
BACKEND_PORT=${BACKEND_PORT:-18590}
source "$(dirname "$0")/common.sh"
command -v h2load >/dev/null || { echo "need h2load (apt-get install nghttp2-client)"; exit 1; }
[[ -x $BIN ]] || { echo "build first: swift build -c release --product mesh-proxy (or pass a binary)"; exit 1; }
start_ok_backend "$BACKEND_PORT"
for _ in $(seq 1 30); do curl -sf "http://127.0.0.1:$BACKEND_PORT/" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$BACKEND_PORT/" >/dev/null || { cat "$DIR/backend.err"; echo "nginx not answering on $BACKEND_PORT (BACKEND_PORT=another)"; exit 1; }

# start_proxy NAME LISTENER_KIND SERVICES_JSON [EXTRA_JSON] -> PORT[NAME]
declare -A PORT
start_proxy() {
  cat > "$DIR/$1.json" <<J
{"version": "bench-$1",
 "listeners": [{"name": "$1", "kind": "$2", "address": "127.0.0.1:0", "service": "web"}],
 "services": $3${4:-}}
J
  "$BIN" --config "$DIR/$1.json" --threads 1 >"$DIR/$1.out" 2>"$DIR/$1.err" & PIDS+=($!)
  for _ in $(seq 1 50); do grep -q '^listening' "$DIR/$1.out" 2>/dev/null && break; sleep 0.1; done
  PORT[$1]=$(awk '/^listening/{split($3,a,":"); print a[2]; exit}' "$DIR/$1.out")
  [[ -n ${PORT[$1]} ]] || { cat "$DIR/$1.err"; echo "$1 did not start"; exit 1; }
}
BACKEND="[\"127.0.0.1:$BACKEND_PORT\"]"
start_proxy faults outbound "[{\"name\": \"web\", \"endpoints\": $BACKEND}]" ",
 \"faults\": [{\"name\": \"faultinjection/bench\", \"service\": \"web\",
             \"delay\": {\"fixedDelay\": \"${DELAY_MS}ms\", \"percentage\": $DELAY},
             \"abort\": {\"httpStatus\": 503, \"percentage\": $ABORT}}]"
start_proxy service inbound "[{\"name\": \"web\", \"endpoints\": $BACKEND,
              \"rateLimit\": {\"requestsPerSecond\": $RPS, \"burst\": $BURST}}]"
start_proxy route outbound "[{\"name\": \"web\", \"endpoints\": []}, {\"name\": \"v1\", \"endpoints\": $BACKEND}]" ",
 \"splits\": [{\"name\": \"httproute/web\", \"rootService\": \"web\", \"backends\": [{\"service\": \"v1\", \"weight\": 1}],
             \"matches\": [], \"rules\": [{\"name\": \"all\", \"backends\": [{\"service\": \"v1\", \"weight\": 1}],
                                         \"filters\": {\"rateLimit\": {\"requestsPerSecond\": $RPS, \"burst\": $BURST}}}]}]"

echo "# $(date -u +%FT%TZ) $BIN (tree at $(git -C "$ROOT" rev-parse --short HEAD)) N=$N load: $(cut -d' ' -f1-3 /proc/loadavg)"
h2load --h1 -n "$N" -c 100 --log-file "$DIR/faults.log" "http://127.0.0.1:${PORT[faults]}/" >"$DIR/faults.h2load"
seconds=$(awk -v n="$N" -v r="$OFFERED" 'BEGIN{printf "%.0f", n / r}')
for name in service route; do
  sleep 1.5  # a full bucket for each, whatever ran before
  h2load --h1 -c 50 --rps $((OFFERED / 50)) -D "$seconds" --log-file "$DIR/$name.log" "http://127.0.0.1:${PORT[$name]}/" >"$DIR/$name.h2load"
done
/usr/bin/python3 - "$DIR" "$N" "$ABORT" "$DELAY" "$DELAY_MS" "$RPS" "$BURST" "$OFFERED" <<'P'
import sys
folder, n, abort, delay, delay_ms, rps, burst, offered = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:])
def rows(name):  # h2load's per-request log: start (µs), status, duration (µs)
    return [(int(start), int(status), int(took)) for start, status, took in (l.split()[:3] for l in open(f"{folder}/{name}.log"))]
faults = rows("faults")
total = len(faults)
aborted = sum(1 for _, status, _ in faults if status == 503)
delayed = sum(1 for _, _, took in faults if took >= delay_ms * 1000)
other = sorted({status for _, status, _ in faults} - {200, 503})
for what, configured, count in (("abort 503", abort, aborted), (f"delay {delay_ms:.0f}ms", delay, delayed)):
    measured = 100 * count / total
    ok = "yes" if abs(measured - configured) <= 2 else "NO"
    print(f"{what:18s} configured {configured:6.2f} %  measured {measured:6.2f} %  ({count} of {total})  within ±2 points: {ok}")
if other: print(f"  unexpected statuses: {other}")
for name, where in (("service", "Service rateLimit (inbound)"), ("route", "HTTPRoute rule RateLimit (outbound)")):
    sent = rows(name)
    starts = sorted(start for start, _, _ in sent)
    elapsed = (starts[-1] - starts[0]) / 1e6
    admitted = sum(1 for _, status, _ in sent if status == 200)
    limited = sum(1 for _, status, _ in sent if status == 429)
    ideal = burst + rps * elapsed
    # An exact bucket fed the same send times, in whole units (a token is 10^6 units, each µs adds rps units).
    units, last, exact = int(burst) * 10**6, starts[0], 0
    for start in starts:
        units = min(int(burst) * 10**6, units + (start - last) * int(rps))
        last = start
        if units >= 10**6:
            units -= 10**6
            exact += 1
    gap = max(b - a for a, b in zip(starts, starts[1:])) / 1000
    print(f"{where}, {rps:.0f}/s burst {burst:.0f}: offered {len(sent) / elapsed:.0f}/s for {elapsed:.2f} s "
          f"({len(sent)} requests, longest pause {gap:.0f} ms), admitted {admitted} ({admitted / elapsed:.1f}/s), 429 {limited}")
    for label, expected in ((f"burst + {rps:.0f} x {elapsed:.2f} s", ideal), ("an exact bucket, same send times", exact)):
        error = 100 * (admitted - expected) / expected
        ok = "yes" if abs(error) <= 5 else "NO"
        print(f"    vs {expected:6.0f} ({label}): {error:+.2f} %  within ±5 %: {ok}")
P
