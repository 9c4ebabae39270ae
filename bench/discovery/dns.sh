#!/usr/bin/env bash
# The DNS interface under dnsperf (Debian's dnsperf): queries/s for 20 s, with the operator pinned to one core
# (taskset), and the operator's RSS before and after. Usage: bench/discovery/dns.sh STATE
set -euo pipefail
state=$1
address=$(cat "$state/dns.addr")
pid=$(cat "$state/operator.pid")
queries=$(mktemp)
trap 'rm -f "$queries"' EXIT
for name in svc-0 svc-1 front ext nope; do
  echo "$name.service.mesh A"; echo "$name.service.mesh SRV"; echo "instances.$name.service.mesh SRV"
done >"$queries"
rss() { grep VmRSS "/proc/$pid/status" | awk '{printf "%.1f MiB", $2/1024}'; }
taskset -pc 0 "$pid" >/dev/null
echo "operator RSS before: $(rss)"
dnsperf -s 127.0.0.1 -p "${address##*:}" -d "$queries" -l 20 -c 4 -Q 200000 -q 500 2>&1 \
  | grep -E 'Queries sent|Queries completed|Queries lost|Queries per second|Average Latency|Response codes'
echo "operator RSS after 20 s: $(rss)"
dnsperf -s 127.0.0.1 -p "${address##*:}" -d "$queries" -l 20 -c 4 -Q 200000 -q 500 2>&1 | grep -E 'Queries per second'
echo "operator RSS after 40 s: $(rss)"
taskset -pc 0-$(( $(nproc) - 1 )) "$pid" >/dev/null
