# SPDX-License-Identifier: GPL-3.0-or-later
"""Gaze through `mien-render` (issue #25, bad input: eyes closed in the photo).

On the astronaut (fixture landmarks):
- eyes open: --au gaze_h=1 changes the frame and prints no gaze warning;
  -p look-at-camera is a preset the tool knows;
- both eyes shut (the upper lids' landmarks moved onto the lower lids):
  --au gaze_h=1,gaze_v=-1 writes the same PNG, byte for byte, as no gaze,
  and says so once on stderr ("gaze does nothing: both eyes are shut");
  a clip (--animate, 3 frames) says it once too.
Plain Python (no numpy, no PIL). Skips (77) without the photo.
Usage: test_gaze_cli.py MIEN_RENDER
"""
import json
import math
import os
import subprocess
import sys
import tempfile

TOOL = sys.argv[1]
SOURCE = os.environ.get("MIEN_SOURCE_ROOT", ".")
PHOTO = os.path.join(SOURCE, "data/samples/astronaut.png")
LANDMARKS = os.path.join(SOURCE, "tests/data/landmarks/astronaut.json")
failures = 0


def check(ok, message):
    global failures
    print(("ok   " if ok else "FAIL ") + message)
    failures += 0 if ok else 1


def render(out, landmarks, *args):
    r = subprocess.run([TOOL, PHOTO, "-L", landmarks, "-q", "-o", out, *args],
                       capture_output=True, text=True)
    return r.returncode, r.stderr


def same(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


if not os.path.exists(PHOTO):
    print("SKIP: data/samples/astronaut.png missing")
    sys.exit(77)

with tempfile.TemporaryDirectory() as tmp:
    base = os.path.join(tmp, "base.png")
    rc, err = render(base, LANDMARKS)
    check(rc == 0, f"the photo rendered without gaze ({err.strip()})")
    moved = os.path.join(tmp, "moved.png")
    rc, err = render(moved, LANDMARKS, "-a", "gaze_h=1")
    check(rc == 0 and not same(base, moved), "open eyes: gaze_h=1 changes the frame")
    check("gaze" not in err, f"open eyes: no gaze warning ({err.strip()!r})")
    look = os.path.join(tmp, "look.png")
    rc, err = render(look, LANDMARKS, "-p", "look-at-camera")
    check(rc == 0, f"-p look-at-camera is a preset ({err.strip()!r})")

    with open(LANDMARKS) as f:
        doc = json.load(f)
    lm = doc["faces"][0]["landmarks"]
    for e0 in (36, 42):
        w = math.hypot(lm[e0 + 3][0] - lm[e0][0], lm[e0 + 3][1] - lm[e0][1])
        lm[e0 + 1] = [lm[e0 + 5][0], lm[e0 + 5][1] - 0.05 * w]
        lm[e0 + 2] = [lm[e0 + 4][0], lm[e0 + 4][1] - 0.05 * w]
    shut = os.path.join(tmp, "shut.json")
    with open(shut, "w") as f:
        json.dump(doc, f)
    still = os.path.join(tmp, "shut-still.png")
    rc, err0 = render(still, shut)
    check(rc == 0, f"shut eyes rendered without gaze ({err0.strip()!r})")
    gazed = os.path.join(tmp, "shut-gaze.png")
    rc, err = render(gazed, shut, "-a", "gaze_h=1,gaze_v=-1")
    check(rc == 0 and same(still, gazed),
          "shut eyes: gaze writes the same file as no gaze")
    check(err.count("gaze does nothing: both eyes are shut") == 1,
          f"shut eyes: the tool says so once ({err.strip()!r})")
    clip = os.path.join(tmp, "clip")
    os.mkdir(clip)
    rc, err = render(clip, shut, "-a", "gaze_h=1", "-A", "-t", "0.2",
                     "--fps", "10")
    check(rc == 0 and err.count("gaze does nothing") == 1,
          f"shut eyes, a clip: said once ({err.strip()!r})")

print("failures:", failures)
sys.exit(1 if failures else 0)
