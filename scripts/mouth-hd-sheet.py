#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mouth interior at 4K, before and after it was painted at the frame's
resolution (engine/mien-animator-mouth.c): for each sample photo named,
the photo enlarged to 4096 pixels wide (Lanczos), one face rendered with
each preset by mien-render (--crop-only), with the grid's paint alone
(MIEN_MOUTH_GRID=1, the frame before) and as now; the mouth at 1:1, shown
twice enlarged. Rows: photo / face / preset; columns: before, after.

Usage: scripts/mouth-hd-sheet.py [--before-env VAR=VALUE] [--presets A,B]
           [--mouth-box | --brows] BUILD OUT.jpg [PHOTO:FACE ...]
       (default: sample6:2 sample3:0 sample1:1; presets surprised and
       viseme-a; the "before" column with MIEN_MOUTH_GRID=1, or with the
       variable --before-env names, e.g. MIEN_MOUTH_NO_TEETH=1; with
       --mouth-box the shown box is 1.8 times the mouth's width, at least
       240 pixels, scaled to 480 pixels wide, for faces of any size; with
       --brows the box is the brows and eyes instead, 1.3 times their
       width; presets may be AU lists such as 1=5,2=5, separated by ';')"""
import json
import os
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw

PRESETS = ["surprised", "viseme-a"]
BOX = 240  # photo pixels about the mouth, shown at 2x


def main():
    args = sys.argv[1:]
    before_env, presets, mouth_box, brows = ("MIEN_MOUTH_GRID=1", PRESETS,
                                             False, False)
    while args and args[0].startswith("--"):
        if args[0] in ("--mouth-box", "--brows"):
            mouth_box = True
            brows = args[0] == "--brows"
            args = args[1:]
            continue
        if args[0] == "--before-env" and len(args) > 1:
            before_env = args[1]
        elif args[0] == "--presets" and len(args) > 1:
            # ';' separates them where one is an AU list (1=5,2=5).
            presets = args[1].split(";" if ";" in args[1] else ",")
        else:
            print(__doc__)
            return 2
        args = args[2:]
    if len(args) < 2:
        print(__doc__)
        return 2
    build, out = args[0], args[1]
    picks = args[2:] or ["sample6:2", "sample3:0", "sample1:1"]
    before_var, before_value = before_env.split("=", 1)
    render = os.path.join(build, "app", "mien-render")
    faces_tool = os.path.join(build, "app", "mien-faces")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for pick in picks:
            stem, face = pick.split(":")
            src = os.path.join("data", "samples", stem + ".jpg")
            if not os.path.exists(src):
                src = os.path.join("data", "samples", stem + ".png")
            im = Image.open(src).convert("RGB")
            s = 4096 / im.width
            big = os.path.join(tmp, stem + "-4k.png")
            im.resize((4096, round(im.height * s)), Image.LANCZOS).save(big)
            for preset in presets:
                tiles = []
                for grid in (1, 0):
                    path = os.path.join(tmp, f"{stem}-{preset}-{grid}.png")
                    env = dict(os.environ)
                    if grid:
                        env[before_var] = before_value
                    expr = (["--au", preset] if "=" in preset
                            else ["-p", preset])
                    subprocess.run([render, big, "-f", face] + expr
                                   + ["--crop-only", "-q", "-o", path],
                                   env=env, check=True)
                    tiles.append(Image.open(path).convert("RGB"))
                # The mouth: the centre of the inner lips found on the crop.
                js = json.loads(subprocess.run(
                    [faces_tool, os.path.join(tmp, f"{stem}-{preset}-1.png"),
                     "--json"], capture_output=True, text=True,
                    check=True).stdout)
                w, h = tiles[0].size
                best = min(js["faces"], key=lambda f: abs(
                    f["box"]["x"] + f["box"]["width"] / 2 - w / 2))
                lm = best["landmarks"]
                cx = sum(p[0] for p in lm[60:68]) / 8
                cy = sum(p[1] for p in lm[60:68]) / 8
                side = BOX
                if mouth_box:
                    side = max(BOX, 1.8 * abs(lm[64][0] - lm[60][0]))
                if brows:
                    pts = lm[17:27] + lm[36:48]
                    cx = sum(p[0] for p in pts) / len(pts)
                    cy = sum(p[1] for p in pts) / len(pts)
                    side = max(BOX, 1.3 * (max(p[0] for p in pts)
                                           - min(p[0] for p in pts)))
                box = (int(cx - side / 2), int(cy - side * 0.35),
                       int(cx + side / 2), int(cy + side * 0.35))
                size = (2 * (box[2] - box[0]), 2 * (box[3] - box[1]))
                if mouth_box:
                    size = (480, round(480 * 0.7))
                pair = [t.crop(box).resize(size, Image.NEAREST if size[0]
                                           >= box[2] - box[0] else
                                           Image.LANCZOS) for t in tiles]
                row = Image.new("RGB", (pair[0].width * 2 + 4, pair[0].height))
                row.paste(pair[0], (0, 0))
                row.paste(pair[1], (pair[0].width + 4, 0))
                ImageDraw.Draw(row).text(
                    (6, 4), f"{stem} face {face}, {preset}: before | after",
                    fill=(255, 255, 255))
                rows.append(row)
    sheet = Image.new("RGB", (rows[0].width,
                              sum(r.height + 4 for r in rows)))
    y = 0
    for r in rows:
        sheet.paste(r, (0, y))
        y += r.height + 4
    sheet.save(out, quality=90)
    print(f"{out}: {len(rows)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
