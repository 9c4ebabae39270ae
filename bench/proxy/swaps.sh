#!/usr/bin/env bash
# swaps.sh - 20 configuration swaps (PUT /config every 0.5 s, weights moving between two backends) under a
# 50-connection wrk load; passes when wrk saw zero failed requests (socket errors, timeouts, non-2xx) and the
# proxy reports the last version. Usage: bench/proxy/swaps.sh   env: SWAPS=20 INTERVAL=0.5 CONNS=50
source "$(dirname "$0")/common.sh"
SWAPS=${SWAPS:-20}; INTERVAL=${INTERVAL:-0.5}; CONNS=${CONNS:-50}
A=18380; B=18381
start_nginx backends "server { listen 127.0.0.1:$A; location / { default_type text/plain; return 200 \"a\n\"; } }
  server { listen 127.0.0.1:$B; location / { default_type text/plain; return 200 \"b\n\"; } }"
config() { # version weightA weightB
  cat <<J
{"version": "$1",
 "listeners": [{"name": "in", "kind": "inbound", "address": "127.0.0.1:0", "service": "web"}],
 "services": [{"name": "web", "endpoints": ["127.0.0.1:$A"]},
              {"name": "web-a", "endpoints": ["127.0.0.1:$A"]}, {"name": "web-b", "endpoints": ["127.0.0.1:$B"]}],
 "splits": [{"name": "web", "rootService": "web", "backends": [{"service": "web-a", "weight": $2}, {"service": "web-b", "weight": $3}]}]}
J
}
config v0 100 0 > "$DIR/v0.json"
sleep 0.5; start_mesh "$DIR/v0.json"
DURATION=$(awk -v n="$SWAPS" -v i="$INTERVAL" 'BEGIN{printf "%d", n*i + 3}')
wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$MESH_PORT/" > "$DIR/wrk.txt" &
WRK=$!
sleep 1
ok=0
for i in $(seq 1 "$SWAPS"); do
  wa=$(( (i * 37) % 101 )); config "v$i" $wa $((100 - wa)) > "$DIR/v$i.json"
  code=$(curl -s -o "$DIR/put.$i" -w '%{http_code}' -X PUT --data-binary @"$DIR/v$i.json" "http://127.0.0.1:$ADMIN_PORT/config")
  [[ $code == 200 ]] && ok=$((ok + 1)) || { echo "swap $i: HTTP $code $(cat "$DIR/put.$i")"; }
  sleep "$INTERVAL"
done
wait $WRK
cat "$DIR/wrk.txt"
version=$(curl -s "http://127.0.0.1:$ADMIN_PORT/config" | awk -F'"' '/"version"/{print $4}')
errors=$(awk '/Socket errors|Non-2xx/{print}' "$DIR/wrk.txt")
echo "swaps accepted: $ok/$SWAPS, final version: $version, wrk errors: ${errors:-none}"
[[ $ok == "$SWAPS" && -z $errors && $version == "v$SWAPS" ]] && echo "PASS" || { echo "FAIL"; exit 1; }
