#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The per-tile detail table of issue #26 ("What it must show").

For every sample face and expression it renders the face crop with
`mien-render --crop-only --debug-dir` three times: BEFORE (a build of the
code before the change, its default ResWarp), AFTER (the build under test,
its default ResWarp) and PAPER (the AFTER build with --no-fade: the paper's
ResWarp, bilinear, no gain, no transport). For each render:

  * luma L = 0.299 R + 0.587 G + 0.114 B of the crop, in [0, 1];
  * finest band B = L - binomial5(L), the 5-tap binomial [1 4 6 4 1]/16 blur
    in x then y, borders replicated;
  * the source carried along the motion before its band is taken: the
    source luma warped backward with the generator's own field (F.flo,
    up-sampled to the crop bilinearly as ResWarp does, displacements scaled
    by crop/128), sampled with Lanczos-3 -- never with the interpolator under
    test (bilinear or Keys cubic) -- and then its finest band, as the issue's
    own measurement carried the source first (with optical flow). Carrying
    the band instead would score a perfect warp above 1 where the field
    squeezes and below 1 where it stretches. Where the frame lays the head
    over the photo (beyond the head's region, issue #24; --debug-dir's
    head-keep.pfm, the share of the warped pixel kept), the source is
    carried the same way: keep * warped + (1 - keep) * source;
  * square tiles whose side is 1/16 of the face box's side (the detector's
    box, as a square of side max(w, h) about its centre), over the face box;
  * per tile, ratio = mean(B_result^2) / mean(B_carried^2); tiles whose
    carried source band energy is below 1e-6 are skipped;
  * tiles whose centre the field carries into the source's mouth (within
    0.03 face-box sides of the inner-lip polygon, landmarks 60-67) are
    reported apart: an opened mouth has new content there.

It prints, per case, the 5th percentile, median and 95th percentile of the
ratios of every face's non-mouth tiles (range over faces, and the pooled
value), and the mouth tiles' median, as Markdown. With --crops DIR it also
writes 1:1 before | after | paper crops of brows, forehead, mouth and
creases for each face (one PNG per face and case).

  detail-tiles.py --before BUILD_DIR --after BUILD_DIR [--samples DIR]
                  [--before-flags "..."] [--after-flags "--sharp"]
                  [--faces sample1,...] [--cases surprised,...]
                  [--crops DIR] [--json OUT.json]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "reference"))
from mien_files import read_flo, read_pfm  # noqa: E402

CASES = {
    "surprised": ["-p", "surprised"],
    "fearful": ["-p", "fearful"],
    "happy": ["-p", "happy"],
    "angry": ["-p", "angry"],
    "AU1+AU2=5": ["--au", "1=5,2=5"],
}
FACES = ["astronaut.png", "sample1.jpg", "sample2.jpg", "sample3.jpg",
         "sample4.jpg", "sample5.jpg", "sample6.jpg"]


def luma(rgb):
    return rgb @ np.array([0.299, 0.587, 0.114])


def binomial5(img):
    k = np.array([1, 4, 6, 4, 1], np.float64) / 16
    p = np.pad(img, ((0, 0), (2, 2)), mode="edge")
    x = sum(k[i] * p[:, i:i + img.shape[1]] for i in range(5))
    p = np.pad(x, ((2, 2), (0, 0)), mode="edge")
    return sum(k[i] * p[i:i + img.shape[0]] for i in range(5))


def finest_band(img):
    return img - binomial5(img)


def lanczos3(x):
    x = np.abs(x)
    return np.where(x < 3, np.sinc(x) * np.sinc(x / 3), 0.0)


def warp_lanczos3(img, disp):
    """out(y, x) = img(y + dy, x + dx), Lanczos-3 (6x6 taps, normalised),
    positions clamped to the image and taps border-replicated."""
    h, w = img.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    px = np.clip(xs + disp[..., 0], 0, w - 1)
    py = np.clip(ys + disp[..., 1], 0, h - 1)
    x0, y0 = np.floor(px).astype(int), np.floor(py).astype(int)
    offs = range(-2, 4)
    wx = [lanczos3(px - (x0 + i)) for i in offs]
    wy = [lanczos3(py - (y0 + j)) for j in offs]
    out = 0.0
    for wj, j in zip(wy, offs):
        yy = np.clip(y0 + j, 0, h - 1)
        out = out + wj * sum(wi * img[yy, np.clip(x0 + i, 0, w - 1)]
                             for wi, i in zip(wx, offs))
    return out / (sum(wx) * sum(wy))


def up_field(field, h, w):
    """The field as ResWarp applies it at (h, w): bilinear, pixel centres at
    half-integers, clamped; displacements scaled by the size ratio."""
    fh, fw = field.shape[:2]

    def taps(n_in, n_out):
        s = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0,
                    n_in - 1)
        i0 = np.floor(s).astype(int)
        return i0, np.minimum(i0 + 1, n_in - 1), s - i0

    y0, y1, wy = taps(fh, h)
    x0, x1, wx = taps(fw, w)
    rows = (field[y0] * (1 - wy)[:, None, None]
            + field[y1] * wy[:, None, None])
    out = (rows[:, x0] * (1 - wx)[None, :, None]
           + rows[:, x1] * wx[None, :, None])
    out[..., 0] *= w / fw
    out[..., 1] *= h / fh
    return out


def point_polygon_distance(p, poly):
    """Distance from p to a closed polygon (0 inside)."""
    inside = False
    n = len(poly)
    best = np.inf
    for i in range(n):
        a, b = poly[i], poly[(i + 1) % n]
        if (a[1] > p[1]) != (b[1] > p[1]):
            xc = a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
            if p[0] < xc:
                inside = not inside
        ab = b - a
        t = np.clip(np.dot(p - a, ab) / max(np.dot(ab, ab), 1e-12), 0, 1)
        best = min(best, np.linalg.norm(p - (a + t * ab)))
    return 0.0 if inside else best


def render(build, photo, case_args, extra, tmp):
    # The result is read as floats (PFM), not as the 8-bit crop-after.png:
    # rounding to 8 bits adds about 4.5e-7 of finest-band energy (uniform
    # noise of 1/255 steps through the luma weights and the band filter),
    # which on the flat tiles just above the 1e-6 floor is a third of the
    # carried source's energy (the 95th percentiles read 0.02-0.06 higher
    # in 8 bits). The source stays the 8-bit photo it is.
    out = os.path.join(tmp, "out.pfm")
    keep_path = os.path.join(tmp, "head-keep.pfm")
    if os.path.exists(keep_path):
        os.remove(keep_path)  # a build without it leaves none
    cmd = [os.path.join(build, "app", "mien-render"), photo, "--crop-only",
           "--debug-dir", tmp, "-o", out] + case_args + extra
    text = subprocess.run(cmd, check=True, capture_output=True,
                          text=True).stdout
    m = re.search(r"crop (\d+)\D(\d+) at \((-?\d+), (-?\d+)\)", text)
    if m is None:
        sys.exit("detail-tiles: no crop in mien-render's output:\n" + text)
    crop = tuple(int(v) for v in m.groups())  # w, h, x, y

    def rgb(name):
        return np.asarray(Image.open(os.path.join(tmp, name)).convert("RGB"),
                          np.float64) / 255

    result = np.clip(np.asarray(read_pfm(out), np.float64)[..., :3], 0, 1)
    keep = None
    if os.path.exists(keep_path):
        keep = np.asarray(read_pfm(keep_path), np.float64).reshape(
            result.shape[:2])
    return (crop, rgb("crop-before.png"), result,
            read_flo(os.path.join(tmp, "F.flo")), keep)


def face_geometry(build, photo, crop):
    """Face box (square, crop coordinates) and landmarks of the largest face,
    as mien-render picks it by default."""
    text = subprocess.run([os.path.join(build, "app", "mien-faces"), photo,
                           "--json"], check=True, capture_output=True,
                          text=True).stdout
    faces = json.loads(text)["faces"]
    face = max(faces, key=lambda f: f["box"]["width"] * f["box"]["height"])
    b = face["box"]
    side = max(b["width"], b["height"])
    cx = b["x"] + b["width"] / 2 - crop[2]
    cy = b["y"] + b["height"] / 2 - crop[3]
    marks = np.array(face["landmarks"], np.float64) - [crop[2], crop[3]]
    return (cx - side / 2, cy - side / 2, side), marks


def tile_ratios(source, result, field, box, marks, keep=None):
    h, w = source.shape[:2]
    band_out = finest_band(luma(result))
    disp = up_field(field, h, w)
    moved = warp_lanczos3(luma(source), disp)
    if keep is not None:
        # The frame lays the head over the photo (mien-render --debug-dir's
        # head-keep.pfm): where it keeps the photo, the photo is carried
        # unmoved.
        moved = keep * moved + (1.0 - keep) * luma(source)
    carried = finest_band(moved)
    x0, y0, side = box
    t = side / 16
    inner_lip = marks[60:68]
    ratios, mouth, where = [], [], ([], [])
    for j in range(16):
        for i in range(16):
            ax, ay = int(round(x0 + i * t)), int(round(y0 + j * t))
            bx, by = int(round(x0 + (i + 1) * t)), int(round(y0 + (j + 1) * t))
            ax, ay, bx, by = max(ax, 0), max(ay, 0), min(bx, w), min(by, h)
            if bx - ax < 2 or by - ay < 2:
                continue
            e_src = float((carried[ay:by, ax:bx] ** 2).mean())
            if e_src < 1e-6:
                continue
            r = float((band_out[ay:by, ax:bx] ** 2).mean()) / e_src
            cx, cy = (ax + bx - 1) // 2, (ay + by - 1) // 2
            src_pt = np.array([cx, cy], np.float64) + disp[cy, cx]
            in_mouth = point_polygon_distance(src_pt, inner_lip) \
                <= 0.03 * side
            (mouth if in_mouth else ratios).append(r)
            where[1 if in_mouth else 0].append((i, j))
    return np.array(ratios), np.array(mouth), where


def crop_boxes(marks, side):
    """1:1 regions (centre x, centre y) for the crops, from the landmarks."""
    brow = marks[17:22].mean(0)
    forehead = (marks[19] + marks[24]) / 2 - [0, 0.22 * side]
    mouth = marks[60:68].mean(0)
    glabella = (marks[21] + marks[22]) / 2 + [0, 0.02 * side]
    nasolabial = (marks[31] + marks[48]) / 2
    return {"brow": brow, "forehead": forehead, "mouth": mouth,
            "glabella": glabella, "nasolabial": nasolabial}


def write_crops(path, images, marks, side, size):
    boxes = crop_boxes(marks, side)
    h, w = images[0].shape[:2]
    half = size // 2
    sheet = np.ones((len(boxes) * (size + 4), len(images) * (size + 4), 3))
    for r, centre in enumerate(boxes.values()):
        cx = int(np.clip(round(centre[0]), half, w - half))
        cy = int(np.clip(round(centre[1]), half, h - half))
        for c, img in enumerate(images):
            sheet[r * (size + 4):r * (size + 4) + size,
                  c * (size + 4):c * (size + 4) + size] = \
                img[cy - half:cy - half + size, cx - half:cx - half + size]
    Image.fromarray((np.clip(sheet, 0, 1) * 255 + 0.5).astype(np.uint8)) \
        .save(path)


def percentiles(values):
    if len(values) == 0:
        return (float("nan"),) * 3
    return tuple(float(v) for v in np.percentile(values, [5, 50, 95]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", required=True)
    ap.add_argument("--samples", default=os.path.join(HERE, "..", "data",
                                                      "samples"))
    ap.add_argument("--faces", default=",".join(FACES))
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--crops", help="folder for the 1:1 crop sheets")
    ap.add_argument("--crop-size", type=int, default=112)
    ap.add_argument("--json", help="write every face's numbers here")
    ap.add_argument("--before-flags", default="",
                    help="mien-render options for BEFORE's renders")
    ap.add_argument("--after-flags", default="",
                    help="mien-render options for AFTER's renders, e.g. "
                    "--sharp (the paper's keep only --no-fade)")
    args = ap.parse_args()
    variants = [("before", args.before, args.before_flags.split()),
                ("after", args.after, args.after_flags.split()),
                ("paper", args.after, ["--no-fade"])]
    results = {}
    for case in args.cases.split(","):
        for face in args.faces.split(","):
            photo = os.path.join(args.samples, face)
            images, geometry = [], None
            for name, build, extra in variants:
                with tempfile.TemporaryDirectory() as tmp:
                    crop, src, out, field, keep = render(
                        build, photo, CASES[case], extra, tmp)
                if geometry is None:
                    geometry = face_geometry(args.after, photo, crop)
                    images.append(src)
                box, marks = geometry
                ratios, mouth, where = tile_ratios(src, out, field, box,
                                                   marks, keep)
                results[(case, face, name)] = (ratios, mouth, where)
                images.append(out)
                p5, p50, p95 = percentiles(ratios)
                print(f"{case:10s} {face:14s} {name:6s} tiles {len(ratios):3d} "
                      f"p5 {p5:.3f} median {p50:.3f} p95 {p95:.3f} "
                      f"mouth {len(mouth):2d} median "
                      f"{percentiles(mouth)[1]:.3f}", file=sys.stderr,
                      flush=True)
            if args.crops:
                os.makedirs(args.crops, exist_ok=True)
                stem = os.path.splitext(face)[0]
                tag = case.lower().replace("+", "").replace("=", "")
                # source | before | after | paper
                write_crops(os.path.join(args.crops,
                                         f"detail-{stem}-{tag}.png"),
                            images, geometry[1], geometry[0][2],
                            args.crop_size)
    if args.json:
        with open(args.json, "w") as f:
            # tile_ij / mouth_ij: each ratio's tile (column, row) in the
            # 16 × 16 grid over the face box.
            json.dump({"|".join(k): {"tiles": v[0].tolist(),
                                     "mouth": v[1].tolist(),
                                     "tile_ij": v[2][0], "mouth_ij": v[2][1]}
                       for k, v in results.items()}, f)

    print("| case | ResWarp | 5th percentile (faces) | median (faces) | "
          "95th percentile (faces) | pooled 5th / median / 95th | "
          "mouth tiles: median |")
    print("|---|---|---|---|---|---|---|")
    for case in args.cases.split(","):
        for name, _, _ in variants:
            per_face = [percentiles(results[(case, f, name)][0])
                        for f in args.faces.split(",")]
            pooled = np.concatenate([results[(case, f, name)][0]
                                     for f in args.faces.split(",")])
            mouth = np.concatenate([results[(case, f, name)][1]
                                    for f in args.faces.split(",")])
            cols = []
            for k in range(3):
                vals = [p[k] for p in per_face]
                cols.append(f"{min(vals):.2f}–{max(vals):.2f}")
            pp = percentiles(pooled)
            print(f"| {case} | {name} | {cols[0]} | {cols[1]} | {cols[2]} | "
                  f"{pp[0]:.2f} / {pp[1]:.2f} / {pp[2]:.2f} | "
                  f"{percentiles(mouth)[1]:.2f} ({len(mouth)} tiles) |")


if __name__ == "__main__":
    main()
