#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The whole frame (tests/bench/bench-generator: generator, ResWarp, the
# animator's paints and paste, 1K and 4K, vanilla and multiscale) of a
# baseline build against this checkout's build, default and with
# "Sharper skin detail" (MIEN_RESWARP_CUBIC=1 MIEN_RESWARP_TRANSPORT=1, what
# --sharp sets), in turns, ROUNDS rounds, then the median of the rounds'
# frame medians and the smallest frame of each, and the ratios to the
# baseline (issue #26 bounds "now, --sharp" at 1.25).
#
# Usage: scripts/bench-frame-compare.sh BASELINE_BUILD [BUILD] [ROUNDS]
#   e.g. git worktree add /tmp/b144 144fe72 && (cd /tmp/b144 &&
#        meson setup build && ninja -C build tests/bench/bench-generator)
#        scripts/bench-frame-compare.sh /tmp/b144/build build 7
# Run it on an otherwise idle machine; it prints Markdown.
set -euo pipefail
base=${1:?usage: $0 BASELINE_BUILD [BUILD] [ROUNDS]}
build=${2:-build}
rounds=${3:-7}
root=$(cd "$(dirname "$0")/.." && pwd)
export MIEN_SOURCE_ROOT=$root
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for r in $(seq "$rounds"); do
  echo "## round $r baseline-default" >> "$log"
  "$base/tests/bench/bench-generator" 30 5 2 2>&1 | grep "crop |" >> "$log"
  echo "## round $r now-default" >> "$log"
  "$build/tests/bench/bench-generator" 30 5 2 2>&1 | grep "crop |" >> "$log"
  echo "## round $r now-sharp" >> "$log"
  MIEN_RESWARP_CUBIC=1 MIEN_RESWARP_TRANSPORT=1 \
    "$build/tests/bench/bench-generator" 30 5 2 2>&1 | grep "crop |" >> "$log"
done
echo "$(uptime), $rounds rounds, $(nproc) cores"
/usr/bin/python3 - "$log" <<'PY'
import re, statistics, sys
runs = {}
build = None
for line in open(sys.argv[1]):
    m = re.match(r'## round \d+ (\S+)', line)
    if m:
        build = m.group(1)
        continue
    m = re.match(r'\| (\d+)² crop \| (\w+) \| ([\d.]+) \| ([\d.]+) \|', line)
    if m and build:
        key = f'{m.group(1)}², {m.group(2)}'
        runs.setdefault((key, build), []).append((float(m.group(3)),
                                                  float(m.group(4))))
builds = ['baseline-default', 'now-default', 'now-sharp']
keys = sorted({k for k, _ in runs}, key=lambda s: (int(s.split('²')[0]), s))
print('| frame, ms | ' + ' | '.join(f'{b} median (min)' for b in builds)
      + ' | now-default / baseline | now-sharp / baseline |')
print('|' + '---|' * (len(builds) + 3))
for key in keys:
    med = {b: statistics.median(x[0] for x in runs[(key, b)]) for b in builds}
    low = {b: min(x[1] for x in runs[(key, b)]) for b in builds}
    print(f'| {key} | ' + ' | '.join(f'{med[b]:.1f} ({low[b]:.1f})'
                                     for b in builds)
          + f' | {med["now-default"] / med["baseline-default"]:.2f}'
          + f' | {med["now-sharp"] / med["baseline-default"]:.2f} |')
PY
