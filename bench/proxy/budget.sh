#!/usr/bin/env bash
# budget.sh - retry budget against a backend that fails 50% of requests (nginx split_clients on $request_id):
# the upstream sees at most (1 + percent/100) × client requests, plus the budget's floor of minRetriesPerSecond over
# (run + its 10 s window), plus the CONNS requests in flight when wrk stops counting. MIN_RPS=0 gives the strict
# "(1 + budget) × client requests" check of the issue.
# Usage: bench/proxy/budget.sh   env: CONNS=50 DURATION=10 PERCENT=20 MIN_RPS=10
source "$(dirname "$0")/common.sh"
CONNS=${CONNS:-50}; DURATION=${DURATION:-10}; PERCENT=${PERCENT:-20}; MIN_RPS=${MIN_RPS:-10}
P=18390
start_nginx flaky "split_clients \"\${request_id}\" \$fail { 50% 1; * 0; }
  server { listen 127.0.0.1:$P; location / { default_type text/plain; if (\$fail) { return 500 \"fail\n\"; } return 200 \"ok\n\"; } }"
cat > "$DIR/config.json" <<J
{"version": "budget",
 "listeners": [{"name": "in", "kind": "inbound", "address": "127.0.0.1:0", "service": "flaky"}],
 "services": [{"name": "flaky", "endpoints": ["127.0.0.1:$P"]}],
 "retryPolicies": [{"name": "r", "service": "flaky", "attempts": 5, "retryOn": ["5xx"],
                    "backoff": {"base": "1ms", "max": "5ms", "jitter": 0.5},
                    "budget": {"percent": $PERCENT, "minRetriesPerSecond": $MIN_RPS}}]}
J
sleep 0.5; start_mesh "$DIR/config.json"
wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$MESH_PORT/" > "$DIR/wrk.txt"
cat "$DIR/wrk.txt"
client=$(awk '/requests in/{print $1}' "$DIR/wrk.txt")
curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" > "$DIR/metrics.txt"
upstream=$(awk '/^mesh_requests_total\{service="flaky"/{s+=$2} END{print s+0}' "$DIR/metrics.txt")
retries=$(awk '/^mesh_retries_total\{service="flaky"/{print $2}' "$DIR/metrics.txt")
refused=$(awk '/^mesh_retries_budget_exhausted_total\{service="flaky"/{print $2}' "$DIR/metrics.txt")
bound=$(awk -v c="$client" -v p="$PERCENT" -v m="$MIN_RPS" -v d="$DURATION" -v n="$CONNS" 'BEGIN{printf "%.0f", c*(1+p/100) + m*(d+10) + n}')
ratio=$(awk -v u="$upstream" -v c="$client" 'BEGIN{printf "%.3f", u/c}')
echo "client requests: $client, upstream requests: $upstream (ratio $ratio), retries: $retries, refused by budget: $refused, bound: $bound"
(( upstream <= bound )) && echo "PASS" || { echo "FAIL"; exit 1; }
