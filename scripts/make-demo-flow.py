#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes a smooth demo motion field (.flo, 128×128, in low-res pixels) that
lifts two points like mouth corners and vanishes at the border, for
scripts/run.sh until the expression generator drives the app.
Usage: make-demo-flow.py OUT.flo [CX_LEFT CX_RIGHT CY]  (in 0..1 units)"""
import sys

import numpy as np

out = sys.argv[1]
cxl, cxr, cy = (float(v) for v in sys.argv[2:5]) if len(sys.argv) >= 5 else (0.42, 0.58, 0.70)
n = 128
ys, xs = np.mgrid[0:n, 0:n] / (n - 1)
field = np.zeros((n, n, 2), np.float32)
sigma = 0.35 * (cxr - cxl)          # bump size follows the mouth width
lift = 40.0 * (cxr - cxl)           # in low-res pixels
for cx, side in ((cxl, -1), (cxr, 1)):
    bump = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * sigma ** 2))
    # Backward warp: sample from below and inwards, so the corner moves up/out.
    field[..., 0] += (-side * 0.5 * lift * bump).astype(np.float32)
    field[..., 1] += (lift * bump).astype(np.float32)
border = np.minimum.reduce([xs, 1 - xs, ys, 1 - ys])
field *= np.clip(border / 0.1, 0, 1)[..., None]
with open(out, "wb") as f:
    f.write(np.array([202021.25], "<f4").tobytes())
    f.write(np.array([n, n], "<i4").tobytes())
    f.write(field.astype("<f4").tobytes())
