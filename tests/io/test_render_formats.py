#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""mien-render with the formats of issue #19 and the loader rows of #20:
a still keeps the photo's alpha and ICC profile byte for byte, a JPEG still
says that alpha was flattened, a cut JPEG opens with the share that is
missing, a clip's frames are converted to sRGB (compared with PIL's own
lcms2 conversion), a FIFO is refused at once, and the memory cap refuses a
photo before decoding.

usage: test_render_formats.py MIEN_RENDER TEST_FORMATS"""
import io
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageCms, ImageFile

ROOT = os.environ.get("MIEN_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
PHOTO = os.path.join(ROOT, "data", "samples", "sample1.jpg")
LANDMARKS = os.path.join(ROOT, "tests", "data", "landmarks", "sample1.json")
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what, file=sys.stderr)


def render(*args, env=None, timeout=120):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([MIEN_RENDER, *args], capture_output=True, text=True,
                          env=e, timeout=timeout)


def main():
    global MIEN_RENDER
    MIEN_RENDER, test_formats = sys.argv[1], sys.argv[2]
    if not os.path.exists(PHOTO):
        print("skip: %s is not fetched (scripts/fetch-assets.sh)" % PHOTO)
        return 77
    with tempfile.TemporaryDirectory(prefix="mien-render-formats-") as d:
        p = lambda n: os.path.join(d, n)
        subprocess.run([test_formats, "--write-profile", d], check=True)
        icc = open(p("adobe.icc"), "rb").read()
        src = np.asarray(Image.open(PHOTO).convert("RGB"))
        h, w = src.shape[:2]
        y, x = np.mgrid[0:h, 0:w]
        alpha = (x * 7 + y * 3) % 256
        rgba = Image.fromarray(np.dstack([src, alpha]).astype(np.uint8), "RGBA")
        rgba.save(p("photo.png"), icc_profile=icc)
        Image.fromarray(src).save(p("photo.jpg"), quality=92, icc_profile=icc)
        L = ["-L", LANDMARKS, "-p", "happy", "-q"]

        # Stills keep alpha and profile.
        for out in ("out.png", "out.webp", "out.tiff"):
            r = render(p("photo.png"), *L, "-o", p(out))
            check(r.returncode == 0, "%s: %s" % (out, r.stderr))
            im = Image.open(p(out))
            check(im.mode == "RGBA", "%s is %s, not RGBA" % (out, im.mode))
            check(im.info.get("icc_profile") == icc,
                  "%s: ICC profile not kept byte for byte" % out)
            if im.mode == "RGBA":
                a = np.asarray(im)[..., 3].astype(int)
                check((a == alpha).all(), "%s: alpha changed (max %d)"
                      % (out, np.abs(a - alpha).max()))
            check(r.stderr == "", "%s: unexpected output %r" % (out, r.stderr))
        r = render(p("photo.png"), *L, "-o", p("out.jpg"))
        check(r.returncode == 0 and "flattened onto white" in r.stderr,
              "JPEG still: %r" % r.stderr)
        check(Image.open(p("out.jpg")).info.get("icc_profile") == icc,
              "JPEG: ICC profile not kept")
        # --quality: the JPEG's quantization tables are libjpeg's at that
        # quality (PIL's, the same library, as the reference); 0 is refused.
        r = render(p("photo.png"), *L, "--quality", "40", "-o", p("q40.jpg"))
        buf = io.BytesIO()
        Image.new("RGB", (8, 8)).save(buf, "JPEG", quality=40)
        check(r.returncode == 0
              and Image.open(p("q40.jpg")).quantization
              == Image.open(io.BytesIO(buf.getvalue())).quantization,
              "--quality 40: tables are not libjpeg's at 40 (%r)" % r.stderr)
        r = render(p("photo.png"), *L, "--quality", "0", "-o", p("q0.jpg"))
        check(r.returncode == 2 and "--quality wants a whole number from 1 to 100"
              in r.stderr and not os.path.exists(p("q0.jpg")),
              "--quality 0: %d %r" % (r.returncode, r.stderr))
        r = render(p("photo.png"), *L, "--crop-only", "-o", p("crop.png"))
        crop = Image.open(p("crop.png"))
        check(r.returncode == 0 and crop.mode == "RGBA"
              and crop.info.get("icc_profile") == icc,
              "--crop-only keeps alpha and profile: %s %r" % (crop.mode, r.stderr))

        # A cut JPEG opens with a warning naming the missing share, as PIL
        # (its own libjpeg) sees it.
        data = open(p("photo.jpg"), "rb").read()
        open(p("cut.jpg"), "wb").write(data[: len(data) * 6 // 10])
        ImageFile.LOAD_TRUNCATED_IMAGES = True
        cut = np.asarray(Image.open(p("cut.jpg")).convert("RGB")).astype(int)
        good = cut.shape[0]
        while good > 0 and (cut[good - 1] == 128).all():
            good -= 1
        want = "the lower %.0f %% is missing" % (100.0 * (h - good) / h)
        r = render(p("cut.jpg"), *L, "-o", p("cut-out.png"))
        check(r.returncode == 0 and "this file is damaged" in r.stderr
              and want in r.stderr, "cut JPEG: %r, want %r" % (r.stderr, want))

        # Clip frames are sRGB: frame 0 is the photo itself, converted.
        r = render(p("photo.jpg"), "-L", LANDMARKS, "-p", "happy", "-q",
                   "--animate", "-t", "0.1", "-o", p("frames"))
        check(r.returncode == 0, "PNG frames: %s" % r.stderr)
        names = sorted(os.listdir(p("frames"))) if os.path.isdir(p("frames")) else []
        check(len(names) > 0, "no frames written")
        if names:
            f0 = np.asarray(Image.open(os.path.join(p("frames"), names[0])).convert("RGB")).astype(float)
            srgb = ImageCms.createProfile("sRGB")
            adobe = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            ref = np.asarray(ImageCms.profileToProfile(
                Image.open(p("photo.jpg")), adobe, srgb,
                renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)).astype(float)
            raw = np.asarray(Image.open(p("photo.jpg")).convert("RGB")).astype(float)
            err = np.abs(f0 - ref).mean()
            moved = np.abs(raw - ref).mean()
            print("frame 0 vs PIL's sRGB conversion: mean %.2f levels (the "
                  "conversion itself moves %.2f)" % (err, moved))
            check(err < 1.0 and moved > 3 * err,
                  "frame 0 is not the photo in sRGB (%.2f vs %.2f)" % (err, moved))

        # A FIFO is refused at once (the timeout would fail the test).
        os.mkfifo(p("pipe.jpg"))
        r = render(p("pipe.jpg"), *L, "-o", p("x.png"), timeout=20)
        check(r.returncode != 0 and "named pipe" in r.stderr, "FIFO: %r" % r.stderr)

        # The memory cap, from the environment: refused before decoding.
        r = render(p("photo.jpg"), *L, "-o", p("y.png"),
                   env={"MIEN_MEMORY_LIMIT": "20M"})
        check(r.returncode != 0 and "memory limit of 20 MiB" in r.stderr
              and "%d×%d" % (w, h) in r.stderr, "cap: %r" % r.stderr)
    print("%d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
