#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mouth under some AU settings, one row per face and build: each cell
is the mouth region of `mien-render PHOTO -f N --au SPEC --crop-only`,
enlarged, labelled with the build and the setting. With two builds (before
and after a rig change) their rows alternate, so a change reads down a
column.

  scripts/mouth-au-sheet.py OUT.jpg --builds build-old,build \\
      --labels before,after --faces sample6:0,sample2:0 \\
      --aus 0,25=3,25=5,25=3+26=3

Faces are the analyzer's (mien-render -f N), photos data/samples/STEM.*;
in --aus a '+' separates AUs of one setting ('0' is the photo's own
expression). Needs PIL (/usr/bin/python3)."""
import argparse
import os
import subprocess
import tempfile

from PIL import Image, ImageDraw

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CELL_W, CELL_H, LABEL = 300, 170, 16


def photo_path(stem):
    for ext in (".jpg", ".png"):
        p = os.path.join(ROOT, "data/samples", stem + ext)
        if os.path.exists(p):
            return p
    raise SystemExit(f"no data/samples/{stem}.jpg or .png")


def mouth_box(size):
    # The crop centres the face: the mouth sits in its lower middle.
    w, h = size
    return (int(0.30 * w), int(0.58 * h), int(0.70 * w), int(0.81 * h))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--builds", default="build")
    ap.add_argument("--faces", default="sample6:0,sample2:0")
    ap.add_argument("--aus", default="0,25=3,25=5")
    ap.add_argument("--labels", help="a name per build (default: its folder)")
    a = ap.parse_args()
    builds = a.builds.split(",")
    names = (a.labels.split(",") if a.labels
             else [os.path.basename(b.rstrip("/")) for b in builds])
    faces = [f.split(":") for f in a.faces.split(",")]
    settings = a.aus.split(",")
    rows = len(faces) * len(builds)
    sheet = Image.new("RGB", (CELL_W * len(settings),
                              rows * (CELL_H + LABEL)), "white")
    draw = ImageDraw.Draw(sheet)
    with tempfile.TemporaryDirectory() as tmp:
        r = 0
        for stem, face in faces:
            for build, name in zip(builds, names):
                for c, spec in enumerate(settings):
                    out = os.path.join(tmp, f"{r}-{c}.png")
                    cmd = [os.path.join(build, "app/mien-render"),
                           photo_path(stem), "-f", face, "--crop-only", "-q",
                           "-o", out]
                    if spec != "0":
                        cmd += ["--au", spec.replace("+", ",")]
                    subprocess.run(cmd, check=True)
                    im = Image.open(out).convert("RGB")
                    cell = im.crop(mouth_box(im.size)).resize(
                        (CELL_W, CELL_H), Image.LANCZOS)
                    y = r * (CELL_H + LABEL)
                    sheet.paste(cell, (c * CELL_W, y + LABEL))
                    label = "photo" if spec == "0" else "AU " + spec.replace("+", ", AU ")
                    draw.text((c * CELL_W + 4, y + 2),
                              f"{stem}/{face} {name}: {label}",
                              fill="black")
                r += 1
    sheet.save(a.out, quality=90)


if __name__ == "__main__":
    main()
