#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Sets up, builds and runs the whole test suite. With --sanitize, also runs
# it once more built with AddressSanitizer and UndefinedBehaviorSanitizer.
# Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

sanitize=0
[ "${1:-}" = "--sanitize" ] && sanitize=1

scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0; failed=0; skipped=0

# run_suite BUILD_DIR "MESON_TEST_ARGS" [MESON_SETUP_ARGS...]
run_suite() {
  local dir=$1 test_args=$2; shift 2
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 \
      || { cat "$dir.setup.log"; failed=$((failed + 1)); return; }
  fi
  if ! ninja -C "$dir" >"$dir.build.log" 2>&1; then
    tail -n 60 "$dir.build.log"; failed=$((failed + 1)); return
  fi
  local log="$dir/meson-logs/summary.txt"
  # shellcheck disable=SC2086
  meson test -C "$dir" --print-errorlogs --num-processes 2 $test_args 2>&1 | tee "$log"
  # Meson's summary lines: "Ok: N", "Fail: N", "Unexpected Pass: N", ...
  count() { awk -v k="$1" -F: '$1 == k { gsub(/ /, "", $2); print $2 }' "$log" | tail -n 1; }
  local ok fail xpass timeout skip
  ok=$(count Ok); fail=$(count Fail); xpass=$(count "Unexpected Pass")
  timeout=$(count Timeout); skip=$(count Skipped)
  if [ -z "$ok" ]; then failed=$((failed + 1)); return; fi
  passed=$((passed + ok))
  failed=$((failed + ${fail:-0} + ${xpass:-0} + ${timeout:-0}))
  skipped=$((skipped + ${skip:-0}))
}

# The Debian package test (suite "package") runs once, at the end.
run_suite build "--no-suite package"
# The same suite again in German, where ',' is the decimal point: numbers in
# files and specs must stay C-locale, numbers on screen follow the user.
if locale -a 2>/dev/null | grep -qix 'de_DE\.utf-\?8'; then
  LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 run_suite build "--no-suite package"
else
  echo "de_DE.UTF-8 is not installed: the German run is missing"; failed=$((failed + 1))
fi
if ((sanitize)); then
  # The UI suite is left out here: GTK, fontconfig and Mesa keep allocations
  # for the life of the process, which LeakSanitizer reports as leaks that
  # are not ours. The engine and the app's own logic are covered.
  # -fno-sanitize-recover: any UBSan report fails the test that caused it.
  # Sanitized code at -O1 runs several times slower: timeouts are tripled.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-sanitize "--no-suite ui --no-suite package --timeout-multiplier 3" -Db_sanitize=address,undefined \
      -Dc_args=-fno-sanitize-recover=all -Db_lundef=false -Doptimization=1
fi
# The Debian package: built, installed with dpkg -i and run with no source
# tree (tests/package/test-deb.sh). A full build: skipped (counted as such)
# unless MIEN_PACKAGE_TEST=1, which .ci/run sets.
run_suite build "--suite package"

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
