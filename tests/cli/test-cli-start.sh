#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The command-line tools' shared start-up (app/mien-cli.c): every binary
# answers --version with "NAME VERSION", and under a German locale the
# numbers printed for machines keep '.' decimals (mien-faces --json; the
# tools keep LC_NUMERIC at "C" while messages follow the user).
# Usage: test-cli-start.sh VERSION SAMPLE_PHOTO BINARY...
set -u
version=$1 photo=$2
shift 2
py=/usr/bin/python3
failures=0
faces=

for bin in "$@"; do
  name=$(basename "$bin")
  got=$("$bin" --version 2>&1)
  rc=$?
  if [ "$rc" != 0 ] || [ "$got" != "$name $version" ]; then
    echo "FAIL: $name --version: exit $rc, printed '$got', want '$name $version'"
    failures=$((failures + 1))
  fi
  # --version wins wherever it stands, even after a bad option.
  got=$("$bin" --no-such-option --version 2>/dev/null)
  [ "$got" = "$name $version" ] || {
    echo "FAIL: $name --no-such-option --version printed '$got'"
    failures=$((failures + 1))
  }
  # --memory-limit is every tool's, and a bad size is a usage error.
  got=$("$bin" --memory-limit=lots 2>&1)
  rc=$?
  if [ "$rc" != 2 ] || ! printf '%s' "$got" | grep -q -- "--memory-limit wants a size such as 8G or 512M: lots"; then
    echo "FAIL: $name --memory-limit=lots: exit $rc, printed '$got'"
    failures=$((failures + 1))
  fi
  [ "$name" = mien-faces ] && faces=$bin
done

if [ -n "$faces" ]; then
  # The cap from the option: the sample photo is refused before decoding,
  # naming the limit; without the option it opens.
  got=$("$faces" --memory-limit 1M "$photo" 2>&1)
  rc=$?
  if [ "$rc" = 0 ] || ! printf '%s' "$got" | grep -q "more than the memory limit of 1 MiB"; then
    echo "FAIL: mien-faces --memory-limit 1M: exit $rc, printed '$got'"
    failures=$((failures + 1))
  fi
  if ! printf '%s' "$("$faces" --memory-limit=4G "$photo" 2>&1)" | grep -qv "memory limit"; then
    echo "FAIL: mien-faces --memory-limit=4G refused the sample photo"
    failures=$((failures + 1))
  fi
fi

if [ -z "$faces" ]; then
  echo "FAIL: mien-faces not among the binaries"
  exit 1
fi
if ! locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$'; then
  echo "de_DE.UTF-8 is not installed: skipping the locale half"
  [ "$failures" = 0 ] && exit 77 || exit 1
fi
json=$(LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 "$faces" --json "$photo" 2>&1)
rc=$?
if [ "$rc" != 0 ] && printf '%s' "$json" | grep -q 'face models are missing'; then
  echo "no face models: skipping the locale half"
  [ "$failures" = 0 ] && exit 77 || exit 1
fi
if ! printf '%s' "$json" | "$py" -c '
import json, re, sys
text = sys.stdin.read()
d = json.loads(text)
f = d["faces"][0]
# A comma decimal would not even parse inside an object; and the printed
# form must be "%.6f" with a point.
assert re.search(r"\"x\": -?\d+\.\d{6}", text), "no point-decimal box.x"
assert not re.search(r"\d,\d{4}", text), "comma decimals"
assert isinstance(f["score"], float) and 0 < f["score"] <= 1, f["score"]
assert len(f["landmarks"]) == 68
'; then
  echo "FAIL: mien-faces --json under de_DE.UTF-8 (exit $rc):"
  printf '%s\n' "$json" | head -5
  failures=$((failures + 1))
fi
echo "$failures failures"
[ "$failures" = 0 ]
