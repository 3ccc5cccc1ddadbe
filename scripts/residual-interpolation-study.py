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

BILINEAR = ref.warp


def keys_weights(a):
    """Keys' cubic convolution with parameter a (-1/2: Catmull-Rom)."""
    def kernel(x):
        x = np.abs(x)
        return np.where(x <= 1, (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1,
                        np.where(x < 2, a * x ** 3 - 5 * a * x ** 2
                                 + 8 * a * x - 4 * a, 0.0))
    return kernel


def lanczos3(x):
    x = np.abs(x)
    return np.where(x < 3, np.sinc(x) * np.sinc(x / 3), 0.0)


def kernel_warp(kernel, radius):
    """A backward warp like reswarp_ref.warp (positions clamped to the image,
    taps border-replicated) with 2·radius separable taps of `kernel`."""
    def warp(img, field):
        h, w = img.shape[:2]
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
        px = np.clip(xs + field[..., 0], 0, w - 1)
        py = np.clip(ys + field[..., 1], 0, h - 1)
        x0, y0 = np.floor(px).astype(int), np.floor(py).astype(int)
        tx, ty = (px - x0)[..., None], (py - y0)[..., None]
        offs = range(1 - radius, radius + 1)
        wx = [kernel(tx - i) for i in offs]
        wy = [kernel(ty - j) for j in offs]
        sx, sy = sum(wx), sum(wy)  # Lanczos taps do not sum to 1 exactly
        out = 0.0
        for wj, j in zip(wy, offs):
            yy = np.clip(y0 + j, 0, h - 1)
            row = sum(wi * img[yy, np.clip(x0 + i, 0, w - 1)]
                      for wi, i in zip(wx, offs))
            out = out + wj * row
        return out / (sx * sy)
    return warp


warp_catmull_rom = kernel_warp(keys_weights(-0.5), 2)
warp_keys75 = kernel_warp(keys_weights(-0.75), 2)
warp_lanczos3 = kernel_warp(lanczos3, 3)


def compensated_bilinear(a=0.183):
    """Bilinear, on a residual pre-sharpened once per photo with
    [-a, 1 + 2a, -a] in x and y: at a = 0.183 the filter's energy gain at
    Nyquist, (1 + 4a)^2 = 3, undoes the mean energy loss of bilinear at a
    uniformly random sub-pixel shift, 2/3 + cos(w)/3."""
    def warp(img, field):
        p = np.pad(img, ((1, 1), (1, 1), (0, 0)), mode="edge")
        sx = (1 + 2 * a) * p[:, 1:-1] - a * (p[:, :-2] + p[:, 2:])
        sharp = (1 + 2 * a) * sx[1:-1] - a * (sx[:-2] + sx[2:])
        return BILINEAR(sharp, field)
    return warp


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
                       ("comp-bilin", compensated_bilinear()),
                       ("Catmull-Rom", warp_catmull_rom),
                       ("Keys-0.75", warp_keys75),
                       ("Lanczos-3", warp_lanczos3)):
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
