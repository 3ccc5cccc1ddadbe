#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs one libFuzzer command with its output in LOG. Without
# MIEN_FUZZ_CPU_SECONDS it runs to its own end (-max_total_time, wall time).
# With MIEN_FUZZ_CPU_SECONDS=N it runs until the fuzzer itself has used N
# seconds of CPU (user + system, from /proc/PID/stat), however busy the
# machine is: then a watcher interrupts it, libFuzzer prints its final stats
# and exits with its interrupt code (72), which counts as success here. The
# caller gives a -max_total_time long enough not to end first.
# Prints "cpu_seconds N" last. Exit: the fuzzer's, or 0 when the budget ended it.
# Usage: cpu-budget.sh LOG COMMAND [ARG...]
set -u
log=$1; shift
budget=${MIEN_FUZZ_CPU_SECONDS:-}
"$@" >"$log" 2>&1 &
fuzzer=$!
used=0
tick=$(getconf CLK_TCK)
while kill -0 "$fuzzer" 2>/dev/null; do
  # Fields 14 and 15 of /proc/PID/stat (after the command in parentheses).
  ticks=$(sed 's/.*) //' "/proc/$fuzzer/stat" 2>/dev/null | awk '{print $12 + $13}')
  [ -n "$ticks" ] && used=$((ticks / tick))
  if [ -n "$budget" ] && [ "$used" -ge "$budget" ]; then
    kill -INT "$fuzzer"
    break
  fi
  sleep 5
done
rc=0; wait "$fuzzer" || rc=$?
echo "cpu_seconds $used"
if [ -n "$budget" ] && [ "$rc" -eq 72 ] && [ "$used" -ge "$budget" ]; then
  exit 0
fi
exit "$rc"
