#!/usr/bin/env bash
# batch.sh - the whole program on a batch, as users run it: wall time, runs
# per second and peak memory (max RSS, GNU time) of `cascade run` on the
# England baseline with parameter uncertainty, at 100, 1,000 and 10,000
# runs on 1 and 2 threads, including writing the HDF5 file and its
# summaries. Prints a markdown table for bench/RESULTS.md.
#
#   bench/batch.sh [BUILD_DIR] [RUN_COUNTS...]   (defaults: build 100 1000 10000)
#
# Takes about 20 minutes at the defaults on 2 cores. Needs /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(100 1000 10000)
scenario=scenarios/england-baseline-uncertain.yaml
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "| runs | threads | wall (s) | runs/s | peak RSS (MB) | file (MB) |"
echo "|-----:|--------:|---------:|-------:|--------------:|----------:|"
for n in "${counts[@]}"; do
  for t in 1 2; do
    /usr/bin/time -f '%e %M' -o "$out/time" \
      "$build/cascade" run "$scenario" -n "$n" --threads "$t" -q -o "$out/b.h5"
    read -r wall rss < "$out/time"
    size=$(stat -c %s "$out/b.h5")
    awk -v n="$n" -v t="$t" -v w="$wall" -v r="$rss" -v s="$size" 'BEGIN {
      printf "| %d | %d | %.1f | %.1f | %.0f | %.0f |\n", n, t, w, n / w,
             r / 1024, s / 1e6 }'
    rm -f "$out/b.h5"
  done
done
