#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Contact sheet of the eyes as the face analyzer's iris model sees them
(issue #25; engine/face/mien-face-eyes.c): every eye of every face that
mien-faces finds in the sample photos, a square 2.3 eye widths wide about
the eye (the model's own view), with the model's iris (red circle: its
centre and the mean distance of its 4 rim points) and the eye's contour
(green: lower lid, upper lid). The label gives the photo, face and eye
(R: landmarks 36-41, the image's left) and the opening the model reads;
"shut" where it is under MIEN_IRIS_MODEL_MIN_OPENNESS (gaze then leaves
the eye alone).

Usage: scripts/iris-model-sheet.py [--build build] [-o docs/images/iris-model.jpg]"""
import argparse
import glob
import json
import math
import os
import subprocess

from PIL import Image, ImageDraw

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TILE = 160
COLS = 8
MIN_OPENNESS = 0.14  # engine/face/mien-iris.h, MIEN_IRIS_MODEL_MIN_OPENNESS


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("-o", "--output",
                    default=os.path.join(ROOT, "docs", "images", "iris-model.jpg"))
    args = ap.parse_args()
    tool = os.path.join(args.build, "app", "mien-faces")
    models = os.path.join(ROOT, "data", "models", "face-api")
    tiles = []
    photos = sorted(glob.glob(os.path.join(ROOT, "data", "samples", "*.jpg")))
    photos = [os.path.join(ROOT, "data", "samples", "astronaut.png")] + photos
    for path in photos:
        out = subprocess.run([tool, path, "--json", "--models", models],
                             check=True, capture_output=True, text=True).stdout
        faces = json.loads(out)["faces"]
        img = Image.open(path).convert("RGB")
        stem = os.path.basename(path).rsplit(".", 1)[0]
        for fi, f in enumerate(faces):
            lm = f["landmarks"]
            for side, eye in enumerate(f.get("eyes") or []):
                if eye is None:
                    continue
                a, b = lm[36 + 6 * side], lm[39 + 6 * side]
                cx, cy = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
                half = 1.15 * math.hypot(b[0] - a[0], b[1] - a[1])
                box = (cx - half, cy - half, cx + half, cy + half)
                tile = img.transform((TILE, TILE), Image.EXTENT, box,
                                     Image.BICUBIC)
                sc = TILE / (2 * half)

                def to_tile(p):
                    return ((p[0] - box[0]) * sc, (p[1] - box[1]) * sc)

                d = ImageDraw.Draw(tile)
                c = eye["contour"]
                d.line([to_tile(c[k]) for k in range(9)], fill=(0, 255, 0))
                d.line([to_tile(c[k]) for k in [0] + list(range(9, 16)) + [8]],
                       fill=(0, 255, 0))
                ix, iy = to_tile(eye["iris"])
                r = eye["radius"] * sc
                d.ellipse((ix - r, iy - r, ix + r, iy + r), outline=(255, 40, 40))
                d.ellipse((ix - 1.5, iy - 1.5, ix + 1.5, iy + 1.5),
                          fill=(255, 40, 40))
                shut = eye["openness"] < MIN_OPENNESS
                label = (f"{stem}/{fi} {'RL'[side]} open {eye['openness']:.2f}"
                         + (" shut" if shut else ""))
                d.rectangle((0, 0, TILE, 12), fill=(0, 0, 0))
                d.text((2, 0), label, fill=(255, 200, 0) if shut else (255, 255, 255))
                tiles.append(tile)
    rows = (len(tiles) + COLS - 1) // COLS
    sheet = Image.new("RGB", (COLS * TILE, rows * TILE), "black")
    for i, t in enumerate(tiles):
        sheet.paste(t, ((i % COLS) * TILE, (i // COLS) * TILE))
    sheet.save(args.output, quality=88)
    print(f"{len(tiles)} eyes -> {args.output}")


if __name__ == "__main__":
    main()
