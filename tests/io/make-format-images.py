#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the format fixtures of tests/io/test-formats.c into a folder, so
that no binary has to be committed: every file is made here from a known
pattern, by writers independent of Mien's (PIL, a hand-written 16-bit PNG,
ImageMagick, libheif's heif-enc).

usage: make-format-images.py DIR PROFILE.icc

PROFILE.icc (written by the C test with lcms2) is embedded in every file
that can carry one, so the test can compare it byte for byte."""
import os
import shutil
import struct
import subprocess
import sys
import zlib

import numpy as np
from PIL import Image

W, H = 64, 48


def pattern16():
    """The 16-bit pattern the C test recomputes (pattern16 in the test)."""
    y, x = np.mgrid[0:H, 0:W]
    out = np.zeros((H, W, 3), np.uint32)
    for c in range(3):
        out[..., c] = ((x * 1009 + y * 7919 + c * 4001) * 13) % 65536
    return out.astype(np.uint16)


def pattern8():
    """A smooth 8-bit picture (lossy codecs keep it close)."""
    y, x = np.mgrid[0:H, 0:W]
    r = (x * 255) // (W - 1)
    g = (y * 255) // (H - 1)
    b = ((x + y) * 255) // (W + H - 2)
    return np.dstack([r, g, b]).astype(np.uint8)


def alpha8():
    y, x = np.mgrid[0:H, 0:W]
    return ((x * 4 + y * 3) % 256).astype(np.uint8)


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def write_png16(path, rgb16, icc):
    """A 16-bit RGB PNG with an iCCP chunk, written by hand (PIL cannot)."""
    h, w, _ = rgb16.shape
    raw = b"".join(b"\0" + rgb16[y].astype(">u2").tobytes() for y in range(h))
    out = b"\x89PNG\r\n\x1a\n"
    out += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
    out += chunk(b"iCCP", b"test profile\0\0" + zlib.compress(icc))
    out += chunk(b"IDAT", zlib.compress(raw))
    out += chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(out)


def main():
    d, icc_path = sys.argv[1], sys.argv[2]
    icc = open(icc_path, "rb").read()
    rgb = Image.fromarray(pattern8(), "RGB")
    rgba = rgb.copy()
    rgba.putalpha(Image.fromarray(alpha8(), "L"))
    p = lambda name: os.path.join(d, name)

    rgb.save(p("rgb.png"), icc_profile=icc)
    rgba.save(p("rgba.png"), icc_profile=icc)
    rgb.convert("L").save(p("gray.png"))
    rgb.quantize(256).save(p("palette.png"))
    rgb.save(p("rgb.jpg"), quality=95, icc_profile=icc)
    rgb.convert("CMYK").save(p("cmyk.jpg"), quality=95)
    rgb.convert("L").save(p("gray.jpg"), quality=95)
    rgb.save(p("rgb.webp"), lossless=True, icc_profile=icc)
    rgba.save(p("rgba.webp"), lossless=True, icc_profile=icc)
    rgb.save(p("rgb.tiff"), icc_profile=icc)
    write_png16(p("rgb16.png"), pattern16(), icc)

    # A 16-bit TIFF from the 16-bit PNG, by ImageMagick (the real one:
    # /usr/local/bin/convert may be a stand-in).
    im = "/usr/bin/convert" if os.path.exists("/usr/bin/convert") else None
    if im:
        subprocess.run([im, p("rgb16.png"), "-depth", "16", "-compress",
                        "zip", p("rgb16.tiff")], check=True)
        # Adam7: libpng hands back the whole image at once.
        subprocess.run([im, p("rgb.png"), "-interlace", "PNG",
                        p("interlaced.png")], check=True)
    # 16-bit gray: the red channel of the 16-bit pattern.
    Image.fromarray(pattern16()[..., 0].astype(np.uint16), "I;16").save(
        p("gray16.png"))
    # HEIC and AVIF by libheif's encoder.
    enc = shutil.which("heif-enc")
    if enc:
        subprocess.run([enc, "-q", "95", "-o", p("rgb.heic"), p("rgb.png")],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([enc, "-A", "-q", "95", "-o", p("rgb.avif"),
                        p("rgb.png")], check=True, stdout=subprocess.DEVNULL)

    # A baseline JPEG of 256 rows cut after its first part: libjpeg fills
    # the rest with grey. The share of rows present is written beside it.
    tall = Image.fromarray(np.tile(pattern8(), (6, 4, 1))[:256, :256], "RGB")
    tall.save(p("whole.jpg"), quality=90)
    data = open(p("whole.jpg"), "rb").read()
    open(p("cut.jpg"), "wb").write(data[: len(data) * 45 // 100])
    # Where PIL's own libjpeg starts the grey fill: the first of the last
    # rows that are all (128, 128, 128).
    from PIL import ImageFile
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    cut = np.asarray(Image.open(p("cut.jpg")).convert("RGB")).astype(int)
    good = cut.shape[0]
    while good > 0 and (cut[good - 1] == 128).all():
        good -= 1
    open(p("cut.rows"), "w").write("%d\n" % good)

    # Orientation 6 (the camera was turned right): stored 64×48, shown 48×64.
    exif = Image.Exif()
    exif[0x0112] = 6
    rgb.save(p("orient6.jpg"), quality=95, exif=exif)


if __name__ == "__main__":
    main()
