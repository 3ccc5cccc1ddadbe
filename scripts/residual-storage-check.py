#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What 16-bit residual storage costs in the picture (issue #22).

Renders every sample photo's largest face with each preset in both ResWarp
modes twice, with the residuals in float (MIEN_RESIDUAL_STORAGE=float) and
in 16 bits (=16, what the app uses for 8-bit photos), and compares the two
8-bit results: the largest difference in 8-bit levels, how many samples
differ at all, and the Laplacian energy (mean square of the 4-neighbour
Laplacian of the luma, over the whole picture) of each.

Usage: scripts/residual-storage-check.py [--tool build/app/mien-render]
           [--presets surprised,happy,...] [--photos a.jpg,b.png] [--out DIR]
Prints a Markdown table (docs/BENCHMARKS.md, "16-bit residuals").
Needs Debian's python3-numpy and python3-pil (/usr/bin/python3).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def read_png(path):
    """An 8-bit PNG as uint8 HxWxC (python3-pil, Debian's)."""
    from PIL import Image
    return np.asarray(Image.open(path))


def laplacian_energy(img):
    y = img[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    lap = (4 * y[1:-1, 1:-1] - y[:-2, 1:-1] - y[2:, 1:-1] - y[1:-1, :-2]
           - y[1:-1, 2:])
    return float(np.mean(lap * lap))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", default=os.path.join(ROOT, "build/app/mien-render"))
    ap.add_argument("--presets", default="surprised,happy,angry")
    ap.add_argument("--photos", default="")
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    photos = (args.photos.split(",") if args.photos else
              sorted(os.path.join(ROOT, "data/samples", f)
                     for f in os.listdir(os.path.join(ROOT, "data/samples"))))
    out = args.out or tempfile.mkdtemp(prefix="mien-storage-")
    print("| photo | preset | mode | largest difference (8-bit levels) | "
          "samples that differ | Laplacian energy, float | 16-bit | change |")
    print("|---|---|---|---|---|---|---|---|")
    worst = 0
    for photo in photos:
        name = os.path.splitext(os.path.basename(photo))[0]
        for preset in args.presets.split(","):
            for mode in ("multiscale", "vanilla"):
                imgs = {}
                for storage in ("float", "16"):
                    path = os.path.join(out, f"{name}-{preset}-{mode}-{storage}.png")
                    env = dict(os.environ, MIEN_RESIDUAL_STORAGE=storage)
                    r = subprocess.run([args.tool, photo, "-p", preset, "-m", mode,
                                        "-q", "-o", path], env=env,
                                       capture_output=True, text=True)
                    if r.returncode != 0:
                        print(f"{photo} {preset} {mode}: {r.stderr.strip()}",
                              file=sys.stderr)
                        break
                    imgs[storage] = read_png(path)
                if len(imgs) != 2:
                    continue
                a, b = imgs["float"].astype(int), imgs["16"].astype(int)
                d = np.abs(a - b)
                ea, eb = laplacian_energy(imgs["float"]), laplacian_energy(imgs["16"])
                worst = max(worst, int(d.max()))
                print(f"| {name} | {preset} | {mode} | {int(d.max())} | "
                      f"{np.count_nonzero(d)} of {d.size} | {ea:.3f} | {eb:.3f} | "
                      f"{(eb - ea) / ea * 100:+.4f} % |", flush=True)
    print(f"\nlargest difference over all: {worst} levels")


if __name__ == "__main__":
    main()
