#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Head pose found again with a second face model (issue #24, docs/QUALITY.md
"Where pitch's shortfall comes from"): beside scripts/pose-accuracy.py's
estimate (face-api's 68 landmarks, PnP on the rig's generic face), the turn
read from MediaPipe's face mesh (mien-faces --mesh): the photo's own mesh,
468 points with depth, is the 3-D shape, and the result's mesh points are
fitted to it under weak perspective (the face's outline left out: it is a
silhouette, not points on the face). The fitted turn is in camera axes and
is taken into the head's frame of the photo's 68-point fit, R0ᵀ·M·R0, as
the rig's channels turn the head.

usage: pose-mesh-check.py BUILD PHOTO AXIS ANGLES [FACES]
  e.g. pose-mesh-check.py build data/samples/sample5.jpg pitch -10,10
Prints per face and angle the 68-point estimate and the mesh's.
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "pa", os.path.join(HERE, "pose-accuracy.py"))
pa = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pa)

# MediaPipe's face oval (FACEMESH_FACE_OVAL): the outline, left out.
OVAL = [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365,
        379, 378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93,
        234, 127, 162, 21, 54, 103, 67, 109]
KEEP = [i for i in range(468) if i not in OVAL]


def detect(build, path):
    return json.loads(subprocess.run(
        [os.path.join(build, "app", "mien-faces"), path, "--json", "--mesh"],
        capture_output=True, text=True, check=True).stdout)


def match(found, box, offset):
    """The face of found nearest box (IoU ≥ 0.4): 68 points and the mesh
    (x, y, z; z towards the camera), in photo pixels."""
    best, best_iou = None, 0.0
    for f in found["faces"]:
        b = pa.box_of(f)
        v = pa.iou([b[0] + offset[0], b[1] + offset[1], b[2], b[3]], box)
        if v > best_iou:
            best, best_iou = f, v
    if best is None or best_iou < 0.4 or not best.get("mesh"):
        return None
    mesh = np.array(best["mesh"]["points"], float)
    mesh[:, :2] += offset
    mesh[:, 2] *= -1  # MediaPipe: smaller z is nearer the camera
    return np.array(best["landmarks"], float) + offset, mesh


def fit_turn(X, y):
    """The turn of the centred shape X that best projects onto y."""
    X = X - X.mean(0)
    p = np.array([0, 0, 0, 1.0, *y.mean(0)])
    return pa.fit_weak_perspective(X, y, p, iterations=100)[0]


def main():
    build, photo, axis = sys.argv[1], sys.argv[2], sys.argv[3]
    angles = [float(a) for a in sys.argv[4].split(",")]
    tmp = tempfile.mkdtemp(prefix="mien-pose-mesh-")
    found = detect(build, photo)
    lmfile = os.path.join(tmp, "lm.json")
    pa.write_landmarks(found, lmfile)
    faces = (range(len(found["faces"])) if len(sys.argv) < 6
             else [int(x) for x in sys.argv[5].split(",")])
    src = Image.open(photo).convert("RGB")
    win_path = os.path.join(tmp, "win.png")
    for fi in faces:
        box = pa.box_of(found["faces"][fi])
        # The same window as pose-accuracy.py: three face boxes wide.
        cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
        half = 1.5 * max(box[2], box[3])
        win = [int(max(0, cx - half)), int(max(0, cy - half)),
               int(min(src.width, cx + half)), int(min(src.height, cy + half))]
        src.crop(win).save(win_path)
        m0 = match(detect(build, win_path), box, win[:2])
        if m0 is None:
            print(os.path.basename(photo), fi, "not found again with a mesh")
            continue
        lm0, mesh0 = m0
        R0 = pa.fit_pose(lm0)[0]
        out = []
        for a in angles:
            res_path = os.path.join(tmp, "out.png")
            subprocess.run([os.path.join(build, "app", "mien-render"), photo,
                            "--landmarks", lmfile, "--face", str(fi),
                            "--pose", "%s=%g" % (axis, a), "-o", res_path],
                           capture_output=True, check=True)
            Image.open(res_path).convert("RGB").crop(win).save(win_path)
            m1 = match(detect(build, win_path), box, win[:2])
            if m1 is None:
                out.append("%+g: lost" % a)
                continue
            lm1, mesh1 = m1
            e68 = pa.angles(R0.T @ pa.fit_pose(lm1)[0])[axis]
            M = fit_turn(mesh0[KEEP], mesh1[KEEP, :2])
            emesh = pa.angles(R0.T @ M @ R0)[axis]
            out.append("%+g: 68 %+.2f mesh %+.2f" % (a, e68, emesh))
        print(os.path.basename(photo), fi, axis, " | ".join(out), flush=True)


if __name__ == "__main__":
    main()
