#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""How much of the HD detail does the residual warp's interpolation cost?

docs/QUALITY.md found that multiscale ResWarp keeps less of the finest band
than vanilla, and guessed why: each residual level is warped with bilinear
interpolation at its own resolution, where its content sits near Nyquist.
This study renders a preset with mien-render --debug-dir (for F and the
crop), then recomputes both ResWarp modes with the numpy reference
(tests/reference/reswarp_ref.py; the paper's equations, fade off, O^r taken
as O^w = warp(I, F) so that only the residual path differs), once with the
bilinear warp of DESIGN.md and once with Catmull-Rom (Keys, a = -1/2), and
prints the band-pass energy of the result's luma over the source's per
Laplacian band (finest first) in the crop's middle 60 %.

  residual-interpolation-study.py BUILD PHOTO FACE PRESET [OUT.png]

OUT.png, if given: source | vanilla | multiscale bilinear | multiscale
Catmull-Rom, zoomed on the crop's middle."""
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "reference"))
import reswarp_ref as ref  # noqa: E402
from mien_files import read_flo  # noqa: E402


def catmull_rom_weights(t):
    t2, t3 = t * t, t * t * t
    return [(-t3 + 2 * t2 - t) / 2, (3 * t3 - 5 * t2 + 2) / 2,
            (-3 * t3 + 4 * t2 + t) / 2, (t3 - t2) / 2]


def warp_catmull_rom(img, field):
    """Like reswarp_ref.warp (positions clamped), with 4×4 cubic taps."""
    h, w = img.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    px = np.clip(xs + field[..., 0], 0, w - 1)
    py = np.clip(ys + field[..., 1], 0, h - 1)
    x0, y0 = np.floor(px).astype(int), np.floor(py).astype(int)
    wx = catmull_rom_weights((px - x0)[..., None])
    wy = catmull_rom_weights((py - y0)[..., None])
    out = 0.0
    for j in range(4):
        yy = np.clip(y0 + j - 1, 0, h - 1)
        row = sum(wx[i] * img[yy, np.clip(x0 + i - 1, 0, w - 1)]
                  for i in range(4))
        out = out + wy[j] * row
    return out


def band_energies(img):
    luma = (img @ np.array([0.299, 0.587, 0.114]))[..., None]
    energies = []
    while min(luma.shape[:2]) >= 32:
        h, w = luma.shape[:2]
        low = ref.down(luma, (h + 1) // 2, (w + 1) // 2)
        band = luma - ref.up(low, h, w)
        mid = band[h // 5: 4 * h // 5, w // 5: 4 * w // 5]
        energies.append(float((mid ** 2).mean()))
        luma = low
    return np.array(energies)


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    build, photo, face, preset = sys.argv[1:5]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([os.path.join(build, "app", "mien-render"), photo,
                        "-f", face, "--preset", preset, "--crop-only",
                        "--debug-dir", tmp, "-o",
                        os.path.join(tmp, "out.png")],
                       check=True, capture_output=True)
        hd = np.asarray(Image.open(os.path.join(tmp, "crop-before.png"))
                        .convert("RGB"), np.float64) / 255
        field = read_flo(os.path.join(tmp, "F.flo"))
    refined = ref.warp(ref.down(hd, *field.shape[:2]), field)
    source = band_energies(hd)
    results = {}
    bilinear = ref.warp
    for name, warp in (("bilinear", bilinear),
                       ("Catmull-Rom", warp_catmull_rom)):
        ref.warp = warp  # the reference's residual warps only
        for mode in ("vanilla", "multiscale"):
            out = getattr(ref, mode)(hd, refined, field)
            results[(name, mode)] = out
            ratio = band_energies(np.clip(out, 0, 1)) / source
            print("%-11s %-10s %s" % (name, mode,
                                      " ".join("%.3f" % r for r in ratio)))
        ref.warp = bilinear
    if len(sys.argv) > 5:
        h, w = hd.shape[:2]
        box = (w // 4, h // 4, 3 * w // 4, 3 * h // 4)
        tiles = [hd, results[("bilinear", "vanilla")],
                 results[("bilinear", "multiscale")],
                 results[("Catmull-Rom", "multiscale")]]
        ims = [Image.fromarray((np.clip(t, 0, 1) * 255 + 0.5)
                               .astype(np.uint8)).crop(box) for t in tiles]
        sheet = Image.new("RGB", (sum(i.width for i in ims), ims[0].height))
        x = 0
        for im in ims:
            sheet.paste(im, (x, 0))
            x += im.width
        sheet.save(sys.argv[5])


if __name__ == "__main__":
    main()
