#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# mien-render --animate and project files on bad input: an unwritable folder,
# a full disk (a file-size limit), an invalid project file, one from a newer
# version, one whose photo has moved, bad keyframes. Each must fail with one
# line naming the problem (the moved photo: the path where it was expected),
# exit non-zero without being killed by a signal, leave the folder exactly as
# it was (no partial file, no hidden temporary) and keep what was there (an
# earlier clip or project file is byte-identical afterwards).
set -u
tool=$1
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
root=${MIEN_SOURCE_ROOT:-$(dirname "$0")/../..}
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# A noise photo of the astronaut's size with the fixture's landmarks: the
# error paths need no downloaded data and no detector.
/usr/bin/python3 -c "
from PIL import Image; import os
Image.frombytes('RGB', (512, 512), os.urandom(512 * 512 * 3)).save('$tmp/photo.png')"
chmod 644 "$tmp/photo.png"
lm="$root/tests/data/landmarks/astronaut.json"
mkdir -m 755 "$tmp/out" "$tmp/ro"
run() { "$tool" "$@" --landmarks "$lm" -q; }

# expect NAME PATTERN DIR CMD...: exit 1 or 2, one stderr line matching
# PATTERN, DIR's listing and checksums unchanged.
# The system's words for the errors: the CLIs speak the user's language
# (app/mien-cli.c) and the suite also runs under de_DE.UTF-8.
EACCES="Permission denied|Keine Berechtigung"
EFBIG="File too large|Datei ist zu gro"
ENOSPC="No space|kein Speicherplatz"

expect() {
  local name=$1 pattern=$2 dir=$3; shift 3
  local before after rc
  before=$(cd "$dir" && ls -A && find . -type f -exec md5sum {} + 2>/dev/null | sort)
  "$@" 2>"$tmp/stderr" >/dev/null
  rc=$?
  after=$(cd "$dir" && ls -A && find . -type f -exec md5sum {} + 2>/dev/null | sort)
  local lines; lines=$(grep -vc '^Try ' "$tmp/stderr")
  if [ $rc -ne 1 ] && [ $rc -ne 2 ]; then fail "$name: exit $rc ($(cat "$tmp/stderr"))"
  elif [ "$lines" -ne 1 ]; then fail "$name: not one line: '$(cat "$tmp/stderr")'"
  elif ! grep -qiE "$pattern" "$tmp/stderr"; then fail "$name: '$(cat "$tmp/stderr")' lacks /$pattern/"
  elif [ "$before" != "$after" ]; then fail "$name: folder changed: [$before] → [$after]"
  else echo "ok   $name: $(head -n 1 "$tmp/stderr")"; fi
}

# The user's earlier work: a clip and a project in out/.
run "$tmp/photo.png" --animate --preset happy -t 0.5 -o "$tmp/out/clip.mp4" \
    --save-project "$tmp/out/work.mien" || fail "valid clip + project"
[ -s "$tmp/out/clip.mp4" ] && [ -s "$tmp/out/work.mien" ] \
  && echo "ok   valid clip and project written" || fail "valid clip and project"

# A folder the user cannot write to (as root, run as nobody).
if [ "$(id -u)" -eq 0 ]; then
  if command -v setpriv >/dev/null; then
    expect "unwritable folder" "$EACCES" "$tmp/ro" \
      setpriv --reuid=65534 --regid=65534 --clear-groups \
      "$tool" "$tmp/photo.png" --landmarks "$lm" -q --animate -t 0.2 -o "$tmp/ro/clip.mp4"
    expect "unwritable project" "$EACCES" "$tmp/ro" \
      setpriv --reuid=65534 --regid=65534 --clear-groups \
      "$tool" "$tmp/photo.png" --landmarks "$lm" -q --save-project "$tmp/ro/p.mien"
  else echo "skip unwritable folder (root without setpriv)"; fi
else
  chmod 555 "$tmp/ro"
  expect "unwritable folder" "$EACCES" "$tmp/ro" \
    run "$tmp/photo.png" --animate -t 0.2 -o "$tmp/ro/clip.mp4"
  expect "unwritable project" "$EACCES" "$tmp/ro" \
    run "$tmp/photo.png" --save-project "$tmp/ro/p.mien"
  chmod 755 "$tmp/ro"
fi

# A full disk: writes past the limit fail with EFBIG (SIGXFSZ is ignored).
# Over the earlier clip, which must survive intact.
# The tool's stderr goes through a pipe: a file would be limited too.
full() {
  local kib=$1; shift
  ( ulimit -f "$kib"; exec "$tool" "$@" --landmarks "$lm" -q ) 2>&1 >/dev/null | cat >&2
  return "${PIPESTATUS[0]}"
}
expect "full disk, MP4 over an earlier clip" "$EFBIG" "$tmp/out" \
  full 20 "$tmp/photo.png" --animate --preset surprised -t 1 -o "$tmp/out/clip.mp4"
expect "full disk, PNG sequence" "$EFBIG" "$tmp/out" \
  full 300 "$tmp/photo.png" --animate --preset happy -t 0.5 -o "$tmp/out/frames"
expect "full disk, GIF" "$EFBIG" "$tmp/out" \
  full 100 "$tmp/photo.png" --animate --preset happy -t 0.5 -o "$tmp/out/clip.gif"
expect "full disk, project over an earlier one" "$EFBIG|$ENOSPC" "$tmp/out" \
  full 0 "$tmp/photo.png" --preset sad --save-project "$tmp/out/work.mien"

# Project files that cannot be used.
printf '{"format": "mien-project", "version": 1, "photo": ' >"$tmp/broken.mien"
printf '{"format": "mien-project", "version": 2, "photo": "photo.png"}' >"$tmp/newer.mien"
printf '{"format": "something-else", "version": 1}' >"$tmp/other.mien"
printf '{"format": "mien-project", "version": 1, "photo": "photo.png", "settings": {"fps": -3}}' >"$tmp/badfps.mien"
printf '{"format": "mien-project", "version": 1, "photo": "photo.png", "keyframes": [{"time": 1, "aus": {"AU13": 2}}]}' >"$tmp/badau.mien"
mkdir -m 755 "$tmp/moved" && cp "$tmp/photo.png" "$tmp/moved/photo.png"
run "$tmp/moved/photo.png" --preset happy --save-project "$tmp/moved/p.mien" || fail "project to move"
grep -q '"photo" : "photo.png"' "$tmp/moved/p.mien" && echo "ok   photo stored relative to the project" \
  || fail "photo not relative: $(grep photo "$tmp/moved/p.mien")"
mv "$tmp/moved/photo.png" "$tmp/moved/elsewhere.png"

for p in broken newer other badfps badau; do cp "$tmp/$p.mien" "$tmp/out/"; done
expect "invalid JSON"        "broken.mien"                        "$tmp/out" run --project "$tmp/out/broken.mien" --animate -o "$tmp/out/x.mp4"
expect "newer version"       "newer Mien.*version 2.*up to 1"     "$tmp/out" run --project "$tmp/out/newer.mien" --animate -o "$tmp/out/x.mp4"
expect "not a project"       "not a Mien project"                 "$tmp/out" run --project "$tmp/out/other.mien" --animate -o "$tmp/out/x.mp4"
expect "bad fps in project"  "fps"                                "$tmp/out" run --project "$tmp/out/badfps.mien" --animate -o "$tmp/out/x.mp4"
expect "bad AU in project"   "unknown Action Unit 'AU13'"         "$tmp/out" run --project "$tmp/out/badau.mien" --animate -o "$tmp/out/x.mp4"
expect "moved photo"         "expects it: $tmp/moved/photo.png"   "$tmp/moved" run --project "$tmp/moved/p.mien" --animate -o "$tmp/moved/x.mp4"
expect "missing project"     "nope.mien: No such file"            "$tmp/out" run --project "$tmp/out/nope.mien" --animate -o "$tmp/out/x.mp4"

# Bad keyframes and options.
expect "keyframe syntax"     "not TIME:EXPRESSION"                "$tmp/out" run "$tmp/photo.png" --animate --keyframe happy -o "$tmp/out/x.mp4"
expect "keyframe preset"     "unknown preset 'joyful'"            "$tmp/out" run "$tmp/photo.png" --animate --keyframe 1:joyful -o "$tmp/out/x.mp4"
expect "keyframe range"      "AU12 = 9 is out of range"           "$tmp/out" run "$tmp/photo.png" --animate --keyframe 0:neutral --keyframe 1:12=9 -o "$tmp/out/x.mp4"
expect "same time twice"     "same time|already"                  "$tmp/out" run "$tmp/photo.png" --animate --keyframe 1:happy --keyframe 1:sad -o "$tmp/out/x.mp4"
expect "field needs neutral" "must be neutral"                    "$tmp/out" run "$tmp/photo.png" --animate --interpolation field --keyframe 0:sad --keyframe 1:happy -o "$tmp/out/x.mp4"
expect "image output"        "mp4, a .gif or a folder"            "$tmp/out" run "$tmp/photo.png" --animate -o "$tmp/out/x.png"
expect "no --animate"        "need --animate"                     "$tmp/out" run "$tmp/photo.png" --fps 12 -o "$tmp/out/x.png"
expect "bad interpolation"   "driving or field"                   "$tmp/out" run "$tmp/photo.png" --animate --interpolation cubic -o "$tmp/out/x.mp4"

# A project round trip: the saved project renders the same clip.
run --project "$tmp/out/work.mien" --animate -o "$tmp/out/again.mp4" \
  && cmp -s "$tmp/out/clip.mp4" "$tmp/out/again.mp4" \
  && echo "ok   the saved project renders the same clip" || fail "project round trip"

echo "$failures failures"
[ $failures -eq 0 ]
