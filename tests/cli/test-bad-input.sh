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

# Non-regular photos and fields, a NaN PFM, a model manifest nested deeply.
mkfifo "$tmp/pipe.png" "$tmp/pipe.flo"
mkdir "$tmp/folder.png"
/usr/bin/python3 - "$tmp" "$root/tests/reference" <<'PY'
import sys, numpy as np
sys.path.insert(0, sys.argv[2])
import mien_files as mf
t = sys.argv[1]
mf.write_flo(f"{t}/ok.flo", np.zeros((16, 16, 2)))
a = np.full((32, 32, 3), 0.5); a[3, 0, 1] = np.nan
mf.write_pfm(f"{t}/nan.pfm", a)
mf.write_pfm(f"{t}/hd.pfm", np.full((32, 32, 3), 0.5))
PY
expect "photo is a FIFO"          "pipe.png is a named pipe, not a photo"   "$tmp/out" "${R[@]}" "$tmp/pipe.png" -L "$lm" -o "$tmp/out/x.png"
expect "photo is a folder"        "folder.png is a folder, not a photo"     "$tmp/out" "${R[@]}" "$tmp/folder.png" -L "$lm" -o "$tmp/out/x.png"
expect "reswarp HD is a FIFO"     "pipe.png is a named pipe"                "$tmp/out" "$reswarp" -q "$tmp/pipe.png" --flow "$tmp/ok.flo" -o "$tmp/out/x.png"
expect "reswarp .flo is a FIFO"   "cannot open .*pipe.flo: not a regular file" "$tmp/out" "$reswarp" -q "$tmp/hd.pfm" --flow "$tmp/pipe.flo" -o "$tmp/out/x.png"
expect "reswarp NaN PFM"          "nan.pfm: non-finite sample at \(0, 3\)" "$tmp/out" "$reswarp" -q "$tmp/nan.pfm" --flow "$tmp/ok.flo" -o "$tmp/out/x.png"
models="$root/data/models/face-api"
if [ -d "$models" ]; then
  mkdir "$tmp/deepmodels"
  for f in "$models"/*; do ln -s "$f" "$tmp/deepmodels/"; done
  for m in "$tmp"/deepmodels/*manifest*.json; do rm "$m"; /usr/bin/python3 -c "print('[' * 100000)" >"$m"; done
  expect "model manifest nested 100000 deep" "manifest.json: JSON line 1 column 65: nested too deeply" "$tmp/out" "${R[@]}" "$tmp/photo.png" --models "$tmp/deepmodels" -o "$tmp/out/x.png"
else echo "skip model manifest nested deeply (no data/models/face-api)"; fi

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
printf '{"format": "mien-project", "version": 1, "photo": "photo.png", "settings": {"fps": 1000, "duration": 86400}}' >"$tmp/day.mien"
printf '{"format": "mien-project", "version": 1, "photo": "photo.png", "settings": {"fps": 1000, "duration": 3600}}' >"$tmp/hour.mien"
printf '{"format": "mien-project", "version": 1, "photo": "photo.png", "settings": {"fps": 5000}}' >"$tmp/fast.mien"
printf '{"format": "mien-project", "version": 1, "photo": "photo.png", "keyframes": [{"time": 0}, {"time": 3000, "preset": "happy"}]}' >"$tmp/farkey.mien"
expect "project of 86 400 s at 1000 fps" "\"duration\" must be seconds in \(0, 3600\]"       "$tmp/out" "${R[@]}" --project "$tmp/day.mien" --animate -o "$tmp/out/x.mp4"
expect "project of 3 600 001 frames"     "3600001 frames .*the limit is 36000 frames per clip" "$tmp/out" "${R[@]}" --project "$tmp/hour.mien" --animate -o "$tmp/out/x.mp4"
expect "project at 5000 fps"             "\"fps\" must be a number in \(0, 1000\]"        "$tmp/out" "${R[@]}" --project "$tmp/fast.mien" --animate -o "$tmp/out/x.mp4"
expect "project keyframe at 3000 s"      "90001 frames .*the limit is 36000 frames"          "$tmp/out" "${R[@]}" --project "$tmp/farkey.mien" --animate -o "$tmp/out/x.mp4"
expect "--duration past an hour"         "--duration wants seconds in \(0, 3600\]: 86400"   "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$lm" --animate -t 86400 -o "$tmp/out/x.mp4"
expect "--fps past 1000"                 "--fps wants a rate in \(0, 1000\]: 1001"          "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$lm" --animate --fps 1001 -o "$tmp/out/x.mp4"
expect "--fps nan"                       "--fps wants a rate"                                 "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$lm" --animate --fps nan -o "$tmp/out/x.mp4"
expect "CLI clip of 216 001 frames"      "216001 frames \(3600 s at 60 fps\); the limit is 36000" "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$lm" --animate -t 3600 --fps 60 -o "$tmp/out/x.mp4"
expect "CLI keyframe at 3000 s"          "90001 frames .*36000"                               "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$lm" --animate -k 0:neutral -k 3000:happy -o "$tmp/out/x.mp4"
expect "--face 99999999999"              "--face wants"                                       "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$lm" --face 99999999999 -o "$tmp/out/x.png"
expect "reswarp --threads with junk"   "--threads wants a whole number from 1 to 256: 4x" "$tmp/out" "$reswarp" -q "$tmp/photo.png" --flow x.flo -o "$tmp/out/x.png" --threads 4x
expect "reswarp --threads 0"           "--threads wants a whole number from 1 to 256: 0"  "$tmp/out" "$reswarp" -q "$tmp/photo.png" --flow x.flo -o "$tmp/out/x.png" --threads 0
expect "reswarp --threads 1e9"         "from 1 to 256: 1000000000"                        "$tmp/out" "$reswarp" -q "$tmp/photo.png" --flow x.flo -o "$tmp/out/x.png" --threads 1000000000

# ---- Junk after a number -----------------------------------------------------------
expect "--au 12=3x"            "'12=3x': '3x' after '=' is not a number"   "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$lm" --au 12=3x -o "$tmp/out/x.png"
expect "--au 12=nan"           "'nan' after '=' is not a number"           "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$lm" --au 12=nan -o "$tmp/out/x.png"
expect "--au 12=0x2 (hex)"     "'0x2' after '=' is not a number"           "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$lm" --au 12=0x2 -o "$tmp/out/x.png"
expect "--au 6=2,12=3junk"     "'3junk' after '=' is not a number"         "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$lm" --au 6=2,12=3junk -o "$tmp/out/x.png"
expect "--intensity 0.5x"      "--intensity wants a number: 0.5x"          "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$lm" --preset happy --intensity 0.5x -o "$tmp/out/x.png"
expect "keyframe time 1.5x"    "keyframe '1.5x:happy': the time must be a number of seconds from 0 to 3600" "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$lm" --animate -k 0:neutral -k 1.5x:happy -o "$tmp/out/x.mp4"
expect "keyframe time nan"     "keyframe 'nan:happy': the time must be"   "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$lm" --animate -k 0:neutral -k nan:happy -o "$tmp/out/x.mp4"
expect "keyframe happy@0.5x"   "the intensity after @ must be a number"    "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$lm" --animate -k 0:neutral -k 1:happy@0.5x -o "$tmp/out/x.mp4"
expect "keyframe 1:12=2q"      "'2q' after '=' is not a number"            "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$lm" --animate -k 0:neutral -k 1:12=2q -o "$tmp/out/x.mp4"

# ---- Landmarks outside the photo ---------------------------------------------------
/usr/bin/python3 - "$lm" "$tmp" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); t = sys.argv[2]
def save(name, f):
    e = json.loads(json.dumps(d)); f(e["faces"][0]); json.dump(e, open(f"{t}/{name}.json", "w"))
save("far", lambda f: f.update(landmarks=[[x + 5000, y] for x, y in f["landmarks"]]))
save("point", lambda f: f.update(landmarks=[[100, 100]] * 68))
save("nobox", lambda f: f.update(box=[10, 10, 0, 50]))
save("edge", lambda f: f.update(landmarks=[[x + 300, y] for x, y in f["landmarks"]]))
PY
expect "landmarks 5000 px right of the photo" "face 0: landmark 0 at \(5[0-9.]+, [0-9.]+\) is outside the 512×512 photo by more than the face's size" "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$tmp/far.json" --preset happy -o "$tmp/out/x.png"
expect "landmarks all at one point"           "the landmarks span 0 px, too small for a face" "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$tmp/point.json" --preset happy -o "$tmp/out/x.png"
expect "a box without area"                   "the box has no area"                          "$tmp/out" "${R[@]}" "$tmp/photo.png" -L "$tmp/nobox.json" --preset happy -o "$tmp/out/x.png"
# A face partly past the right edge (by less than its size) is still a face.
"${R[@]}" "$tmp/photo.png" -L "$tmp/edge.json" --preset happy -o "$tmp/edge.png" && [ -s "$tmp/edge.png" ] \
  && echo "ok   a face partly outside the photo is still animated" || fail "a face at the edge was refused"

# ---- Interrupted exports ---------------------------------------------------------
# SIGINT / SIGTERM during an MP4, GIF or PNG-folder export: the program ends
# by that signal (exit 128 + n) after removing its temporary, and the earlier
# clip at the target is byte-identical. 60 s at 30 fps is 1801 frames: long
# enough to be caught in the middle.
for f in clip.mp4 clip.gif frames; do
  "${R[@]}" "$tmp/photo.png" -L "$lm" --animate -t 0.2 -o "$tmp/out/$f" || fail "earlier $f"
done
# wait_for_temp DIR: until a temporary of ours appears there (at most 30 s).
wait_for_temp() {
  for _ in $(seq 300); do ls -A "$1" | grep -q '\.mien-[0-9]*-' && return 0; sleep 0.1; done
  return 1
}
interrupt() {
  local name=$1 sig=$2 want=$3; shift 3
  local before after rc
  before=$(snapshot "$tmp/out")
  "${R[@]}" "$@" 2>"$tmp/stderr" &
  local pid=$!
  if ! wait_for_temp "$tmp/out"; then fail "$name: no temporary appeared"; kill -KILL $pid; wait $pid; return; fi
  sleep 0.3
  kill -"$sig" $pid
  wait $pid
  rc=$?
  after=$(snapshot "$tmp/out")
  if [ $rc -ne "$want" ]; then fail "$name: exit $rc, not $want ($(cat "$tmp/stderr"))"
  elif [ "$before" != "$after" ]; then fail "$name: folder changed: [$before] → [$after]"
  elif ! grep -q "interrupted by SIG$sig.*nothing written to.*what was there is kept" "$tmp/stderr"; then fail "$name: '$(cat "$tmp/stderr")'"
  else echo "ok   $name: exit $rc: $(cat "$tmp/stderr")"; fi
}
interrupt "SIGINT during an MP4 export"         INT  130 "$tmp/photo.png" -L "$lm" --animate -t 60 -o "$tmp/out/clip.mp4"
interrupt "SIGTERM during an MP4 export"        TERM 143 "$tmp/photo.png" -L "$lm" --animate -t 60 -o "$tmp/out/clip.mp4"
interrupt "SIGINT during a GIF export"          INT  130 "$tmp/photo.png" -L "$lm" --animate -t 60 -o "$tmp/out/clip.gif"
interrupt "SIGTERM during a GIF export"         TERM 143 "$tmp/photo.png" -L "$lm" --animate -t 60 -o "$tmp/out/clip.gif"
interrupt "SIGINT during a PNG-folder export"   INT  130 "$tmp/photo.png" -L "$lm" --animate -t 60 --overwrite -o "$tmp/out/frames"
interrupt "SIGTERM during a PNG-folder export"  TERM 143 "$tmp/photo.png" -L "$lm" --animate -t 60 --overwrite -o "$tmp/out/frames"

# SIGKILL cannot be caught: the temporary stays, and the next run that writes
# to that folder removes it, because its writer is gone. It leaves alone a
# live export of another process, and a temporary whose PID still runs.
mkdir -m 755 "$tmp/killed"
"${R[@]}" "$tmp/photo.png" -L "$lm" --animate -t 60 -o "$tmp/killed/frames" 2>/dev/null &
pid=$!
wait_for_temp "$tmp/killed"; sleep 0.5
kill -KILL $pid; wait $pid 2>/dev/null
stale=$(ls -A "$tmp/killed" | grep "^\.frames\.mien-$pid-")
[ -n "$stale" ] && [ -n "$(ls -A "$tmp/killed/$stale")" ] \
  && echo "ok   SIGKILL leaves $stale ($(ls -A "$tmp/killed/$stale" | wc -l) files)" \
  || fail "SIGKILL left no temporary to test with"
"${R[@]}" "$tmp/photo.png" -L "$lm" --animate -t 60 -o "$tmp/killed/live.mp4" 2>/dev/null &
live=$!
for _ in $(seq 300); do ls -A "$tmp/killed" | grep -q "^\.live\.mp4\.mien-$live-" && break; sleep 0.1; done
: >"$tmp/killed/.x.png.mien-1-AbCdEf"   # PID 1 runs: kept
sh -c 'echo $$ >"$1"' sh "$tmp/gone.pid"; gone=$(cat "$tmp/gone.pid")
: >"$tmp/killed/.y.png.mien-$gone-AbCdEf"  # a PID that has ended: removed
"${R[@]}" "$tmp/photo.png" -L "$lm" --preset happy -o "$tmp/killed/next.png" || fail "the next run"
left=$(ls -A "$tmp/killed" | tr '\n' ' ')
if ls -A "$tmp/killed" | grep -q "^\.frames\.mien-$pid-"; then fail "stale temporary not swept: $left"
elif ls -A "$tmp/killed" | grep -q "^\.y\.png\.mien-$gone-"; then fail "dead PID's temporary not swept: $left"
elif ! ls -A "$tmp/killed" | grep -q "^\.live\.mp4\.mien-$live-"; then fail "a live export's temporary was removed: $left"
elif ! ls -A "$tmp/killed" | grep -q '^\.x\.png\.mien-1-'; then fail "a running PID's temporary was removed: $left"
else echo "ok   the next run swept the killed export's temporary, kept the live one's: $left"; fi
kill -INT $live; wait $live 2>/dev/null
ls -A "$tmp/killed" | grep -q "^\.live\.mp4\.mien-$live-" && fail "interrupted live export left its temporary"

echo "$failures failures"
[ $failures -eq 0 ]
