#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# mien-eval on a folder a user might point it at: photos without a face, a
# 4K photo without a face and a file that is not an image are skipped with
# a line each in skipped.tsv (the report lists them), the astronaut (when
# fetched) is measured, and bad options give one line and a non-zero exit.
set -u
tool=$1
root=${MIEN_SOURCE_ROOT:-$(dirname "$0")/../..}
models="$root/data/models/face-api"
[ -d "$models" ] || { echo "SKIP: no models (scripts/setup.sh)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

mkdir "$tmp/photos"
/usr/bin/python3 -c "
from PIL import Image
Image.new('RGB', (300, 200), (90, 120, 150)).save('$tmp/photos/flat.png')
Image.effect_noise((3840, 2160), 40).convert('RGB').save('$tmp/photos/noise-4k.jpg')"
echo "not a jpeg" >"$tmp/photos/broken.jpg"
echo "notes" >"$tmp/photos/readme.txt"
[ -f "$root/data/samples/astronaut.png" ] && cp "$root/data/samples/astronaut.png" "$tmp/photos/"

"$tool" "$tmp/photos" -m "$models" -p happy -A none -q -o "$tmp/out" 2>"$tmp/stderr"
rc=$?
[ $rc -eq 0 ] || fail "folder run: exit $rc: $(cat "$tmp/stderr")"
for name in flat.png noise-4k.jpg broken.jpg; do
  grep -q "photos/$name	" "$tmp/out/skipped.tsv" || fail "$name not listed as skipped"
done
grep -q "noise-4k.jpg	no face found at 3840×2160" "$tmp/out/skipped.tsv" || fail "4K line: $(cat "$tmp/out/skipped.tsv")"
grep -q "readme" "$tmp/out/skipped.tsv" && fail "readme.txt should not be read as a photo"
if [ -f "$tmp/photos/astronaut.png" ]; then
  n=$(grep -c "^astronaut	" "$tmp/out/metrics.tsv")
  [ "$n" -eq 4 ] || fail "astronaut: $n rows, want 4 (happy × 4 HD modes)"
fi
[ $failures -eq 0 ] && echo "ok   folder: $(($(wc -l <"$tmp/out/skipped.tsv") - 1)) skipped with reasons"

expect() {
  local name=$1 pattern=$2; shift 2
  "$tool" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  local rc=$? lines
  lines=$(grep -vc '^Try ' "$tmp/stderr")
  if [ $rc -eq 0 ]; then fail "$name: exit 0";
  elif [ "$lines" -ne 1 ]; then fail "$name: $lines lines: $(cat "$tmp/stderr")";
  elif ! grep -qiE -e "$pattern" "$tmp/stderr"; then fail "$name: '$(cat "$tmp/stderr")' lacks /$pattern/";
  else echo "ok   $name: $(head -n 1 "$tmp/stderr")"; fi
}
expect no-output   "missing -o"            "$tmp/photos"
expect no-input    "at least one PHOTO"    -o "$tmp/o2"
expect bad-preset  "bad --presets"         "$tmp/photos" -p joyful -o "$tmp/o2"
expect bad-hd      "--hd takes"            "$tmp/photos" --hd lanczos -o "$tmp/o2"
expect bad-size    "--sizes wants"         "$tmp/photos" -s 99999 -o "$tmp/o2"
expect bad-frames  "--frames wants"        "$tmp/photos" -n 1 -o "$tmp/o2"
expect no-models   "nope"                  "$tmp/photos" -m "$tmp/nope" -o "$tmp/o3"
[ -e "$tmp/o3" ] && fail "no-models left $tmp/o3 behind"
expect unwritable  "cannot create"         "$tmp/photos" -m "$models" -o /proc/nope
exit $((failures > 0))
