# SPDX-License-Identifier: GPL-3.0-or-later
"""Seed corpus for one fuzzer of tests/fuzz from the test data (and small
made-up files of each kind), so that fuzzing starts inside the format.
Usage: seeds.py NAME SOURCE_ROOT CORPUS_DIR"""
import glob
import io
import json
import os
import struct
import sys

name, src, out = sys.argv[1:4]


def put(fname, data):
    if isinstance(data, str):
        data = data.encode()
    path = os.path.join(out, "seed-" + fname)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)


landmark_files = sorted(glob.glob(os.path.join(src, "tests/data/landmarks/*.json")))

if name == "fuzz-project":
    put("min.mien", '{"format": "mien-project", "version": 1, "photo": "p.png"}')
    put("full.mien", json.dumps({
        "format": "mien-project", "version": 1, "photo": "p.png", "face": 0,
        "target": {"preset": "happy", "intensity": 0.8, "aus": {"AU12": 3, "AU45L": 2}},
        "keyframes": [
            {"time": 0, "preset": "neutral", "easing": "linear"},
            {"time": 1.5, "preset": "surprised", "intensity": 0.5, "easing": "ease-in-out"},
            {"time": 3, "aus": {"AU6": 2, "AU12": 3.5}, "easing": "hold"}],
        "settings": {"mode": "multiscale", "fps": 24, "duration": 2.5, "scale": "max-side",
                     "max_side": 640, "interpolation": "field", "ping_pong": True,
                     "region": "face"}}, indent=1))
    put("deep.mien", "[" * 80)
    for f in glob.glob(os.path.join(src, "tests/**/*.mien"), recursive=True)[:20]:
        put(os.path.basename(f), open(f, "rb").read())
elif name == "fuzz-landmarks":
    for f in landmark_files:
        put(os.path.basename(f), open(f, "rb").read())
    put("empty.json", '{"format": "mien-landmarks", "version": 1, "width": 10, "height": 10, "faces": []}')
elif name == "fuzz-flo":
    for w, h in ((1, 1), (4, 3), (16, 16)):
        vals = [((i * 7) % 11 - 5) / 3.0 for i in range(w * h * 2)]
        put(f"{w}x{h}.flo", struct.pack("<fii", 202021.25, w, h) + struct.pack(f"<{len(vals)}f", *vals))
    put("header-only.flo", struct.pack("<fii", 202021.25, 100000, 100000))
elif name == "fuzz-pfm":
    for kind, ch in ((b"PF", 3), (b"Pf", 1)):
        for w, h, scale in ((2, 2, -1.0), (5, 3, 1.0)):
            vals = [((i * 13) % 17) / 16.0 for i in range(w * h * ch)]
            fmt = "<" if scale < 0 else ">"
            put(f"{kind.decode()}-{w}x{h}-{'le' if scale < 0 else 'be'}.pfm",
                kind + f"\n{w} {h}\n{scale}\n".encode() + struct.pack(f"{fmt}{len(vals)}f", *vals))
elif name == "fuzz-image":
    try:
        from PIL import Image
    except ImportError:
        Image = None
    if Image is not None:
        im = Image.new("RGB", (9, 7))
        for y in range(7):
            for x in range(9):
                im.putpixel((x, y), (x * 28, y * 36, (x * y * 5) % 256))
        for fmt, mode in (("PNG", "RGB"), ("PNG", "RGBA"), ("PNG", "L"), ("PNG", "P"),
                          ("PNG", "I;16"), ("JPEG", "RGB"), ("JPEG", "L"), ("JPEG", "CMYK"),
                          ("GIF", "P"), ("BMP", "RGB"), ("TIFF", "RGB"), ("TIFF", "I;16"),
                          ("WEBP", "RGB"), ("PPM", "RGB"), ("ICO", "RGBA")):
            b = io.BytesIO()
            try:
                im.convert(mode).save(b, fmt)
            except (OSError, ValueError, KeyError):
                continue
            put(f"{mode.replace(';', '')}.{fmt.lower()}", b.getvalue())
        # EXIF orientation 6 on a JPEG.
        b = io.BytesIO()
        exif = Image.Exif()
        exif[0x0112] = 6
        im.save(b, "JPEG", exif=exif.tobytes())
        put("exif6.jpeg", b.getvalue())
    put("pfm.pfm", b"PF\n2 1\n-1.0\n" + struct.pack("<6f", 0, 0.5, 1, 0.25, 0.75, 1))
elif name == "fuzz-specs":
    for i, s in enumerate(["12=3.5,6=2", "happy", "happy@0.8", "happy@0.5,12=1", "neutral",
                           "1.5:happy@0.8", "3:12=3,6=2", "0:neutral", "45L=5,gaze_h=-1",
                           "AU12=2.5e0", "2:sad@1,AU4=2"]):
        put(f"{i}.txt", s)
elif name == "fuzz-json":
    for f in sorted(glob.glob(os.path.join(src, "data/models/*/*manifest*.json")))[:6]:
        put(os.path.basename(f), open(f, "rb").read()[:16384])
    for f in landmark_files[:2]:
        put(os.path.basename(f), open(f, "rb").read())
    put("small.json", '{"a": [1, -2.5e3, true, false, null, "s\\u00e9\\ud83d\\ude00"], "b": {}}')
else:
    sys.exit(f"unknown fuzzer {name}")
