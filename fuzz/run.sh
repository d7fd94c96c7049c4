#!/usr/bin/env bash
# Runs one fuzz target for a number of seconds on a copy of its seed corpus and prints how
# many inputs it executed. A crash stops it with a non-zero status and leaves the input in
# _build/fuzz/crash-*; add that input to tests as a regression case.

set -euo pipefail
target=$1
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
build=${FUZZ_BUILD:-$here/../_build/fuzz}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/corpus/$target/." "$work/"
cd "$build"
log=$work/log.txt
extra=(-timeout=10)
rc=0
# allocator_may_return_null: absurd sizes in damaged input must meet the null that malloc
# returns in production, not an ASan abort.
ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 "./fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 -seed=1 \
  -max_len=65536 -artifact_prefix="$build/" "${extra[@]}" "$work" >"$log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
  tail -40 "$log"
  echo "fuzz_$target: FAILED (crash input saved in $build)" >&2
  exit 1
fi
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
echo "fuzz_$target: ${runs:-?} inputs in ${seconds} s, no crash"
