#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# mien-reswarp on bad input: a one-line error naming the problem, a non-zero
# exit, and no output file (nor temporary) left behind.
set -u
tool=$1
py=/usr/bin/python3
ref="$(dirname "$0")/../reference"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# Valid inputs to start from.
"$py" - "$tmp" "$ref" <<'PY'
import sys, numpy as np
sys.path.insert(0, sys.argv[2])
import mien_files as mf
t = sys.argv[1]
rng = np.random.default_rng(1)
mf.write_pfm(f"{t}/hd.pfm", rng.uniform(0, 1, (256, 256, 3)))
mf.write_pfm(f"{t}/low.pfm", rng.uniform(0, 1, (128, 128, 3)))
mf.write_pfm(f"{t}/low64.pfm", rng.uniform(0, 1, (64, 64, 3)))
mf.write_flo(f"{t}/ok.flo", rng.uniform(-1, 1, (128, 128, 2)))
f = rng.uniform(-1, 1, (128, 128, 2)); f[5, 7, 1] = np.nan
mf.write_flo(f"{t}/nan.flo", f)
f[5, 7, 1] = np.inf
mf.write_flo(f"{t}/inf.flo", f)
mf.write_flo(f"{t}/small.flo", rng.uniform(-1, 1, (64, 64, 2)))
PY
printf 'not an image at all' >"$tmp/text.png"
head -c 300 "$tmp/hd.pfm" >"$tmp/truncated.pfm"
printf 'XIEH' >"$tmp/magic.flo"; tail -c +5 "$tmp/ok.flo" >>"$tmp/magic.flo"
head -c 1000 "$tmp/ok.flo" >"$tmp/short.flo"
# A JPEG whose data stops after the header.
"$py" -c "import sys; sys.stdout.buffer.write(bytes([0xFF,0xD8,0xFF,0xE0,0,16])+b'JFIF'+bytes(200))" >"$tmp/corrupt.jpg"

# expect NAME PATTERN ARGS...: fails, one line on stderr matching PATTERN.
expect() {
  local name=$1 pattern=$2; shift 2
  rm -f "$tmp/out.png"
  "$tool" "$@" -o "$tmp/out.png" >"$tmp/stdout" 2>"$tmp/stderr"
  local rc=$? lines
  lines=$(wc -l <"$tmp/stderr")
  if [ $rc -eq 0 ]; then echo "FAIL $name: exit 0"; failures=$((failures + 1));
  elif [ "$lines" -ne 1 ]; then echo "FAIL $name: $lines lines of error"; cat "$tmp/stderr"; failures=$((failures + 1));
  elif ! grep -qiE "$pattern" "$tmp/stderr"; then echo "FAIL $name: '$(cat "$tmp/stderr")' lacks /$pattern/"; failures=$((failures + 1));
  elif ls -A "$tmp" | grep -qE '^(out\.png|\.out\.png\.)'; then echo "FAIL $name: output left behind"; failures=$((failures + 1));
  else echo "ok   $name: $(cat "$tmp/stderr")"; fi
}

expect missing-image    "cannot open|not an image" "$tmp/nope.png" --flow "$tmp/ok.flo"
expect text-as-png      "not an image"             "$tmp/text.png" --flow "$tmp/ok.flo"
expect corrupt-jpeg     "corrupt.jpg"              "$tmp/corrupt.jpg" --flow "$tmp/ok.flo"
expect truncated-pfm    "truncated"                "$tmp/truncated.pfm" --flow "$tmp/ok.flo"
expect flo-magic        "magic"                    "$tmp/hd.pfm" --flow "$tmp/magic.flo"
expect flo-size         "size"                     "$tmp/hd.pfm" --flow "$tmp/short.flo"
expect flo-nan          "non-finite"               "$tmp/hd.pfm" --flow "$tmp/nan.flo"
expect flo-inf          "non-finite"               "$tmp/hd.pfm" --flow "$tmp/inf.flo"
expect low-mismatch     "64×64"                    "$tmp/hd.pfm" --flow "$tmp/ok.flo" --low "$tmp/low64.pfm"
expect field-mismatch   "64×64|field"              "$tmp/hd.pfm" --flow "$tmp/small.flo" --low "$tmp/low.pfm"
expect bad-mode         "unknown mode"             "$tmp/hd.pfm" --flow "$tmp/ok.flo" --mode sideways
expect missing-flow     "flow"                     "$tmp/hd.pfm"

# An unwritable destination: error, and nothing created there.
mkdir "$tmp/ro"; chmod 555 "$tmp/ro"
if [ "$(id -u)" -ne 0 ]; then
  "$tool" "$tmp/hd.pfm" --flow "$tmp/ok.flo" -o "$tmp/ro/out.png" 2>"$tmp/stderr"
  if [ $? -eq 0 ] || [ -n "$(ls -A "$tmp/ro")" ]; then echo "FAIL read-only folder"; failures=$((failures + 1)); else echo "ok   read-only folder: $(cat "$tmp/stderr")"; fi
fi
"$tool" "$tmp/hd.pfm" --flow "$tmp/ok.flo" -o "$tmp/no/such/dir/out.png" 2>"$tmp/stderr"
if [ $? -eq 0 ]; then echo "FAIL missing folder accepted"; failures=$((failures + 1)); else echo "ok   missing folder: $(cat "$tmp/stderr")"; fi

# A full disk, simulated by a file-size limit (200 KiB; the output is 768 KiB).
( ulimit -f 200; exec "$tool" "$tmp/hd.pfm" --flow "$tmp/ok.flo" -o "$tmp/full.pfm" ) 2>"$tmp/stderr"
rc=$?
if [ $rc -eq 0 ] || [ $rc -gt 128 ] || ls -A "$tmp" | grep -q 'full\.pfm'; then
  echo "FAIL full disk: exit $rc, left: $(ls -A "$tmp" | grep full)"; failures=$((failures + 1))
else echo "ok   full disk: $(cat "$tmp/stderr")"; fi

# And the valid case works, so the failures above are about the input.
"$tool" "$tmp/hd.pfm" --flow "$tmp/ok.flo" --low "$tmp/low.pfm" -o "$tmp/good.png" -q \
  && [ -s "$tmp/good.png" ] && echo "ok   valid input" || { echo "FAIL valid input"; failures=$((failures + 1)); }

exit $((failures > 0))
