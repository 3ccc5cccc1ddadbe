#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Photos as users bring them, through mien-faces: gray and RGBA PNGs and an
EXIF-rotated JPEG find the same face as the plain photo (box IoU >= 0.9,
landmarks within 2 px mean); a photo without a face prints zero faces and
succeeds; a tiny image works; a 20000x20000 PNG (header only, so the test
stays light) is refused with the stated limit and no crash; --draw writes a
PNG. Test images are made here with PIL from the astronaut portrait.
The robust search (the default) finds the face as a close-up filling a
1024x1024 frame, rolled by 40 degrees (and says so), and small (8 % of the
longer side) in a 4032x3024 frame; --search single (face-api's one size)
is what missed such faces. Hostile landmark weights (all bytes 0xff, or
random) give "no face" naming the model file, exit 1, and never a
non-finite number in the JSON (issue #20).
Usage: test_face_inputs.py PATH/TO/mien-faces"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
from PIL import Image

ROOT = os.environ.get("MIEN_SOURCE_ROOT", ".")
MODELS = os.path.join(ROOT, "data", "models", "face-api")
PORTRAIT = os.path.join(ROOT, "data", "samples", "astronaut.png")
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    failures += 0 if cond else 1


def run(tool, path, *extra):
    return subprocess.run([tool, path, "--json", "--models", MODELS, *extra],
                          capture_output=True, text=True)


def faces_of(tool, path):
    r = run(tool, path)
    if r.returncode != 0:
        print(r.stderr)
        return None
    return json.loads(r.stdout)["faces"]


def iou(a, b):
    ax, ay, aw, ah = (a["box"][k] for k in ("x", "y", "width", "height"))
    bx, by, bw, bh = (b["box"][k] for k in ("x", "y", "width", "height"))
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / (aw * ah + bw * bh - w * h)


def same_face(ref, faces, what):
    ok = faces is not None and len(faces) == 1
    if ok:
        i = iou(ref, faces[0])
        lm = np.linalg.norm(np.array(ref["landmarks"])
                            - np.array(faces[0]["landmarks"]), axis=1).mean()
        ok = i >= 0.9 and lm <= 2.0
        what += f" (IoU {i:.3f}, landmarks {lm:.2f} px)"
    check(ok, what)


def png_header_only(path, width, height):
    """A PNG whose header declares width x height; the data is a stub."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0,
                                           0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(b"\0" * 64)))
        f.write(chunk(b"IEND", b""))


def exif_rotated(src, path):
    """Pixels stored turned 90 degrees; EXIF orientation 6 turns them back."""
    img = Image.open(src).convert("RGB")
    stored = img.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to display
    stored.save(path, quality=95, exif=exif.tobytes())


def reframed(img, ref, span, size, roll=0.0):
    """The portrait scaled so that the face box spans `span` of the
    shorter side of a `size` frame, its centre in the middle, rolled by
    `roll` degrees (clockwise on screen: x right, y down)."""
    b = ref["box"]
    cx, cy = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
    z = span * min(size) / max(b["width"], b["height"])
    a = np.radians(roll)
    c, s = np.cos(a), np.sin(a)
    # Output point p -> photo point: centre + R(roll)(p - middle) / z.
    inv = np.array([[c, s], [-s, c]]) / z
    mid = np.array(size) / 2
    off = np.array([cx, cy]) - inv @ mid
    return img.transform(size, Image.AFFINE, (inv[0, 0], inv[0, 1], off[0],
                                              inv[1, 0], inv[1, 1], off[1]),
                         resample=Image.BICUBIC, fillcolor=(128, 128, 128))


def robust_search(tool, img, ref, p):
    cases = [("close-up 1024x1024, face 90 %", 0.9, (1024, 1024), 0),
             ("close-up rolled 40 degrees", 0.6, (1024, 1024), 40),
             ("small face in a 4032x3024 photo", 0.107, (4032, 3024), 0)]
    for what, span, size, roll in cases:
        reframed(img, ref, span, size, roll).save(p("reframed.jpg"), quality=92)
        faces = faces_of(tool, p("reframed.jpg"))
        lm = np.array(ref["landmarks"])
        eyes = lm[42:48].mean(0) - lm[36:42].mean(0)
        want_roll = np.degrees(np.arctan2(eyes[1], eyes[0])) + roll
        ok = faces is not None and len(faces) == 1
        if ok:
            f = faces[0]
            side = max(f["box"]["width"], f["box"]["height"])
            cx = f["box"]["x"] + f["box"]["width"] / 2
            cy = f["box"]["y"] + f["box"]["height"] / 2
            ok = (abs(side / (span * min(size)) - 1) < 0.3
                  and np.hypot(cx - size[0] / 2, cy - size[1] / 2) < 0.2 * side
                  and abs(f["roll"] - want_roll) < 12)
        check(ok, f"{what}: found, box and roll right"
              + ("" if faces is None or not faces else
                 f" (roll {faces[0]['roll']:.1f}, want {want_roll:.1f})"))


def hostile_weights(tool, photo, tmp):
    good = os.path.join(tmp, "models")
    os.makedirs(good, exist_ok=True)
    for name in os.listdir(MODELS):
        with open(os.path.join(MODELS, name), "rb") as f:
            data = f.read()
        with open(os.path.join(good, name), "wb") as f:
            f.write(data)
    bin_path = os.path.join(good, "face_landmark_68_model.bin")
    size = os.path.getsize(bin_path)
    rng = np.random.default_rng(20)
    for what, data in (("0xff bytes", b"\xff" * size),
                       ("random bytes", rng.bytes(size))):
        with open(bin_path, "wb") as f:
            f.write(data)
        for extra in ([], ["--all"]):
            r = subprocess.run([tool, photo, "--json", "--models", good, *extra],
                               capture_output=True, text=True)
            strict = True
            if r.stdout.strip():
                try:
                    json.loads(r.stdout, parse_constant=lambda c: 1 / 0)
                except (ValueError, ZeroDivisionError):
                    strict = False
            bad_number = any(w in r.stdout.lower() for w in ("nan", "inf"))
            check(r.returncode == 1 and "face_landmark_68_model.bin" in r.stderr
                  and strict and not bad_number,
                  f"landmark weights of {what} {' '.join(extra)}: no face, "
                  f"message names the file: {r.stderr.strip()}")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    tool = sys.argv[1]
    if not os.path.exists(PORTRAIT) or not os.path.isdir(MODELS):
        print("SKIP: models or astronaut.png missing (run scripts/setup.sh)")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        p = lambda name: os.path.join(tmp, name)  # noqa: E731
        img = Image.open(PORTRAIT).convert("RGB")
        img.save(p("upright.jpg"), quality=95)
        ref = faces_of(tool, p("upright.jpg"))
        check(ref is not None and len(ref) == 1, "upright JPEG: one face")
        if not ref:
            return 1
        ref = ref[0]
        exif_rotated(PORTRAIT, p("rotated.jpg"))
        same_face(ref, faces_of(tool, p("rotated.jpg")),
                  "EXIF-rotated JPEG: same face, upright coordinates")
        gray = img.convert("L")
        gray.save(p("gray.png"))
        gray_faces = faces_of(tool, p("gray.png"))
        check(gray_faces is not None and len(gray_faces) == 1,
              "grayscale PNG: one face")
        rgba = img.convert("RGBA")
        rgba.putalpha(200)
        rgba.save(p("rgba.png"))
        img.save(p("upright.png"))
        same_face(faces_of(tool, p("upright.png"))[0],
                  faces_of(tool, p("rgba.png")),
                  "RGBA PNG: same face as RGB (alpha ignored)")
        rng = np.random.default_rng(1)
        Image.fromarray(np.full((300, 400, 3), 128, np.uint8)).save(p("flat.png"))
        noise = faces_of(tool, p("flat.png"))
        check(noise == [], "photo without a face: zero faces, success")
        Image.fromarray(rng.integers(0, 255, (2, 3, 3), np.uint8)).save(
            p("tiny.png"))
        check(faces_of(tool, p("tiny.png")) == [], "3x2 image: zero faces")
        small = img.resize((40, 40))
        small.save(p("small.png"))
        check(faces_of(tool, p("small.png")) is not None, "40x40 portrait works")
        png_header_only(p("huge.png"), 20000, 20000)
        r = run(tool, p("huge.png"))
        check(r.returncode == 1 and "150" in r.stderr and "huge.png" in r.stderr,
              f"20000x20000 refused with the limit: {r.stderr.strip()}")
        r = run(tool, p("upright.jpg"), "--draw", p("drawn.png"))
        drawn = os.path.exists(p("drawn.png")) and Image.open(
            p("drawn.png")).size == img.size
        check(r.returncode == 0 and drawn, "--draw writes the annotated copy")
        robust_search(tool, img, ref, p)
        hostile_weights(tool, p("upright.jpg"), tmp)
        r = run(tool, p("missing.jpg"))
        check(r.returncode == 1 and "missing.jpg" in r.stderr,
              "missing photo: error naming it")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
