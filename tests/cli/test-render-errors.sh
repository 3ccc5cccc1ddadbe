#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# mien-render on bad input: one line naming the problem (listing valid names
# where the user mistyped one), a non-zero exit, and no output file left
# behind. Out-of-range AU values are clamped with a warning, not refused.
set -u
tool=$1
root=${MIEN_SOURCE_ROOT:-$(dirname "$0")/../..}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# A noise photo of the astronaut's size stands in for it, so the test needs
# no downloaded data; the fixture's landmarks then point at noise, which is
# all the error paths need.
/usr/bin/python3 -c "
from PIL import Image; import os
Image.frombytes('RGB', (512, 512), os.urandom(512 * 512 * 3)).save('$tmp/photo.png')
Image.frombytes('RGB', (300, 200), os.urandom(300 * 200 * 3)).save('$tmp/other.png')"
lm="$root/tests/data/landmarks/astronaut.json"
printf '{"format": "mien-landmarks", "version": 1, "width": 512, "height": 512, "faces": []}' >"$tmp/none.json"
printf '{"format": "mien-landmarks", "version": 1, "width": 512' >"$tmp/broken.json"

expect() {
  local name=$1 pattern=$2; shift 2
  rm -f "$tmp/out.png"
  "$tool" "$@" -o "$tmp/out.png" >"$tmp/stdout" 2>"$tmp/stderr"
  local rc=$? lines
  lines=$(grep -vc '^Try ' "$tmp/stderr")
  if [ $rc -eq 0 ]; then echo "FAIL $name: exit 0"; failures=$((failures + 1));
  elif [ "$lines" -ne 1 ]; then echo "FAIL $name: $lines lines of error"; cat "$tmp/stderr"; failures=$((failures + 1));
  elif ! grep -qiE "$pattern" "$tmp/stderr"; then echo "FAIL $name: '$(cat "$tmp/stderr")' lacks /$pattern/"; failures=$((failures + 1));
  elif ls -A "$tmp" | grep -qE '^(out\.png|\.out\.png\.)'; then echo "FAIL $name: output left behind"; failures=$((failures + 1));
  else echo "ok   $name: $(head -n 1 "$tmp/stderr")"; fi
}

expect no-face        "no face found"                     "$tmp/photo.png" --landmarks "$tmp/none.json"
expect no-models      "tiny_face_detector.*--landmarks"   "$tmp/photo.png" --models "$tmp"
expect unknown-au     "unknown Action Unit '13'.*AU12L"   "$tmp/photo.png" --landmarks "$lm" --au 13=2
expect unknown-preset "unknown preset 'joyful'.*contempt" "$tmp/photo.png" --landmarks "$lm" --preset joyful
expect bad-au-syntax  "NAME=VALUE"                        "$tmp/photo.png" --landmarks "$lm" --au 12
expect face-index     "has 1 face"                        "$tmp/photo.png" --landmarks "$lm" --face 3
expect size-mismatch  "512×512 photo but"                 "$tmp/other.png" --landmarks "$lm"
expect broken-json    "broken.json"                       "$tmp/photo.png" --landmarks "$tmp/broken.json"
expect missing-json   "nope.json"                         "$tmp/photo.png" --landmarks "$tmp/nope.json"
expect missing-photo  "nope.png"                          "$tmp/nope.png" --landmarks "$lm"
expect bad-mode       "vanilla or multiscale"             "$tmp/photo.png" --landmarks "$lm" --mode sideways
# --drive picks the photo's face as a frame does (mien_render_choose_face):
# a landmark file of another photo's size is refused there too. --drive
# loads the face models first (to track the driver), so only with them.
models="$root/data/models/face-api"
if [ -f "$models/face_landmark_68_model.bin" ]; then
  expect drive-size-mismatch "512×512 photo but" "$tmp/other.png" --landmarks "$lm" --models "$models" --drive "$tmp/photo.png"
fi

if "$tool" "$tmp/photo.png" --landmarks "$lm" -o "$tmp/out.bmp" 2>"$tmp/stderr" || ! grep -q "must end in" "$tmp/stderr" \
   || [ -e "$tmp/out.bmp" ]; then echo "FAIL bad-extension: $(cat "$tmp/stderr")"; failures=$((failures + 1))
else echo "ok   bad-extension: $(head -n 1 "$tmp/stderr")"; fi

# Out of range: clamped with a warning, and the frame is written.
rm -f "$tmp/out.png"
if "$tool" "$tmp/photo.png" --landmarks "$lm" --au 12=9,26=-3 -q -o "$tmp/out.png" 2>"$tmp/stderr" \
   && grep -q "AU12 = 9 is out of range, clamped to 5" "$tmp/stderr" && [ -s "$tmp/out.png" ]; then
  echo "ok   clamp: $(head -n 1 "$tmp/stderr")"
else echo "FAIL clamp: $(cat "$tmp/stderr")"; failures=$((failures + 1)); fi

# A valid run writes the frame and the debug pictures.
if "$tool" "$tmp/photo.png" --landmarks "$lm" --preset surprised -q -o "$tmp/ok.png" \
     --debug-dir "$tmp/dbg" && [ -s "$tmp/ok.png" ] && [ -s "$tmp/dbg/F.flo" ] \
     && [ -s "$tmp/dbg/F.png" ] && [ -s "$tmp/dbg/Or.png" ] && [ -s "$tmp/dbg/Rw.png" ]; then
  echo "ok   valid run"
else echo "FAIL valid run"; failures=$((failures + 1)); fi

echo "$failures failures"
[ $failures -eq 0 ]
