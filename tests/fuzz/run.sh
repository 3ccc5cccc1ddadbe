#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs one libFuzzer target of tests/fuzz for SECONDS (default 5, the CI
# smoke time): builds it (build.sh), replays its regression inputs
# (tests/fuzz/regressions/NAME/: every crash found so far, each must now
# pass), seeds a corpus from the test data, fuzzes, and prints libFuzzer's
# final stats. A crash, leak, sanitizer report or timeout fails the test and
# leaves the input in OUT/NAME-crash-*.
# Usage: [MIEN_FUZZ_CPU_SECONDS=N] run.sh NAME [SECONDS [OUT]]
#        (OUT default: $MIEN_BUILD_ROOT/tests/fuzz)
set -euo pipefail
name=$1
seconds=${2:-5}
src=${MIEN_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
out=${3:-${MIEN_BUILD_ROOT:?set MIEN_BUILD_ROOT or give OUT}/tests/fuzz}
py=/usr/bin/python3
rc=0; "$src/tests/fuzz/build.sh" "$src" "$out" "$name" || rc=$?
[ $rc -eq 0 ] || exit $rc
corpus="$out/corpus-$name"
mkdir -p "$corpus"
"$py" "$src/tests/fuzz/seeds.py" "$name" "$src" "$corpus"
opts=(-rss_limit_mb=2048 -timeout=20 -print_final_stats=1 -artifact_prefix="$out/$name-")
case $name in
  # GdkPixbuf's BMP loader reallocs 2.4 GB (untouched) for a 154-byte header
  # (tests/fuzz/findings/): a system library's, not ours to fix. A single
  # allocation may be large; real memory is still capped by -rss_limit_mb.
  fuzz-image) opts+=(-max_len=65536 -malloc_limit_mb=8192) ;;
  fuzz-pfm|fuzz-flo) opts+=(-max_len=65536) ;;
  fuzz-specs) opts+=(-max_len=256) ;;
  *) opts+=(-max_len=16384) ;;
esac
# Photos: the default memory cap is half the physical memory, under which a
# 98-byte WebP declaring 11559×11825 is decoded (1.8 GB, 3 s; over 20 s
# instrumented: a libFuzzer timeout). A small cap makes the loader refuse
# such photos before decoding, which is the path worth fuzzing.
[ "$name" = fuzz-image ] && export MIEN_MEMORY_LIMIT=${MIEN_MEMORY_LIMIT:-256M}
regressions="$src/tests/fuzz/regressions/$name"
if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
  ASAN_OPTIONS=detect_leaks=1 "$out/$name" "${opts[@]}" "$regressions"/* \
    >"$out/$name-regressions.log" 2>&1 \
    || { tail -n 40 "$out/$name-regressions.log"; echo "FAIL: a regression input of $name"; exit 1; }
  echo "$name: $(ls "$regressions" | wc -l) regression inputs pass"
fi
# SECONDS is wall time; with MIEN_FUZZ_CPU_SECONDS=N the run lasts N
# seconds of the fuzzer's own CPU time instead (cpu-budget.sh).
[ -n "${MIEN_FUZZ_CPU_SECONDS:-}" ] && seconds=$((MIEN_FUZZ_CPU_SECONDS * 20))
rc=0
budget_out=$(ASAN_OPTIONS=detect_leaks=1 "$src/tests/fuzz/cpu-budget.sh" "$out/$name.log" \
  "$out/$name" "${opts[@]}" -max_total_time="$seconds" "$corpus") || rc=$?
if [ $rc -ne 0 ]; then
  tail -n 60 "$out/$name.log"; echo "FAIL: $name (exit $rc)"; exit 1
fi
cpu_used=${budget_out##* }
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$name.log")
last=$(grep -E '^#[0-9]+' "$out/$name.log" | tail -n 1)
cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
echo "$name: ${seconds}s wall limit, ${cpu_used} CPU-s, $execs executions, cov $cov, ft $ft, corpus $(ls "$corpus" | wc -l) files, no crash"
