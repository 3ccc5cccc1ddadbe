#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Exporting on bad input, for each format (PNG sequence, GIF, MP4): an
# unwritable or missing folder, a full disk (a file-size limit), a cancel
# midway, a non-empty PNG folder, bad options. Each must fail with a one-line
# error naming the problem, exit 1 (not killed by a signal), and leave the
# output folder exactly as it was, hidden temporaries included.
set -u
tool=$1
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
chmod 755 "$tmp" # the unprivileged run below must reach the photo
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

photo="${MIEN_SOURCE_ROOT:-.}/data/samples/astronaut.png"
if [ ! -s "$photo" ]; then
  photo="$tmp/photo.png"
  "$py" -c "
import numpy as np; from PIL import Image
y, x = np.mgrid[0:512, 0:512] / 512.0
rng = np.random.default_rng(5)
img = np.stack([0.5 + 0.3 * np.sin(9 * x + c) * np.cos(7 * y - c) for c in range(3)], -1)
img += rng.normal(0, 0.05, img.shape)
Image.fromarray(np.uint8(np.clip(img, 0, 1) * 255)).save('$photo')"
fi
cp "$photo" "$tmp/in.png" && photo="$tmp/in.png" && chmod 644 "$photo"

declare -A target=([png]=frames [gif]=clip.gif [mp4]=clip.mp4)

# expect NAME PATTERN DIR OUTPUT ARGS...: runs the tool writing DIR/OUTPUT;
# it must exit 1 with one stderr line matching PATTERN, DIR unchanged.
expect() {
  local name=$1 pattern=$2 dir=$3 out=$4; shift 4
  local before after rc
  before=$(ls -A "$dir" 2>&1)
  "$tool" "$photo" -o "$dir/$out" "$@" 2>"$tmp/stderr" >/dev/null
  rc=$?
  after=$(ls -A "$dir" 2>&1)
  if [ $rc -ne 1 ] && [ $rc -ne 2 ]; then fail "$name: exit $rc ($(cat "$tmp/stderr"))"
  elif [ "$(wc -l <"$tmp/stderr")" -ne 1 ]; then fail "$name: not one line: '$(cat "$tmp/stderr")'"
  elif ! grep -qiE "$pattern" "$tmp/stderr"; then fail "$name: '$(cat "$tmp/stderr")' lacks /$pattern/"
  elif [ "$before" != "$after" ]; then fail "$name: folder was [$before], now [$after]"
  else echo "ok   $name: $(cat "$tmp/stderr")"; fi
}

mkdir "$tmp/out" "$tmp/ro"
chmod 755 "$tmp/out" "$tmp/ro"
for f in png gif mp4; do
  t=${target[$f]}
  # A folder the user cannot write to. As root (CI containers) permissions do
  # not apply, so the tool runs as nobody there; otherwise the folder is 555.
  if [ "$(id -u)" -eq 0 ]; then
    if command -v setpriv >/dev/null; then
      before=$(ls -A "$tmp/ro")
      setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$tool" "$photo" -o "$tmp/ro/$t" -n 3 2>"$tmp/stderr" >/dev/null
      rc=$?
      if [ $rc -ne 1 ] || ! grep -q "Permission denied" "$tmp/stderr" \
         || [ "$before" != "$(ls -A "$tmp/ro")" ]; then
        fail "$f unwritable folder: exit $rc, '$(cat "$tmp/stderr")', left [$(ls -A "$tmp/ro")]"
      else echo "ok   $f unwritable folder: $(cat "$tmp/stderr")"; fi
    else echo "skip $f unwritable folder (root without setpriv)"; fi
  else
    chmod 555 "$tmp/ro"
    expect "$f unwritable folder" "Permission denied" "$tmp/ro" "$t" -n 3
    chmod 755 "$tmp/ro"
  fi

  expect "$f missing folder" "No such file" "$tmp/out" "no/such/$t" -n 3
  expect "$f cancel midway" "cancelled after 5 of 12" "$tmp/out" "$t" -n 12 --cancel-after 5
  expect "$f cancel at once" "cancelled after 0 of 12" "$tmp/out" "$t" -n 12 --cancel-after 0
done

# A full disk, simulated by a file-size limit (bash counts KiB): writes past
# it fail with EFBIG (the tool ignores SIGXFSZ). Limits are under one PNG
# frame (~400 KiB), about a third of the GIF (~900 KiB), half the MP4.
declare -A limit=([png]=300 [gif]=300 [mp4]=30)
for f in png gif mp4; do
  t=${target[$f]}
  before=$(ls -A "$tmp/out")
  ( ulimit -f "${limit[$f]}"; exec "$tool" "$photo" -o "$tmp/out/$t" -n 12 ) \
    2>"$tmp/stderr" >/dev/null
  rc=$?
  if [ $rc -ne 1 ] || ! grep -q "File too large" "$tmp/stderr" \
     || [ "$(wc -l <"$tmp/stderr")" -ne 1 ] || [ "$before" != "$(ls -A "$tmp/out")" ]; then
    fail "$f full disk: exit $rc, '$(cat "$tmp/stderr")', left [$(ls -A "$tmp/out")]"
  else echo "ok   $f full disk: $(cat "$tmp/stderr")"; fi
done

# The MP4 muxer writes in 256 KiB blocks: a longer clip hits the limit while
# frames are still being added, not only when the file is completed.
before=$(ls -A "$tmp/out")
( ulimit -f 100; exec "$tool" "$photo" -o "$tmp/out/long.mp4" -n 150 ) \
  2>"$tmp/stderr" >/dev/null
rc=$?
if [ $rc -ne 1 ] || ! grep -q "writing video: File too large" "$tmp/stderr" \
   || [ "$before" != "$(ls -A "$tmp/out")" ]; then
  fail "mp4 full disk midway: exit $rc, '$(cat "$tmp/stderr")', left [$(ls -A "$tmp/out")]"
else echo "ok   mp4 full disk midway: $(cat "$tmp/stderr")"; fi

# A PNG sequence never merges into a folder that holds something already.
mkdir "$tmp/out/frames" && echo keep >"$tmp/out/frames/notes.txt"
expect "png non-empty folder" "not empty" "$tmp/out/frames" ../frames -n 2
"$tool" "$photo" -o "$tmp/out/frames" -n 2 --overwrite -q
[ "$(ls -A "$tmp/out/frames" | tr '\n' ' ')" = "frame_00001.png frame_00002.png " ] \
  && echo "ok   png --overwrite replaces the folder" \
  || fail "png --overwrite: [$(ls -A "$tmp/out/frames")]"
rm -rf "$tmp/out/frames"

# Options refused before anything is written.
expect "gif 60 fps"      "GIF cannot play"        "$tmp/out" clip.gif --fps 60
expect "crf 99"          "CRF 99"                 "$tmp/out" clip.mp4 --crf 99
expect "unknown preset"  "preset 'zippy'"         "$tmp/out" clip.mp4 --preset zippy
expect "bad frame rate"  "invalid frame rate"     "$tmp/out" clip.mp4 --fps 0
expect "bad scale"       "invalid scale"          "$tmp/out" clip.gif --scale 1
photo_saved=$photo; photo="$tmp/missing.png"
expect "missing photo"   "cannot open"            "$tmp/out" clip.gif
photo=$photo_saved

# And the valid case works in each format, so the failures are about input.
for f in png gif mp4; do
  "$tool" "$photo" -o "$tmp/out/${target[$f]}" -n 3 -q && [ -e "$tmp/out/${target[$f]}" ] \
    && [ -z "$(ls -A "$tmp/out" | grep '^\.')" ] \
    && echo "ok   $f valid export" || fail "$f valid export"
done

exit $((failures > 0))
