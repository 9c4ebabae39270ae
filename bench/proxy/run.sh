#!/usr/bin/env bash
# run.sh - the sidecar issue's benchmark: shared/bench/peers.sh with the sidecar proxy in quick mode as the extra
# target, in the same run as HAProxy and nginx (one worker thread each, loopback only). Builds the release binaries
# first. The proxy is `mesh-proxy` (what the operator runs); PROXY="$PWD/.build/release/meshctl proxy" measures the
# one-binary `meshctl proxy` instead.
#
# Usage: bench/proxy/run.sh            env: ROUNDS=3 DURATION=10 PEERS=/work/shared/bench/peers.sh THREADS=1 PROXY=
# Then compare the proxy's rows with haproxy's (rps at c=50, p50/p99 at c=1, RSS idle/load, vCPU/k).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${PEERS:-/work/shared/bench/peers.sh}
[[ -x $PEERS ]] || { echo "peers.sh not found at $PEERS (set PEERS=)"; exit 1; }
(cd "$ROOT" && swift build -c release --product mesh-proxy >/dev/null && swift build -c release --product meshctl >/dev/null)
PROXY=${PROXY:-$ROOT/.build/release/mesh-proxy}
export EXTRA_NAME=${EXTRA_NAME:-mesh-proxy}
export EXTRA_PROXY_CMD="$PROXY --threads ${THREADS:-1} --listen 127.0.0.1:\$EXTRA_PORT --to 127.0.0.1:\$BACKEND_PORT"
export SKIP_CADDY=${SKIP_CADDY:-1}
exec "$PEERS"
