#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Before/after figure for docs/QUALITY.md, "Residual gain": the paper's
ResWarp (mien-render --no-fade) against the default, which fades the residual
where the field squeezes or stretches it (engine/mien-field.h), on the eyes of
a full blink and the mouth of a wide-open jaw, with the gain map G beside
them (white 1, black 0).

  scripts/residual-gain-figure.py BUILD_DIR OUT.png
  scripts/residual-gain-figure.py BUILD_DIR --stats

--stats prints instead, per expression preset (and a full blink and jaw
drop), over every face of the landmark fixtures, the share of the 128² grid
where the gain is below 1 and below 0.5, and its smallest value.

Uses the landmark fixtures in tests/data/landmarks/ and the photos in
data/samples/. Needs PIL (/usr/bin/python3).
"""
import json
import os
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# (photo stem, face, --au, landmark range of the region, label)
CASES = [
    ("sample6", 2, "45=5", range(36, 42), "blink (AU45 = 5), sample6 face 2"),
    ("sample6", 3, "45=5", range(42, 48), "blink (AU45 = 5), sample6 face 3"),
    ("sample6", 2, "25=5,26=5", range(48, 68),
     "jaw drop (AU25 = AU26 = 5), sample6 face 2"),
    ("sample6", 0, "25=5,26=5", range(48, 68),
     "jaw drop (AU25 = AU26 = 5), sample6 face 0"),
]
TILE_W = 300
LABEL_H = 18


def photo_path(stem):
    for ext in (".png", ".jpg"):
        p = os.path.join(ROOT, "data/samples", stem + ext)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(stem)


def render(build, stem, face, au, out, extra):
    cmd = [os.path.join(build, "app/mien-render"), photo_path(stem),
           "--landmarks", os.path.join(ROOT, "tests/data/landmarks",
                                       stem + ".json"),
           "--face", str(face), "--au", au, "--crop-only", "-o", out] + extra
    text = subprocess.run(cmd, check=True, capture_output=True,
                          text=True).stdout
    # "OUT: face N, crop W×H at (X, Y), ..." gives the crop's origin.
    at = text.split(" at (", 1)[1].split(")", 1)[0]
    return tuple(int(v) for v in at.split(","))


def region(stem, face, idx, origin):
    lm = json.load(open(os.path.join(ROOT, "tests/data/landmarks",
                                     stem + ".json")))["faces"][face]
    xs = [lm["landmarks"][i][0] - origin[0] for i in idx]
    ys = [lm["landmarks"][i][1] - origin[1] for i in idx]
    pad_x = 0.2 * (max(xs) - min(xs))
    pad_y = max(0.6 * (max(ys) - min(ys)), 0.5 * pad_x)
    return (int(min(xs) - pad_x), int(min(ys) - pad_y),
            int(max(xs) + pad_x), int(max(ys) + pad_y))


def tile(img, box):
    part = img.convert("RGB").crop(box)
    h = round(part.height * TILE_W / part.width)
    return part.resize((TILE_W, h), Image.NEAREST)


STATS = [("--preset", p) for p in ("happy", "sad", "surprised", "fearful",
                                     "angry", "disgusted", "contempt")] + [
    ("--au", "45=5"), ("--au", "25=5,26=5")]


def stats(build):
    import numpy as np
    faces = []
    for name in sorted(os.listdir(os.path.join(ROOT, "tests/data/landmarks"))):
        stem = name[:-5]
        n = len(json.load(open(os.path.join(ROOT, "tests/data/landmarks",
                                            name)))["faces"])
        faces += [(stem, f) for f in range(n)]
    print("| expression | faces | grid with G < 1 | G < 0.5 | smallest G |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for opt, value in STATS:
            below1, below_half, low = [], [], 1.0
            for stem, face in faces:
                debug = os.path.join(tmp, "d")
                cmd = [os.path.join(build, "app/mien-render"),
                       photo_path(stem), "--landmarks",
                       os.path.join(ROOT, "tests/data/landmarks",
                                    stem + ".json"),
                       "--face", str(face), opt, value, "--crop-only", "-q",
                       "--debug-dir", debug, "-o", os.path.join(tmp, "o.png")]
                subprocess.run(cmd, check=True)
                # G.png is the 128² gain enlarged 4× (bilinear): sample the
                # grid nodes' pixels back.
                g = np.asarray(Image.open(os.path.join(debug, "G.png"))
                               .convert("L"), dtype=np.float64)[1::4, 1::4]
                g /= 255.0
                below1.append(np.mean(g < 0.995))
                below_half.append(np.mean(g < 0.5))
                low = min(low, float(g.min()))
            label = value if opt == "--preset" else "AU " + value
            print(f"| {label} | {len(faces)} | {100 * np.mean(below1):.2f} % "
                  f"| {100 * np.mean(below_half):.2f} % | {low:.2f} |")


def main():
    build = sys.argv[1]
    if sys.argv[2] == "--stats":
        return stats(build)
    out_path = sys.argv[2]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for stem, face, au, idx, label in CASES:
            paper = os.path.join(tmp, "paper.png")
            faded = os.path.join(tmp, "faded.png")
            debug = os.path.join(tmp, "debug")
            origin = render(build, stem, face, au, paper, ["--no-fade"])
            render(build, stem, face, au, faded, ["--debug-dir", debug])
            after = Image.open(faded)
            gain = Image.open(os.path.join(debug, "G.png")).resize(
                after.size, Image.BILINEAR)
            box = region(stem, face, idx, origin)
            rows.append((label, [tile(Image.open(paper), box),
                                 tile(after, box), tile(gain, box)]))
    heads = ["paper (--no-fade)", "with the residual gain", "gain G"]
    height = sum(LABEL_H + t[0].height for _, t in rows) + LABEL_H
    sheet = Image.new("RGB", (3 * TILE_W + 8, height), "white")
    draw = ImageDraw.Draw(sheet)
    for i, h in enumerate(heads):
        draw.text((i * (TILE_W + 4) + 4, 3), h, fill="black")
    y = LABEL_H
    for label, tiles in rows:
        draw.text((4, y + 3), label, fill="black")
        y += LABEL_H
        for i, t in enumerate(tiles):
            sheet.paste(t, (i * (TILE_W + 4), y))
        y += tiles[0].height
    sheet.save(out_path)
    print("wrote", out_path)


if __name__ == "__main__":
    main()
