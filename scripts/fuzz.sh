#!/usr/bin/env bash
# Runs every libFuzzer target of a `fuzz` build for a bounded time, two at a time (one per core).
# Usage: scripts/fuzz.sh BUILD_DIR SECONDS_PER_TARGET
# Each target starts from its seed corpus in tests/fuzz/corpus/NAME and grows a working corpus in
# BUILD_DIR/corpus/NAME; a crash leaves its input in BUILD_DIR/artifacts/ and fails the run.
set -euo pipefail
build=${1:?build dir}
seconds=${2:?seconds per target}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$build/artifacts" "$build/logs"

run_one() {
  local bin=$1 seconds=$2 build=$3 root=$4
  local name; name=$(basename "$bin" _fuzz)
  mkdir -p "$build/corpus/$name"
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/${name}-" \
    "$build/corpus/$name" "$root/tests/fuzz/corpus/$name" >"$build/logs/$name.log" 2>&1
  local rc=$?
  echo "$name: $(grep -E '^stat::number_of_executed_units' "$build/logs/$name.log" | awk '{print $2}') runs in ${seconds}s, exit $rc"
  return $rc
}
export -f run_one

ls "$build"/tests/fuzz/*_fuzz >/dev/null
printf '%s\n' "$build"/tests/fuzz/*_fuzz |
  xargs -P 2 -I{} bash -c 'run_one "$@"' _ {} "$seconds" "$build" "$root"
