#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Head pose on awkward photos (issue #24, "Bad input"), through mien-render
as a user runs it, with the astronaut's fixture landmarks (no detector):

- a photo cut at the chin, one cut through the forehead, and a head touching
  the frame's side: every turn (yaw, pitch, roll at ±20) exits 0 without a
  fold (mien-render's min Jacobian > 0), the head moves, and the photo's cut
  edge keeps its pixels bit for bit (the motion is 0 on the crop's border,
  so nothing is pulled in from beyond the photo);
- a face the photo shows turned far: the yaw is limited with a warning that
  names the photo's yaw and the yaw used;
- two overlapping heads (the astronaut and a mirrored copy of her head
  pasted over her right side): turning either face leaves the other face
  (its landmarks' outline) bit for bit, and without the other face in the
  landmark file the same turn does move it (so this is what keeps it).

Usage: test_pose_bad_input.py MIEN_RENDER
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

RENDER = sys.argv[1]
ROOT = os.environ.get("MIEN_SOURCE_ROOT",
                      os.path.join(os.path.dirname(__file__), "..", ".."))
PHOTO = os.path.join(ROOT, "data", "samples", "astronaut.png")
FIXTURE = os.path.join(ROOT, "tests", "data", "landmarks", "astronaut.json")
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def landmark_file(path, width, height, faces):
    """Writes a mien-landmarks file of faces (each a (68, 2) array)."""
    base = json.load(open(FIXTURE))
    base.update(width=width, height=height, image=os.path.basename(path))
    out = []
    for lm in faces:
        x0, y0 = lm.min(axis=0)
        x1, y1 = lm.max(axis=0)
        out.append({"box": [float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
                    "score": 0.9, "landmarks": lm.tolist()})
    base["faces"] = out
    with open(path, "w") as f:
        json.dump(base, f)


def render(photo, landmarks, face, pose, out):
    """mien-render's exit code, stdout and stderr."""
    p = subprocess.run([RENDER, photo, "-L", landmarks, "--face", str(face),
                        "--pose", pose, "-o", out],
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def min_jacobian(stdout):
    m = re.search(r"min Jacobian (-?[0-9.]+)", stdout)
    return float(m.group(1)) if m else None


def load(path):
    return np.asarray(Image.open(path).convert("RGB")).astype(np.int16)


def inside_hull(points, shape):
    """Mask of the pixels whose centres lie in the convex hull of points."""
    pts = sorted(map(tuple, points))

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for q in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], q) <= 0:
            lower.pop()
        lower.append(q)
    for q in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], q) <= 0:
            upper.pop()
        upper.append(q)
    hull = lower[:-1] + upper[:-1]
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]] + 0.5
    mask = np.ones(shape, bool)
    for i in range(len(hull)):
        a, b = hull[i], hull[(i + 1) % len(hull)]
        mask &= (b[0] - a[0]) * (ys - a[1]) - (b[1] - a[1]) * (xs - a[0]) >= 0
    return mask


def face_core(lm, shape):
    """The face itself: the hull of the jaw, the brows and the landmarks."""
    return inside_hull(lm[:68], shape)


# The mirror image of the 68 points' numbering (iBUG order).
FLIP = (list(range(16, -1, -1)) + list(range(26, 16, -1)) + [27, 28, 29, 30]
        + [35, 34, 33, 32, 31] + [45, 44, 43, 42, 47, 46] + [39, 38, 37, 36, 41, 40]
        + [54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55]
        + [64, 63, 62, 61, 60, 67, 66, 65])


def main():
    if not os.path.exists(PHOTO):
        print("SKIP: no sample photo (scripts/fetch-assets.sh)")
        return 77
    # MIEN_POSE_KEEP=DIR keeps the photos and results there (for a look).
    tmp = os.environ.get("MIEN_POSE_KEEP") or tempfile.mkdtemp()
    os.makedirs(tmp, exist_ok=True)
    photo = load(PHOTO).astype(np.uint8)
    lm = np.array(json.load(open(FIXTURE))["faces"][0]["landmarks"], float)
    chin_y = lm[8, 1]
    brow_y = lm[17:27, 1].min()
    jaw_x = lm[0, 0]

    # Cut photos: (name, crop box x0, y0, x1, y1, the cut edge).
    cuts = [("chin", 0, 0, 512, int(chin_y + 4), "bottom"),
            ("forehead", 0, int(brow_y - 8), 512, 512, "top"),
            ("frame edge", int(jaw_x - 2), 0, 512, 512, "left")]
    for name, x0, y0, x1, y1, edge in cuts:
        path = os.path.join(tmp, name.replace(" ", "-") + ".png")
        Image.fromarray(photo[y0:y1, x0:x1]).save(path)
        lmp = path + ".json"
        landmark_file(lmp, x1 - x0, y1 - y0, [lm - [x0, y0]])
        src = load(path)
        for pose in ("yaw=20", "yaw=-20", "pitch=20", "pitch=-20", "roll=20",
                     "roll=-20"):
            out = os.path.join(tmp, f"{name.replace(' ', '-')}-{pose}.png")
            rc, so, se = render(path, lmp, 0, pose, out)
            what = f"{name}, {pose}"
            if rc != 0:
                check(False, f"{what}: exit {rc}: {se.strip()}")
                continue
            jac = min_jacobian(so)
            res = load(out)
            diff = np.abs(res - src).max(axis=2)
            line = {"bottom": diff[-1], "top": diff[0], "left": diff[:, 0]}[edge]
            check(jac is not None and jac > 0.0,
                  f"{what}: no fold (min Jacobian {jac})")
            check(line.max() == 0,
                  f"{what}: the cut {edge} edge keeps its pixels "
                  f"(max change {line.max()})")
            check((diff > 2).sum() > 1000,
                  f"{what}: the head moved ({(diff > 2).sum()} pixels)")

    # A face the photo shows turned far: sample5's second face (27°).
    s5 = os.path.join(ROOT, "data", "samples", "sample5.jpg")
    if os.path.exists(s5):
        rc, so, se = render(s5, os.path.join(ROOT, "tests", "data", "landmarks",
                                             "sample5.json"), 1, "yaw=20",
                            os.path.join(tmp, "s5.png"))
        m = re.search(r"turned (-?\d+)° in the photo; yaw 20 is limited to "
                      r"(-?[0-9.]+)", se)
        check(rc == 0 and m is not None and 20 < float(m.group(1)) < 45
              and 0 < float(m.group(2)) < 20,
              f"profile: exit {rc}, warning '{se.strip()}'")

    # Two overlapping heads: the astronaut, and a mirrored copy of her head
    # pasted (soft elliptical edge) over her right side.
    ox, oy, bx0, by0, bw, bh = 190, 30, 120, 30, 210, 200
    canvas = np.zeros((512, 662, 3))
    canvas[:, :512] = photo
    canvas[:, 512:] = photo[:, 512 - 150:][:, ::-1]
    head = photo[by0:by0 + bh, bx0:bx0 + bw][:, ::-1].astype(float)
    yy, xx = np.mgrid[0:bh, 0:bw]
    alpha = np.clip(4.0 * (1.0 - ((yy - bh / 2) / (0.47 * bh)) ** 2
                           - ((xx - bw / 2) / (0.40 * bw)) ** 2), 0, 1)[..., None]
    canvas[oy:oy + bh, ox:ox + bw] = (canvas[oy:oy + bh, ox:ox + bw] * (1 - alpha)
                                      + head * alpha)
    group = os.path.join(tmp, "group.png")
    Image.fromarray(canvas.round().astype(np.uint8)).save(group)
    # Column c of the copy shows the photo's column (bx0 + bw - 1) - (c - ox):
    # x' = ox + bx0 + bw - x in continuous pixel coordinates.
    copy = lm[FLIP].copy()
    copy[:, 0] = ox + bx0 + bw - copy[:, 0]
    copy[:, 1] += oy - by0
    faces = [copy, lm]  # the copy in front, the astronaut behind
    both = os.path.join(tmp, "both.json")
    landmark_file(both, 662, 512, faces)
    src = load(group)
    for face in (0, 1):
        other = faces[1 - face]
        alone = os.path.join(tmp, f"alone{face}.json")
        landmark_file(alone, 662, 512, [faces[face]])
        keep = face_core(other, src.shape[:2]) & ~face_core(faces[face], src.shape[:2])
        for pose in ("yaw=20", "roll=-20", "pitch=-20"):
            what = f"overlapping heads, face {face} ({'front' if face == 0 else 'behind'}), {pose}"
            out = os.path.join(tmp, f"group-face{face}-{pose}.png")
            rc, so, se = render(group, both, face, pose, out)
            if rc != 0:
                check(False, f"{what}: exit {rc}: {se.strip()}")
                continue
            jac = min_jacobian(so)
            diff = np.abs(load(out) - src).max(axis=2)
            out_alone = os.path.join(tmp, f"group-alone{face}-{pose}.png")
            rc2, _, _ = render(group, alone, 0, pose, out_alone)
            diff_alone = (np.abs(load(out_alone) - src).max(axis=2) if rc2 == 0
                          else diff)
            check(jac is not None and jac > 0.0, f"{what}: no fold (min Jacobian {jac})")
            check((diff > 2).sum() > 1000, f"{what}: the head moved "
                  f"({(diff > 2).sum()} pixels)")
            check(diff[keep].max() <= 2,
                  f"{what}: the other face stays (max change {diff[keep].max()} "
                  f"over {keep.sum()} pixels)")
            check((diff_alone[keep] > 2).sum() > 50,
                  f"{what}: without the other face in the file it moves "
                  f"({(diff_alone[keep] > 2).sum()} pixels)")

    # Driving the group photo with a photo (issue #23's drive path passes
    # the other faces too): a driver whose head is rolled (the astronaut
    # rendered with --pose roll=-20) turns the front face's head, and the
    # face behind stays, as with --pose; without it in the file, it moves.
    driver = os.path.join(tmp, "driver.png")
    p = subprocess.run([RENDER, PHOTO, "-L", FIXTURE, "--pose", "roll=-20",
                        "-o", driver], capture_output=True, text=True,
                       timeout=120)
    check(p.returncode == 0, f"driver photo: exit {p.returncode}: {p.stderr}")
    keep = face_core(faces[1], src.shape[:2]) & ~face_core(faces[0], src.shape[:2])
    moved = {}
    for name, file in (("both faces", both),
                       ("front face alone", os.path.join(tmp, "alone0.json"))):
        out = os.path.join(tmp, f"driven-{name.replace(' ', '-')}.png")
        p = subprocess.run([RENDER, group, "-L", file, "--face", "0",
                            "--drive", driver, "-o", out],
                           capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            check(False, f"drive the group ({name}): exit {p.returncode}: "
                  f"{p.stderr.strip()}")
            continue
        diff = np.abs(load(out) - src).max(axis=2)
        moved[name] = (diff[keep] > 2).sum()
        check((diff > 2).sum() > 1000, f"drive the group ({name}): the head "
              f"moved ({(diff > 2).sum()} pixels)")
        print(f"drive the group, {name}: {(diff > 2).sum()} pixels changed, "
              f"{moved[name]} of the face behind (max "
              f"{diff[keep].max():.0f} levels)")
    if len(moved) == 2:
        check(moved["both faces"] == 0,
              f"drive the group: the face behind stays ({moved['both faces']} "
              f"pixels changed)")
        check(moved["front face alone"] > 50,
              f"drive the group: without the other face in the file it moves "
              f"({moved['front face alone']} pixels)")

    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
