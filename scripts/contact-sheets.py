#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Contact sheets for docs/QUALITY.md: every expression preset (or every AU at
its maximum) on the chosen face's crop, in a labelled grid.

  scripts/contact-sheets.py BUILD_DIR OUT_DIR [--aus] [PHOTO_STEM ...]

Runs BUILD_DIR/app/mien-render --crop-only with the landmark fixtures in
tests/data/landmarks/ and photos in data/samples/. Needs PIL (/usr/bin/python3).
"""
import os
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRESETS = ["neutral", "happy", "sad", "surprised", "fearful", "angry",
           "disgusted", "contempt"]
AUS = ["1", "2", "4", "5", "6", "7", "9", "10", "12", "14", "15", "17", "20",
       "23", "25", "26", "45", "45L", "gaze_h", "gaze_v"]
CELL = 256


def render(build, stem, args, out):
    photo = next(os.path.join(ROOT, "data/samples", stem + ext)
                 for ext in (".png", ".jpg")
                 if os.path.exists(os.path.join(ROOT, "data/samples", stem + ext)))
    cmd = [os.path.join(build, "app/mien-render"), photo, "--landmarks",
           os.path.join(ROOT, "tests/data/landmarks", stem + ".json"),
           "--crop-only", "-q", "-o", out] + args
    subprocess.run(cmd, check=True)


def sheet(build, stem, items, out_path, cols=4):
    rows = (len(items) + cols - 1) // cols
    img = Image.new("RGB", (cols * CELL, rows * (CELL + 18)), "white")
    draw = ImageDraw.Draw(img)
    with tempfile.TemporaryDirectory() as tmp:
        for i, (label, args) in enumerate(items):
            out = os.path.join(tmp, "%d.png" % i)
            render(build, stem, args, out)
            cell = Image.open(out).convert("RGB").resize((CELL, CELL), Image.LANCZOS)
            x, y = (i % cols) * CELL, (i // cols) * (CELL + 18)
            img.paste(cell, (x, y + 18))
            draw.text((x + 4, y + 3), label, fill="black")
    img.save(out_path)
    print(out_path)


def main():
    build, out_dir = sys.argv[1], sys.argv[2]
    rest = sys.argv[3:]
    aus = "--aus" in rest
    stems = [s for s in rest if not s.startswith("--")] or \
        ["astronaut"] + ["sample%d" % i for i in range(1, 7)]
    os.makedirs(out_dir, exist_ok=True)
    for stem in stems:
        if aus:
            items = [("AU%s = 5" % a if not a.startswith("gaze") else a + " = 1",
                      ["--au", "%s=%s" % (a, 1 if a.startswith("gaze") else 5)])
                     for a in AUS]
            sheet(build, stem, items, os.path.join(out_dir, "aus-%s.png" % stem), cols=5)
        else:
            items = [(p, ["--preset", p]) for p in PRESETS]
            sheet(build, stem, items, os.path.join(out_dir, "presets-%s.png" % stem))


if __name__ == "__main__":
    main()
