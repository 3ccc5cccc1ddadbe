# SPDX-License-Identifier: GPL-3.0-or-later
"""Synthetic cartoon faces with known Action Units, in the paper's dataset
layout (a folder of images + an OpenFace-style CSV), for testing the
training recipe where no face dataset can be downloaded.

Each face's brows, lids and mouth follow its AU values: AU01/AU02 raise the
brows, AU04 lowers them, AU05 widens the eyes, AU45 closes them, AU12 lifts
the mouth corners, AU15 lowers them, AU25/AU26 open the mouth. Position,
size, skin and background colours vary at random.

usage: make_synthetic_faces.py OUTDIR [N] [SIZE] [SEED]
writes OUTDIR/images/face-XXXX.png and OUTDIR/aus.csv (columns face_id,
confidence, success, AU01_r ... AU45_r, filename) and OUTDIR/labels.csv
(filename, label: neutral / happy / surprised) for expression training.
"""
import csv
import os
import random
import sys

from PIL import Image, ImageDraw

AUS = ["AU01_r", "AU02_r", "AU04_r", "AU05_r", "AU06_r", "AU07_r", "AU09_r",
       "AU10_r", "AU12_r", "AU14_r", "AU15_r", "AU17_r", "AU20_r", "AU23_r",
       "AU25_r", "AU26_r", "AU45_r"]


def random_aus(rng):
    au = {a: 0.0 for a in AUS}
    kind = rng.choice(["neutral", "happy", "surprised"])
    if kind == "happy":
        au["AU12_r"] = rng.uniform(2, 5)
        au["AU06_r"] = rng.uniform(1, 3)
        au["AU25_r"] = rng.uniform(0, 2)
    elif kind == "surprised":
        au["AU01_r"] = au["AU02_r"] = rng.uniform(2, 5)
        au["AU05_r"] = rng.uniform(1, 4)
        au["AU26_r"] = au["AU25_r"] = rng.uniform(2, 5)
    for a in ("AU04_r", "AU15_r", "AU45_r"):
        if rng.random() < 0.2:
            au[a] = rng.uniform(1, 4)
    return au, kind


def draw_face(size, au, rng):
    s = size / 128.0
    bg = tuple(rng.randrange(40, 200) for _ in range(3))
    img = Image.new("RGB", (size, size), bg)
    d = ImageDraw.Draw(img)
    cx = size / 2 + rng.uniform(-6, 6) * s
    cy = size / 2 + rng.uniform(-6, 6) * s
    r = rng.uniform(40, 48) * s
    skin = (rng.randrange(170, 240), rng.randrange(120, 190),
            rng.randrange(90, 160))
    d.ellipse([cx - r * 0.85, cy - r, cx + r * 0.85, cy + r], fill=skin)
    dark = (40, 30, 30)
    brow = (au["AU01_r"] + au["AU02_r"]) * 0.8 - au["AU04_r"] * 1.2
    lid = 4 + au["AU05_r"] * 0.8 - au["AU45_r"] * 1.0
    for side in (-1, 1):
        ex, ey = cx + side * r * 0.38, cy - r * 0.2
        by = ey - 9 * s - brow * s
        d.line([ex - 8 * s, by + 2 * s, ex + 8 * s, by], fill=dark,
               width=max(1, round(2 * s)))
        h = max(0.5, lid) * s
        d.ellipse([ex - 7 * s, ey - h, ex + 7 * s, ey + h], fill=(250, 250, 250))
        if lid > 1:
            d.ellipse([ex - 2.5 * s, ey - 2.5 * s, ex + 2.5 * s, ey + 2.5 * s],
                      fill=(50, 60, 90))
    mx, my = cx, cy + r * 0.45
    lift = (au["AU12_r"] - au["AU15_r"]) * 1.5 * s
    half = (14 + au["AU12_r"]) * s
    opening = (au["AU25_r"] * 0.6 + au["AU26_r"] * 1.2) * s
    top = [(mx - half, my - lift), (mx, my - opening * 0.3), (mx + half, my - lift)]
    bot = [(mx + half, my - lift), (mx, my + opening + 2 * s), (mx - half, my - lift)]
    d.polygon(top + bot, fill=(120, 30, 40), outline=(90, 20, 30))
    return img


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 128
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 0)
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    rows, labels = [], []
    for i in range(n):
        au, kind = random_aus(rng)
        name = f"face-{i:04d}.png"
        draw_face(size, au, rng).save(os.path.join(out, "images", name))
        rows.append({"face_id": 0, "confidence": 0.98, "success": 1,
                     **{a: f"{v:.2f}" for a, v in au.items()},
                     "filename": name})
        labels.append({"filename": name, "label": kind})
    with open(os.path.join(out, "aus.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(out, "labels.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["filename", "label"])
        w.writeheader()
        w.writerows(labels)


if __name__ == "__main__":
    main()
