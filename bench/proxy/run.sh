#!/usr/bin/env bash
# run.sh - the sidecar issue's benchmark: shared/bench/peers.sh with meshctl's quick-mode proxy as the extra target,
# in the same run as HAProxy and nginx (one worker thread each, loopback only). Builds the release binary first.
#
# Usage: bench/proxy/run.sh            env: ROUNDS=3 DURATION=10 PEERS=/work/shared/bench/peers.sh THREADS=1
# Then compare the meshctl rows with haproxy's (rps at c=50, p50/p99 at c=1, RSS idle/load, vCPU/k).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${PEERS:-/work/shared/bench/peers.sh}
[[ -x $PEERS ]] || { echo "peers.sh not found at $PEERS (set PEERS=)"; exit 1; }
(cd "$ROOT" && swift build -c release --product meshctl >/dev/null)
export EXTRA_NAME=meshctl
export EXTRA_PROXY_CMD="$ROOT/.build/release/meshctl proxy --threads ${THREADS:-1} --listen 127.0.0.1:\$EXTRA_PORT --to 127.0.0.1:\$BACKEND_PORT"
export SKIP_CADDY=${SKIP_CADDY:-1}
exec "$PEERS"
