# SPDX-License-Identifier: GPL-3.0-or-later
"""PFM and Middlebury .flo readers/writers in numpy, written from the format
descriptions (not from Mien's C code), for the reference tests."""
import numpy as np

FLO_MAGIC = 202021.25


def write_pfm(path, img):
    img = np.asarray(img, dtype="<f4")
    color = img.ndim == 3 and img.shape[2] == 3
    h, w = img.shape[:2]
    with open(path, "wb") as f:
        f.write(b"PF\n" if color else b"Pf\n")
        f.write(f"{w} {h}\n-1.0\n".encode())
        f.write(np.ascontiguousarray(np.flipud(img)).tobytes())


def read_pfm(path):
    with open(path, "rb") as f:
        kind = f.readline().strip()
        w, h = map(int, f.readline().split())
        scale = float(f.readline())
        dtype = "<f4" if scale < 0 else ">f4"
        channels = 3 if kind == b"PF" else 1
        data = np.frombuffer(f.read(), dtype=dtype)
    img = data.reshape(h, w, channels) if channels == 3 else data.reshape(h, w)
    return np.flipud(img).astype(np.float64)


def write_flo(path, field):
    field = np.asarray(field, dtype="<f4")
    h, w = field.shape[:2]
    with open(path, "wb") as f:
        f.write(np.array([FLO_MAGIC], "<f4").tobytes())
        f.write(np.array([w, h], "<i4").tobytes())
        f.write(field.tobytes())


def read_flo(path):
    with open(path, "rb") as f:
        magic = np.frombuffer(f.read(4), "<f4")[0]
        assert magic == np.float32(FLO_MAGIC), "bad .flo magic"
        w, h = np.frombuffer(f.read(8), "<i4")
        data = np.frombuffer(f.read(), "<f4")
    return data.reshape(h, w, 2).astype(np.float64)
