#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The bad-input table of tests/BAD-INPUT.md (issue #20), one check per row:
# hostile project and landmark files, non-regular files, the user's own photo
# as the output, limits, junk after numbers, landmarks outside the photo,
# interrupted exports. Each row must fail with one line naming the problem,
# exit 1 or 2 (never a signal), and lose nothing: the folder it writes to is
# byte-identical afterwards (no partial file, no hidden temporary, the
# earlier output intact).
# Usage: test-bad-input.sh MIEN_RENDER MIEN_RESWARP
set -u
render=$1
reswarp=$2
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
root=${MIEN_SOURCE_ROOT:-$(dirname "$0")/../..}
lm="$root/tests/data/landmarks/astronaut.json"
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# A noise photo of the astronaut's size with the fixture's landmarks: no
# downloaded data, no detector.
/usr/bin/python3 -c "
from PIL import Image; import os
Image.frombytes('RGB', (512, 512), os.urandom(512 * 512 * 3)).save('$tmp/photo.png')"
mkdir -m 755 "$tmp/out"

# expect NAME PATTERN DIR CMD...: exit 1 or 2 within 60 s, one stderr line
# (besides "Try --help") matching PATTERN, DIR's listing and checksums
# unchanged.
snapshot() { (cd "$1" && ls -A && find . -type f -exec md5sum {} + 2>/dev/null | sort); }
expect() {
  local name=$1 pattern=$2 dir=$3; shift 3
  local before after rc lines
  before=$(snapshot "$dir")
  timeout 60 "$@" 2>"$tmp/stderr" >/dev/null
  rc=$?
  after=$(snapshot "$dir")
  lines=$(grep -vc '^Try ' "$tmp/stderr")
  if [ $rc -ne 1 ] && [ $rc -ne 2 ]; then fail "$name: exit $rc ($(head -c 300 "$tmp/stderr"))"
  elif [ "$lines" -ne 1 ]; then fail "$name: not one line: '$(head -c 600 "$tmp/stderr")'"
  elif ! grep -qiE -- "$pattern" "$tmp/stderr"; then fail "$name: '$(cat "$tmp/stderr")' lacks /$pattern/"
  elif [ "$before" != "$after" ]; then fail "$name: folder changed: [$before] → [$after]"
  else echo "ok   $name: $(head -n 1 "$tmp/stderr")"; fi
}
R=("$render" -q)

# The user's earlier work in out/: a picture, a clip, a project.
"${R[@]}" "$tmp/photo.png" -L "$lm" --preset happy -o "$tmp/out/earlier.png" \
    --save-project "$tmp/out/work.mien" || fail "valid picture + project"
[ -s "$tmp/out/earlier.png" ] && [ -s "$tmp/out/work.mien" ] \
  && echo "ok   valid picture and project written" || fail "valid picture and project"

# ---- JSON: nesting, size, non-regular files ---------------------------------
/usr/bin/python3 -c "print('[' * 100000)" >"$tmp/deep.mien"
cp "$tmp/deep.mien" "$tmp/deep.json"
/usr/bin/python3 -c "print('{\"a\":' * 100000)" >"$tmp/deep-objects.mien"
/usr/bin/python3 -c "
import sys; sys.stdout.write('{\"format\": \"mien-landmarks\", \"pad\": \"' + 'x' * (17 << 20) + '\"}')" >"$tmp/huge.json"
/usr/bin/python3 -c "
import sys; sys.stdout.write('{\"format\": \"mien-project\", \"pad\": [' + '0,' * (3 << 20) + '0]}')" >"$tmp/huge.mien"
/usr/bin/python3 -c "
import sys; sys.stdout.write('{\"format\": \"mien-project\", \"pad\": [' + '0,' * 300000 + '0]}')" >"$tmp/wide.mien"
mkfifo "$tmp/fifo.mien" "$tmp/fifo.json"
mkdir "$tmp/folder.mien"
expect "project nested 100000 deep"   "deep.mien: nested deeper than 64 levels" "$tmp/out" "${R[@]}" --project "$tmp/deep.mien" -o "$tmp/out/x.png"
expect "project of nested objects"    "nested deeper than 64 levels"            "$tmp/out" "${R[@]}" --project "$tmp/deep-objects.mien" -o "$tmp/out/x.png"
expect "landmarks nested 100000 deep" "deep.json: nested deeper than 64 levels" "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$tmp/deep.json" -o "$tmp/out/x.png"
expect "project over 4 MiB"           "over the limit of 4194304 bytes"         "$tmp/out" "${R[@]}" --project "$tmp/huge.mien" -o "$tmp/out/x.png"
expect "project of 300000 values"     "more than 200000 values"                 "$tmp/out" "${R[@]}" --project "$tmp/wide.mien" -o "$tmp/out/x.png"
expect "landmarks over 16 MiB"        "over the limit of 16777216 bytes"        "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$tmp/huge.json" -o "$tmp/out/x.png"
expect "project is a FIFO"            "fifo.mien: not a regular file \(a named pipe\)" "$tmp/out" "${R[@]}" --project "$tmp/fifo.mien" -o "$tmp/out/x.png"
expect "landmarks is a FIFO"          "fifo.json: not a regular file \(a named pipe\)" "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$tmp/fifo.json" -o "$tmp/out/x.png"
expect "project is a folder"          "folder.mien: not a regular file \(a folder\)"   "$tmp/out" "${R[@]}" --project "$tmp/folder.mien" -o "$tmp/out/x.png"
expect "landmarks is /dev/zero"       "not a regular file \(a device\)"         "$tmp/out" "${R[@]}" "$tmp/photo.png" -L /dev/zero -o "$tmp/out/x.png"

# ---- The user's photo as the output ------------------------------------------
# In its own folder "photos", which must be unchanged afterwards.
mkdir -m 755 "$tmp/photos"
cp "$tmp/photo.png" "$tmp/photos/p.png"
ln -s p.png "$tmp/photos/link.png"
ln "$tmp/photos/p.png" "$tmp/photos/hard.png"
/usr/bin/python3 -c "
from PIL import Image; Image.open('$tmp/photo.png').save('$tmp/photos/p.gif')"
P="$tmp/photos"
cp "$lm" "$tmp/out/lm.png"
expect "output is the photo"                "is the photo .*refusing to write over it" "$P" "${R[@]}" "$P/p.png" -L "$lm" --preset happy -o "$P/p.png"
expect "output is the photo, other spelling" "is the photo"                            "$P" "${R[@]}" "$P/p.png" -L "$lm" --preset happy -o "$P/../photos/./p.png"
expect "output is a symlink to the photo"   "link.png is the photo"                     "$P" "${R[@]}" "$P/p.png" -L "$lm" --preset happy -o "$P/link.png"
expect "output is a hard link to the photo" "hard.png is the photo"                     "$P" "${R[@]}" "$P/p.png" -L "$lm" --preset happy -o "$P/hard.png"
expect "project saved over the photo"       "is the photo"                              "$P" "${R[@]}" "$P/p.png" -L "$lm" --preset happy --save-project "$P/p.png"
expect "clip written over a GIF photo"      "p.gif is the photo"                        "$P" "${R[@]}" "$P/p.gif" -L "$lm" --animate -t 0.1 -o "$P/p.gif"
expect "PNG folder holding the photo"       "inside .*photos, which the PNG sequence would replace" "$P" "${R[@]}" "$P/p.png" -L "$lm" --animate -t 0.1 --overwrite -o "$P"
expect "output is the landmark file"        "is the landmark file"                      "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$tmp/out/lm.png" --preset happy -o "$tmp/out/lm.png"
expect "reswarp output is the HD input"     "is the input .*refusing to write over it"  "$P" "$reswarp" -q "$P/p.png" --flow "$P/none.flo" -o "$P/link.png"
# --overwrite says it is meant: the photo is replaced (a copy, here).
cp "$P/p.png" "$tmp/copy.png"
if "${R[@]}" "$tmp/copy.png" -L "$lm" --preset happy -o "$tmp/copy.png" --overwrite \
   && ! cmp -s "$tmp/copy.png" "$P/p.png"; then echo "ok   --overwrite replaces the photo when asked"
else fail "--overwrite did not replace the photo"; fi

# ---- Limits -----------------------------------------------------------------------
expect "reswarp --threads with junk"   "--threads wants a whole number from 1 to 256: 4x" "$tmp/out" "$reswarp" -q "$tmp/photo.png" --flow x.flo -o "$tmp/out/x.png" --threads 4x
expect "reswarp --threads 0"           "--threads wants a whole number from 1 to 256: 0"  "$tmp/out" "$reswarp" -q "$tmp/photo.png" --flow x.flo -o "$tmp/out/x.png" --threads 0
expect "reswarp --threads 1e9"         "from 1 to 256: 1000000000"                        "$tmp/out" "$reswarp" -q "$tmp/photo.png" --flow x.flo -o "$tmp/out/x.png" --threads 1000000000

echo "$failures failures"
[ $failures -eq 0 ]
