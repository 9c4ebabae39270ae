#!/usr/bin/env bash
# Fuzz the manifest parser with libFuzzer (+ AddressSanitizer).
#   fuzz/run.sh [SECONDS]   (default 60) — builds fuzz/out/yaml-fuzz and runs it on fuzz/corpus
# New inputs found go to fuzz/out/corpus; crashes to fuzz/out/crash-*. Reproduce: fuzz/out/yaml-fuzz CRASH_FILE
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
mkdir -p fuzz/out/corpus
sources=$(find Sources/Manifests -name '*.swift' | sort)
echo "fuzz: building harness"
swiftc -O -g -parse-as-library -module-name ManifestsFuzz \
  -sanitize=fuzzer,address -I Sources/CYaml \
  fuzz/YAMLFuzz.swift fuzz/FuzzHooks.swift $sources \
  -lyaml -o fuzz/out/yaml-fuzz
echo "fuzz: running for ${seconds}s"
fuzz/out/yaml-fuzz -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=5 \
  -artifact_prefix=fuzz/out/ -print_final_stats=1 fuzz/out/corpus fuzz/corpus
