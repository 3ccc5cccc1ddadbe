#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs every fuzzer of the project for SECONDS each (default 60) and prints
# libFuzzer's final stats per parser: the targets of tests/fuzz (project
# files, landmark JSON, .flo, PFM, AU/keyframe strings, the nn JSON reader,
# photos through mien_image_load), the weight loader (tests/nn) and the
# safetensors/ATW loader (tests/atw). Corpora persist in OUT between runs,
# so repeated runs go deeper. Needs clang with libFuzzer (scripts/setup.sh).
# With MIEN_FUZZ_CPU_SECONDS=N in the environment each fuzzer runs N seconds
# of its own CPU time instead (tests/fuzz/cpu-budget.sh): the record the
# issue asks for is MIEN_FUZZ_CPU_SECONDS=1800 scripts/fuzz.sh.
# Usage: scripts/fuzz.sh [SECONDS [OUT]]   (OUT default: build-fuzz)
set -uo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$root/build-fuzz}
mkdir -p "$out"
out=$(cd "$out" && pwd)
export MIEN_SOURCE_ROOT=$root MIEN_BUILD_ROOT=$out
failed=()
for name in fuzz-project fuzz-landmarks fuzz-flo fuzz-pfm fuzz-specs fuzz-json fuzz-image; do
  echo "== $name (${seconds}s): $root/tests/fuzz/run.sh $name $seconds $out/tests/fuzz"
  "$root/tests/fuzz/run.sh" "$name" "$seconds" "$out/tests/fuzz" | tail -n 1 || failed+=("$name")
done
echo "== fuzz-weights (${seconds}s)"
bash "$root/tests/nn/fuzz-weights.sh" "$root" "$out/tests/nn" "$seconds" || failed+=(fuzz-weights)
echo "== atw-loader (${seconds}s)"
FUZZ_SECONDS=$seconds bash "$root/tests/atw/run-fuzz.sh" | grep -E "stat::|Done|ERROR" || failed+=(atw-loader)
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]} (inputs and logs in $out)"
  exit 1
fi
echo "all fuzzers ran ${seconds}s without a crash, leak or sanitizer report"
