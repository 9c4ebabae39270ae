#!/usr/bin/env bash
# Fuzz the sidecar's HTTP head parser and body framer with libFuzzer (+ AddressSanitizer).
#   fuzz/proxy/run.sh [SECONDS]   (default 60) — builds fuzz/proxy/out/http-fuzz, runs it on fuzz/proxy/corpus
# The parser sources (Sources/Sidecar/HTTP) depend on nothing but the standard library, so they are compiled
# together with the harness into one module. New inputs go to fuzz/proxy/out/corpus; crashes to
# fuzz/proxy/out/crash-*. Reproduce one: fuzz/proxy/out/http-fuzz CRASH_FILE
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
mkdir -p fuzz/proxy/out/corpus
sources=$(find Sources/Sidecar/HTTP -name '*.swift' | sort)
echo "fuzz: building harness"
swiftc -O -g -parse-as-library -module-name SidecarHTTPFuzz -sanitize=fuzzer,address \
  fuzz/proxy/ProxyFuzz.swift $sources -o fuzz/proxy/out/http-fuzz
echo "fuzz: running for ${seconds}s"
fuzz/proxy/out/http-fuzz -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 -timeout=5 \
  -dict=fuzz/proxy/http.dict -artifact_prefix=fuzz/proxy/out/ -print_final_stats=1 \
  fuzz/proxy/out/corpus fuzz/proxy/corpus
