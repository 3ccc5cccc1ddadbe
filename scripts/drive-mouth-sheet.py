#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Before/after sheet of driven clips (docs/QUALITY.md, "The photo's open
mouth"): chosen frames of two results of the same drive (e.g. mien-render
--drive-mouth add and copy), cropped around the driven face, one row each,
each frame labelled with the driver's inner-lip opening (--part eyes: the
eyes and brows, labelled with the driver's eye opening) from the first
pass's --drive-stats table. The driving frames themselves are not shown.

usage: drive-mouth-sheet.py --build BUILD --face FACE.png --index N
           --stats DRIVER.tsv --row LABEL=RESULT.mp4 [--row ...]
           --frames 0,21,30,... -o OUT.jpg [--side 200] [--part eyes]
"""
import argparse
import csv
import json
import os
import subprocess
import tempfile

import numpy as np
from PIL import Image, ImageDraw


def frames_of(video, wanted, tmp):
    sel = "+".join("eq(n\\,%d)" % f for f in wanted)
    pattern = os.path.join(tmp, "f-%03d.png")
    for old in os.listdir(tmp):
        os.remove(os.path.join(tmp, old))
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", video, "-vf",
                    "select=" + sel, "-vsync", "0", pattern], check=True)
    names = sorted(os.listdir(tmp))
    return [Image.open(os.path.join(tmp, n)).convert("RGB") for n in names]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--face", required=True)
    ap.add_argument("--index", type=int, default=0)
    ap.add_argument("--stats", required=True)
    ap.add_argument("--row", action="append", required=True)
    ap.add_argument("--frames", required=True)
    ap.add_argument("--side", type=int, default=200)
    ap.add_argument("--part", choices=("mouth", "eyes"), default="mouth")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    wanted = sorted(int(f) for f in a.frames.split(","))
    found = json.loads(subprocess.run(
        [os.path.join(a.build, "app", "mien-faces"), a.face, "--json"],
        capture_output=True, text=True, check=True).stdout)
    lm = np.array(found["faces"][a.index]["landmarks"], float)
    if a.part == "mouth":
        # The lower face: the nose down to below the chin, as wide as the
        # jaw.
        x0, y0 = lm[:, 0].min(), lm[27:, 1].min()
        x1, y1 = lm[:, 0].max(), lm[:, 1].max()
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        hw = hh = 0.6 * max(x1 - x0, y1 - y0)
    else:
        # The brows and eyes, twice as wide as high.
        x0, x1 = lm[17:27, 0].min(), lm[17:27, 0].max()
        cx, cy = (x0 + x1) / 2, (lm[17:27, 1].min() + lm[36:48, 1].max()) / 2
        hw = 0.6 * (x1 - x0)
        hh = hw / 2
    box = tuple(int(round(v)) for v in (cx - hw, cy - hh, cx + hw, cy + hh))
    stats = list(csv.DictReader(open(a.stats), delimiter="\t"))
    label_w, s = 90, a.side
    sh = s if a.part == "mouth" else s // 2
    sheet = Image.new("RGB", (label_w + s * len(wanted),
                              22 + sh * len(a.row)), "white")
    d = ImageDraw.Draw(sheet)
    for k, f in enumerate(wanted):
        d.text((label_w + k * s + 4, 4), "frame %d: %.3f iod" %
               (f, float(stats[f][a.part])), fill="black")
    with tempfile.TemporaryDirectory() as tmp:
        for r, spec in enumerate(a.row):
            label, _, video = spec.partition("=")
            ims = frames_of(video, wanted, tmp)
            d.text((4, 22 + r * sh + sh // 2), label, fill="black")
            for k, im in enumerate(ims):
                sheet.paste(im.crop(box).resize((s, sh), Image.LANCZOS),
                            (label_w + k * s, 22 + r * sh))
    sheet.save(a.output, quality=90)


if __name__ == "__main__":
    main()
