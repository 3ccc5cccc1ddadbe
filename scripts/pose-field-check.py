#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""How far the rig's field itself turns the photo's landmarks (issue #24,
docs/QUALITY.md "Where pitch's shortfall comes from"): each face of PHOTO
is rendered with --pose AXIS=ANGLE (mien-render --debug-dir), the photo's
68 landmarks (mien-faces) are carried forward through the grid field F
(q + F(q) = p solved by fixed-point iteration), and the turn between the
photo's landmarks and the carried ones is estimated with
scripts/pose-accuracy.py's PnP on the rig's generic face. The same
estimate on the result's re-detected landmarks is pose-accuracy.py's
table; the difference between the two is what the landmark net reads of
the image, not what the field did.

usage: pose-field-check.py BUILD PHOTO AXIS ANGLES [FACES]
  e.g. pose-field-check.py build data/samples/sample5.jpg pitch -10,10
"""
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "pa", os.path.join(HERE, "pose-accuracy.py"))
pa = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pa)
B = sys.argv.pop(1)
TMP = tempfile.mkdtemp(prefix="mien-pose-field-")
def read_flo(path):
    """A Middlebury .flo (mien-render --debug-dir F.flo): h × w × 2."""
    d = np.fromfile(path, np.float32)
    w, h = d[1:3].view(np.int32)
    return d[3:].reshape(h, w, 2)


def bilinear(F, x, y):
    h, w, _ = F.shape
    x, y = np.clip(x, 0, w - 1.001), np.clip(y, 0, h - 1.001)
    x0, y0 = int(x), int(y)
    fx, fy = x - x0, y - y0
    return (F[y0, x0] * (1 - fx) * (1 - fy) + F[y0, x0 + 1] * fx * (1 - fy)
            + F[y0 + 1, x0] * (1 - fx) * fy + F[y0 + 1, x0 + 1] * fx * fy)


def forward(F, p):
    """Where the backward field F (out(x) = in(x + F(x))) takes p."""
    q = p.copy()
    for _ in range(60):
        q = p - bilinear(F, q[0], q[1])
    return q


def main():
    photo, axis = sys.argv[1], sys.argv[2]
    angles = [float(a) for a in sys.argv[3].split(",")]
    found = json.loads(subprocess.run(
        [os.path.join(B, "app", "mien-faces"), photo, "--json"],
        capture_output=True, text=True, check=True).stdout)
    lmfile = os.path.join(TMP, "lm.json")
    pa.write_landmarks(found, lmfile)
    faces = (range(len(found["faces"])) if len(sys.argv) < 5
             else [int(x) for x in sys.argv[4].split(",")])
    for fi in faces:
        lm = np.array(found["faces"][fi]["landmarks"], float)
        R0 = pa.fit_pose(lm)[0]
        out = []
        for a in angles:
            p = subprocess.run(
                [os.path.join(B, "app", "mien-render"), photo, "--landmarks",
                 lmfile, "--face", str(fi), "--pose", "%s=%g" % (axis, a),
                 "-o", os.path.join(TMP, "o.png"), "--debug-dir",
                 os.path.join(TMP, "dbg")], capture_output=True, text=True,
                check=True)
            m = re.search(r"crop (\d+)×(\d+) at \((\d+), (\d+)\)", p.stdout)
            side, cx, cy = int(m.group(1)), int(m.group(3)), int(m.group(4))
            F = read_flo(os.path.join(TMP, "dbg", "F.flo"))
            s = F.shape[1] / side  # the crop's grid (mien-headshot.c)
            g = np.stack([(lm[:, 0] - cx) * s - 0.5,
                          (lm[:, 1] - cy) * s - 0.5], 1)
            q = np.array([forward(F, gi) for gi in g])
            R1 = pa.fit_pose((q + 0.5) / s + [cx, cy])[0]
            out.append("%+g:%+.2f" % (a, pa.angles(R0.T @ R1)[axis]))
        print(os.path.basename(photo), fi, axis, " ".join(out), flush=True)


if __name__ == "__main__":
    main()
