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

With --compare, each face's row is h -1 with the flat fill of before
(MIEN_IRIS_FLAT_FILL=1) | h -1 | h +1 with the flat fill | h +1: the white
sliding with the iris against the fill it replaced
(docs/images/iris-sclera-slide.jpg).

usage: iris-gaze-sheet.py [--build build] [--faces a/0,b/1,...]
                          [--out docs/images/iris-gaze.png] [--scale 3]
                          [--compare]"""
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
    ap.add_argument("--compare", action="store_true")
    a = ap.parse_args()
    test = os.path.join(a.build, "tests", "eval", "test-gaze")
    if not os.path.exists(test):
        sys.exit("no %s: build the tests first (ninja -C %s)" % (test, a.build))
    with tempfile.TemporaryDirectory() as tmp:
        runs = [("slide", {})]
        if a.compare:
            runs.append(("flat", {"MIEN_IRIS_FLAT_FILL": "1"}))
        for name, extra in runs:
            os.makedirs(os.path.join(tmp, name))
            env = dict(os.environ, MIEN_SOURCE_ROOT=ROOT,
                       MIEN_GAZE_CROPS=os.path.join(tmp, name),
                       MIEN_GAZE_ONLY=a.faces, **extra)
            p = subprocess.run([test], env=env, capture_output=True, text=True)
            # The flat fill loses cases the test counts: it may fail.
            if p.returncode not in ((0, 77) if name == "slide" else (0, 1, 77)):
                sys.exit("test-gaze failed:\n" + p.stdout[-2000:]
                         + p.stderr[-2000:])
        rows = []
        for face in a.faces.split(","):
            stem, fi = face.split("/")
            name = "gaze-%s-%s.png" % (stem, fi)
            if not all(os.path.exists(os.path.join(tmp, r, name))
                       for r, _ in runs):
                print("%s: no strip (face not found again on its crop?)" % face)
                continue
            strips = {r: Image.open(os.path.join(tmp, r, name)).convert("RGB")
                      for r, _ in runs}
            h = strips["slide"].height // 5  # photo, h -1, h +1, v -1, v +1
            part = lambda r, k: strips[r].crop((0, k * h, strips[r].width,
                                                (k + 1) * h))
            if a.compare:
                rows.append([part("flat", 1), part("slide", 1),
                             part("flat", 2), part("slide", 2)])
            else:
                rows.append([part("slide", 1), part("slide", 0),
                             part("slide", 2)])
    if not rows:
        sys.exit("no strips")
    s, gap = a.scale, 4
    col_w = max(r[0].width for r in rows) * s
    height = sum(r[0].height * s + gap for r in rows)
    n_cols = len(rows[0])
    sheet = Image.new("RGB", (n_cols * col_w + (n_cols - 1) * gap, height),
                      (255, 255, 255))
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
