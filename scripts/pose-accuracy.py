#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Head pose accuracy (issue #24, "What it must show"): renders sample faces
with mien-render --pose at yaw, pitch and roll of ±5, ±10, ±15 and ±20
degrees, finds the result's 68 landmarks AGAIN with mien-faces (never the
rig's own points), estimates the head pose from them by PnP on the rig's
generic 3-D face (rig_face_shape, read from engine/rig/rig-tables.c) and
compares it with the request.

PnP: weak perspective (x = s·(R X)_xy + t), Levenberg–Marquardt on the
rotation vector, s and t, from the eye line's roll; the same model the rig
fits. The turn is measured against the photo's own estimated pose:
R_req ≈ R0ᵀ·R1 (the rig turns the head about its own axes), decomposed as
Rz(roll)·Rx(pitch)·Ry(yaw) with mien-au.h's signs.

Per case: the estimate on the asked axis, its error, the other two axes'
leak, identity cosine (face-api descriptors of the photo's face and the
result's, as mien-eval), min Jacobian (mien-render's report). Per face and
axis: the sign and whether the estimate grows monotonically from -20 to 20.

usage: pose-accuracy.py [--build build-h] [--faces all|N] [--photos a,b]
                        [--axes yaw,pitch,roll] [--tsv OUT.tsv] [--sheet OUT.png]
       pose-accuracy.py --summarise A.tsv,B.tsv
  --faces N   the N largest faces of each photo (default all)
  --axes      the axes asked (default all three; the leak is still read on
              the other two)
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
ANGLES = [-20, -15, -10, -5, 5, 10, 15, 20]
AXES = ["yaw", "pitch", "roll"]


def load_shape():
    text = open(os.path.join(ROOT, "engine/rig/rig-tables.c")).read()
    block = text[text.index("rig_face_shape[MIEN_N_LANDMARKS][3]"):]
    rows = re.findall(r"\{\s*(-?[\d.]+)f,\s*(-?[\d.]+)f,\s*(-?[\d.]+)f\s*\}",
                      block)[:68]
    assert len(rows) == 68
    return np.array(rows, float)


SHAPE = load_shape()


def rodrigues(r):
    th = np.linalg.norm(r)
    if th < 1e-12:
        return np.eye(3)
    k = r / th
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + math.sin(th) * K + (1 - math.cos(th)) * K @ K


def fit_weak_perspective(X, y, p, iterations=50):
    """Levenberg–Marquardt on y ≈ s·(R X)_xy + t from p = (rotation vector,
    s, t): R, s, t and the RMS residual. Also scripts/pose-mesh-check.py's
    fit of a face mesh."""
    y = np.asarray(y, float)

    def res(q):
        Y = X @ rodrigues(q[:3]).T
        return (q[3] * Y[:, :2] + q[4:6] - y).ravel()

    lam, r = 1e-3, res(p)
    cost = r @ r
    for _ in range(iterations):
        J = np.empty((r.size, 6))
        for k in range(6):
            h = 1e-5 if k < 3 else (1e-5 * p[3] if k == 3 else 1e-3)
            q = p.copy()
            q[k] += h
            J[:, k] = (res(q) - r) / h
        A = J.T @ J
        step = np.linalg.solve(A + lam * np.diag(np.diag(A)), -J.T @ r)
        q = p + step
        r2 = res(q)
        if r2 @ r2 < cost:
            gain = cost - r2 @ r2
            p, r, cost, lam = q, r2, r2 @ r2, lam * 0.3
            if gain < 1e-12 * cost:
                break
        else:
            lam *= 10
    return rodrigues(p[:3]), p[3], p[4:6], math.sqrt(cost / len(X))


def fit_pose(lm):
    """Weak-perspective PnP of SHAPE on 68 2-D points: R, s, t."""
    lm = np.asarray(lm, float)
    er, el = lm[36:42].mean(0), lm[42:48].mean(0)
    d = el - er
    p = np.array([0, 0, math.atan2(d[1], d[0]), np.linalg.norm(d),
                  *(0.5 * (er + el))])
    return fit_weak_perspective(SHAPE, lm, p)


def angles(R):
    """R = Rz(roll) Rx(pitch) Ry(yaw), degrees (mien-au.h's signs)."""
    pitch = math.asin(max(-1.0, min(1.0, R[2, 1])))
    yaw = math.atan2(-R[2, 0], R[2, 2])
    roll = math.atan2(-R[0, 1], R[1, 1])
    return {"yaw": math.degrees(yaw), "pitch": math.degrees(pitch),
            "roll": math.degrees(roll)}


def iou(a, b):
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def box_of(f):
    b = f["box"]
    return [b["x"], b["y"], b["width"], b["height"]]


def write_landmarks(found, path):
    """mien-faces --json's faces as a mien-landmarks file (mien-render -L)."""
    json.dump({"format": "mien-landmarks", "version": 1,
               "width": found["width"], "height": found["height"],
               "faces": [{"box": box_of(f), "score": f["score"],
                          "landmarks": f["landmarks"]}
                         for f in found["faces"]]}, open(path, "w"))


def detect(faces_bin, path):
    out = subprocess.run([faces_bin, path, "--json"], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out)


def match(found, box, offset):
    best, bi = None, 0.0
    for f in found["faces"]:
        b = box_of(f)
        b = [b[0] + offset[0], b[1] + offset[1], b[2], b[3]]
        v = iou(b, box)
        if v > bi:
            best, bi = f, v
    if best is None or bi < 0.4:
        return None
    lm = np.array(best["landmarks"], float) + np.array(offset, float)
    return lm, np.array(best["descriptor"], float)


def cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build-h")
    ap.add_argument("--faces", default="all")
    ap.add_argument("--photos", default="astronaut.png,sample1.jpg,sample2.jpg,"
                    "sample3.jpg,sample4.jpg,sample5.jpg,sample6.jpg")
    ap.add_argument("--tsv")
    ap.add_argument("--sheet")
    ap.add_argument("--axes", default=",".join(AXES))
    ap.add_argument("--summarise", help="only summarise these TSVs (a,b)")
    a = ap.parse_args()
    asked_axes = a.axes.split(",")
    if not asked_axes or any(x not in AXES for x in asked_axes):
        ap.error("--axes: a comma-separated subset of " + ",".join(AXES))
    if a.summarise:
        rows = []
        for path in a.summarise.split(","):
            for line in list(open(path))[1:]:
                v = line.rstrip("\n").split("\t")
                r = {"photo": v[0], "face": int(v[1]), "axis": v[2],
                     "asked": int(v[3]), "found": v[4] == "True",
                     "min_jacobian": float(v[9])}
                if r["found"]:
                    r.update(estimate=float(v[5]), error=float(v[6]),
                             leak=float(v[7]), cosine=float(v[8]))
                rows.append(r)
        summarise(rows)
        return 0
    build = os.path.join(ROOT, a.build) if not os.path.isabs(a.build) else a.build
    faces_bin = os.path.join(build, "app", "mien-faces")
    render_bin = os.path.join(build, "app", "mien-render")
    tmp = tempfile.mkdtemp(prefix="mien-pose-")
    rows, sheet = [], []
    for photo_name in a.photos.split(","):
        photo = os.path.join(ROOT, "data", "samples", photo_name)
        if not os.path.exists(photo):
            print("skip: %s is missing" % photo)
            continue
        found = detect(faces_bin, photo)
        lmfile = os.path.join(tmp, "lm.json")
        write_landmarks(found, lmfile)
        order = sorted(range(len(found["faces"])),
                       key=lambda i: -box_of(found["faces"][i])[2])
        if a.faces != "all":
            order = order[:int(a.faces)]
        src = Image.open(photo).convert("RGB")
        for fi in order:
            face = found["faces"][fi]
            box = box_of(face)
            # Detection on a window around the face (3 face boxes wide):
            # the same for the photo and for each result.
            cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
            half = 1.5 * max(box[2], box[3])
            win = [int(max(0, cx - half)), int(max(0, cy - half)),
                   int(min(src.width, cx + half)), int(min(src.height, cy + half))]
            wpath = os.path.join(tmp, "win.png")
            src.crop(win).save(wpath)
            m0 = match(detect(faces_bin, wpath), box, win[:2])
            if m0 is None:
                print("%s face %d: not found again in its window" % (photo_name, fi))
                continue
            lm0, desc0 = m0
            R0, s0, _, rms0 = fit_pose(lm0)
            if a.sheet and len(sheet) < 64:
                sheet.append((photo_name, fi, "photo", 0,
                              src.crop(win).resize((160, 160))))
            for axis in asked_axes:
                for ang in ANGLES:
                    out = os.path.join(tmp, "out.png")
                    p = subprocess.run([render_bin, photo, "--landmarks", lmfile,
                                        "--face", str(fi), "--pose",
                                        "%s=%d" % (axis, ang), "-o", out],
                                       capture_output=True, text=True)
                    if p.returncode != 0:
                        print(p.stderr)
                        continue
                    mj = re.search(r"min Jacobian (-?[\d.]+)", p.stdout)
                    res_img = Image.open(out).convert("RGB").crop(win)
                    res_img.save(wpath)
                    m1 = match(detect(faces_bin, wpath), box, win[:2])
                    row = {"photo": photo_name, "face": fi, "axis": axis,
                           "asked": ang, "found": m1 is not None,
                           "min_jacobian": float(mj.group(1)) if mj else float("nan")}
                    if m1 is not None:
                        lm1, desc1 = m1
                        R1, s1, _, rms1 = fit_pose(lm1)
                        est = angles(R0.T @ R1)
                        row.update({"estimate": est[axis],
                                    "error": est[axis] - ang,
                                    "leak": max(abs(est[o]) for o in AXES if o != axis),
                                    "cosine": cosine(desc0, desc1)})
                        if len(sheet) < 64 and abs(ang) in (10, 20):
                            sheet.append((photo_name, fi, axis, ang,
                                          res_img.resize((160, 160))))
                    rows.append(row)
                    print("%-13s face %d %-5s %+3d: est %s  cos %s  minJ %.3f"
                          % (photo_name, fi, axis, ang,
                             "%+6.2f" % row["estimate"] if "estimate" in row else "  lost",
                             "%.3f" % row["cosine"] if "cosine" in row else "-",
                             row["min_jacobian"]), flush=True)
    summarise(rows)
    if a.tsv:
        keys = ["photo", "face", "axis", "asked", "found", "estimate", "error",
                "leak", "cosine", "min_jacobian"]
        with open(a.tsv, "w") as f:
            f.write("\t".join(keys) + "\n")
            for r in rows:
                f.write("\t".join(str(r.get(k, "")) for k in keys) + "\n")
    if a.sheet:
        make_sheet(sheet, a.sheet)


def summarise(rows):
    print("\n| axis | asked | cases | found | mean error | max abs error | "
          "right sign | max leak | min cosine | min Jacobian |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for axis in AXES:
        for ang in ANGLES:
            rs = [r for r in rows if r["axis"] == axis and r["asked"] == ang]
            ok = [r for r in rs if "estimate" in r]
            if not rs:
                continue
            err = [r["error"] for r in ok]
            print("| %s | %+d | %d | %d | %s | %s | %d | %s | %s | %.3f |" % (
                axis, ang, len(rs), len(ok),
                "%+.2f" % np.mean(err) if ok else "-",
                "%.2f" % max(abs(e) for e in err) if ok else "-",
                sum(1 for r in ok if r["estimate"] * ang > 0),
                "%.2f" % max(r["leak"] for r in ok) if ok else "-",
                "%.3f" % min(r["cosine"] for r in ok) if ok else "-",
                min(r["min_jacobian"] for r in rs)))
    # monotone growth per face and axis, with 0 (the photo) in the middle
    mono, total = 0, 0
    for key in sorted({(r["photo"], r["face"], r["axis"]) for r in rows}):
        rs = sorted((r for r in rows if (r["photo"], r["face"], r["axis"]) == key
                     and "estimate" in r), key=lambda r: r["asked"])
        if len(rs) < len(ANGLES):
            continue
        est = [r["estimate"] for r in rs if r["asked"] < 0] + [0.0] + \
              [r["estimate"] for r in rs if r["asked"] > 0]
        total += 1
        mono += all(b > a for a, b in zip(est, est[1:]))
    print("\nmonotone from -20 to +20 (0 = the photo): %d of %d face-axes"
          % (mono, total))
    upto15 = [r for r in rows if "estimate" in r and abs(r["asked"]) <= 15]
    print("error <= 3 deg up to ±15: %d of %d cases"
          % (sum(1 for r in upto15 if abs(r["error"]) <= 3), len(upto15)))
    cos = [r["cosine"] for r in rows if "cosine" in r]
    print("identity cosine >= 0.9: %d of %d" % (sum(c >= 0.9 for c in cos), len(cos)))


def make_sheet(sheet, path):
    cols = 8
    rows = (len(sheet) + cols - 1) // cols
    im = Image.new("RGB", (cols * 160, rows * 160), "white")
    from PIL import ImageDraw
    d = ImageDraw.Draw(im)
    for k, (photo, fi, axis, ang, tile) in enumerate(sheet):
        x, y = (k % cols) * 160, (k // cols) * 160
        im.paste(tile, (x, y))
        d.text((x + 4, y + 4), "%s %+d" % (axis, ang) if axis != "photo"
               else "photo", fill=(255, 255, 0))
    im.save(path)


if __name__ == "__main__":
    sys.exit(main())
