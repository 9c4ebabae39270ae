#!/usr/bin/env bash
# Instructions per request+response head parse (callgrind), for a before/after comparison of parser changes:
#   fuzz/proxy/parse-cost.sh [GIT_REV]   (default: the working tree) — prints instructions per iteration
# Runs 10,000 and 20,000 iterations and divides the difference by 10,000, so start-up costs cancel out.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ $# -gt 0 ]; then
  for f in $(git ls-tree --name-only "$1" Sources/Sidecar/HTTP/); do git show "$1:$f" > "$out/$(basename "$f")"; done
else
  cp Sources/Sidecar/HTTP/*.swift "$out/"
fi
swiftc -O -wmo -parse-as-library -module-name ParseCost fuzz/proxy/ParseCost.swift "$out"/*.swift -o "$out/parse-cost"
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$out/parse-cost" "$1" 2>&1 | awk '/Collected/ {print $4}'; }
a=$(count 10000)
b=$(count 20000)
echo "instructions per request+response head: $(( (b - a) / 10000 ))"
