#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/images/iris-gaze.png (issue #25, "Crops at 1:1 show iris,
catchlight and lids"): for a few sample faces, the eyes at gaze_h -1, in
the photo and at gaze_h +1, each pixel shown as a 3 x 3 block.

It runs the test-gaze program of a build with MIEN_GAZE_CROPS (the test
writes, per face, a strip of the eyes' box: the photo, then gaze_h -1, +1,
gaze_v -1, +1, each rendered by the animator and cut from its crop at the
photo's resolution) and MIEN_GAZE_ONLY (those faces only), then lays the
strips out: one row per face, columns h -1 | photo | h +1.

usage: iris-gaze-sheet.py [--build build] [--faces a/0,b/1,...]
                          [--out docs/images/iris-gaze.png] [--scale 3]"""
import argparse
import os
import subprocess
import sys
import tempfile

from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FACES = ("astronaut/0,sample1/0,sample3/1,sample5/1,sample6/0,sample6/2,"
         "sample4/2,sample6/3")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--faces", default=FACES)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "images",
                                                  "iris-gaze.png"))
    ap.add_argument("--scale", type=int, default=3)
    a = ap.parse_args()
    test = os.path.join(a.build, "tests", "eval", "test-gaze")
    if not os.path.exists(test):
        sys.exit("no %s: build the tests first (ninja -C %s)" % (test, a.build))
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, MIEN_SOURCE_ROOT=ROOT, MIEN_GAZE_CROPS=tmp,
                   MIEN_GAZE_ONLY=a.faces)
        p = subprocess.run([test], env=env, capture_output=True, text=True)
        if p.returncode not in (0, 77):
            sys.exit("test-gaze failed:\n" + p.stdout[-2000:] + p.stderr[-2000:])
        rows = []
        for face in a.faces.split(","):
            stem, fi = face.split("/")
            path = os.path.join(tmp, "gaze-%s-%s.png" % (stem, fi))
            if not os.path.exists(path):
                print("%s: no strip (face not found again on its crop?)" % face)
                continue
            strip = Image.open(path).convert("RGB")
            h = strip.height // 5  # photo, h -1, h +1, v -1, v +1
            part = lambda k: strip.crop((0, k * h, strip.width, (k + 1) * h))
            rows.append([part(1), part(0), part(2)])
    if not rows:
        sys.exit("no strips")
    s, gap = a.scale, 4
    col_w = max(r[0].width for r in rows) * s
    height = sum(r[0].height * s + gap for r in rows)
    sheet = Image.new("RGB", (3 * col_w + 2 * gap, height), (255, 255, 255))
    y = 0
    for r in rows:
        for c, im in enumerate(r):
            big = im.resize((im.width * s, im.height * s), Image.NEAREST)
            sheet.paste(big, (c * (col_w + gap), y))
        y += r[0].height * s + gap
    sheet.save(a.out)
    print("wrote %s (%d x %d, %d faces)" % (a.out, sheet.width, sheet.height,
                                            len(rows)))


if __name__ == "__main__":
    main()
