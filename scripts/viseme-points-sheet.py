#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The visemes' three measures, drawn: for some faces, the mouth of the
neutral crop and of A, E, O, U and M/B/P (columns), each with
  red rings:   the photo's own mesh points (inner corners 78 / 308, inner
               lips 13 / 14, found on the neutral crop) carried through
               the render's field: where the photo's mouth went;
  blue dots:   MediaPipe's face mesh found again on the render;
  green dots:  face-api's 68 landmarks found again (60, 64, 62, 66).
All columns of a row share the neutral crop's scale, so widths compare.
Runs test-visemes with MIEN_VISEME_POINTS (about a minute).

Usage: scripts/viseme-points-sheet.py BUILD OUT.jpg [STEM-FACE ...]
       (default faces: sample6-2 sample6-3 sample5-1 sample2-1)"""
import os
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw

TILE = 300
COLUMNS = ["neutral", "A", "E", "O", "U", "M/B/P"]


def points(path):
    carried, mesh, fa = {}, {}, {}
    for line in open(path):
        w = line.split()
        if w[0] == "fa":
            fa[int(w[1])] = (float(w[2]), float(w[3]))
        else:
            carried[int(w[0])] = (float(w[1]), float(w[2]))
            mesh[int(w[0])] = (float(w[3]), float(w[4]))
    return carried, mesh, fa


def row(folder, stem):
    tiles, box = [], None
    for k in range(len(COLUMNS)):
        png = os.path.join(folder, f"{stem}-{k}.png")
        if not os.path.exists(png):
            tiles.append(Image.new("RGB", (TILE, TILE * 8 // 10)))
            continue
        im = Image.open(png).convert("RGB")
        carried, mesh, fa = points(os.path.join(folder, f"{stem}-{k}.txt"))
        if box is None:  # the neutral crop's mouth sets the row's scale
            cx = (carried[78][0] + carried[308][0]) / 2
            cy = (carried[78][1] + carried[308][1]) / 2
            half = abs(carried[308][0] - carried[78][0])
            box = (int(cx - half), int(cy - 0.8 * half), int(cx + half),
                   int(cy + 0.8 * half))
        s = TILE / (box[2] - box[0])
        t = im.crop(box).resize((TILE, int((box[3] - box[1]) * s)),
                                Image.LANCZOS)
        d = ImageDraw.Draw(t)

        def ring(p, colour, r):
            x, y = (p[0] - box[0]) * s, (p[1] - box[1]) * s
            d.ellipse((x - r, y - r, x + r, y + r), outline=colour, width=2)

        for i in (78, 308, 13, 14):
            ring(carried[i], (255, 40, 40), 6)
            ring(mesh[i], (40, 140, 255), 3)
        for i in (60, 64, 62, 66):
            ring(fa[i], (40, 255, 40), 2)
        d.text((4, 4), f"{stem} {COLUMNS[k]}", fill=(255, 255, 255))
        tiles.append(t)
    return tiles


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    build, out = sys.argv[1], sys.argv[2]
    stems = sys.argv[3:] or ["sample6-2", "sample6-3", "sample5-1",
                             "sample2-1"]
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, MIEN_VISEME_POINTS=folder,
                   MIEN_SOURCE_ROOT=os.environ.get("MIEN_SOURCE_ROOT", "."))
        subprocess.run([os.path.join(build, "tests", "eval", "test-visemes")],
                       env=env, check=False, stdout=subprocess.DEVNULL)
        rows = [row(folder, stem) for stem in stems]
    height = sum(max(t.height for t in r) for r in rows)
    sheet = Image.new("RGB", (TILE * len(COLUMNS), height))
    y = 0
    for r in rows:
        for k, t in enumerate(r):
            sheet.paste(t, (k * TILE, y))
        y += max(t.height for t in r)
    sheet.save(out, quality=88)
    print(f"{out}: {len(rows)} faces")
    return 0


if __name__ == "__main__":
    sys.exit(main())
