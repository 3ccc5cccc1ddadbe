#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The One Euro filter's defaults (issue #23, engine/drive/mien-drive.h):
replays the filter of engine/drive/mien-drive-filter.c on raw tracks and
prints, for each (min_cutoff, beta), the jitter on still frames and how far the
inner-lip opening strays from a 3-frame centred mean of the raw one.

  mien-render PHOTO --drive CLIP --drive-filter 0 --drive-stats RAW.tsv \\
      [--end 5]
  scripts/drive-filter-sweep.py RAW.tsv [RAW2.tsv ...]

Jitter: mean frame-to-frame landmark step with the pose removed (a
similarity on the eye corners and nose bridge), in iod, on the 40 % of
frames whose 9-frame mean raw step is smallest; as a share of the raw
track's. Mouth error: RMS, in iod, of the filtered inner-lip opening
against the raw one's 3-frame centred mean (the raw track's own is the
floor: less means smoothing, more means lag)."""
import csv
import sys

import numpy as np

STABLE = [27, 28, 29, 30, 36, 39, 42, 45]


def load(path):
    rows = [r for r in csv.DictReader(open(path), delimiter="\t")
            if r["found"] == "1"]
    fps = 1.0 / (float(rows[1]["time"]) - float(rows[0]["time"]))
    lm = np.array([[[float(r["x%d" % k]), float(r["y%d" % k])]
                    for k in range(68)] for r in rows])
    return lm, fps


def iod(l):
    return np.linalg.norm(l[36:42].mean(0) - l[42:48].mean(0))


def step(a, b):
    pa, pb = a[STABLE], b[STABLE]
    ma, mb = pa.mean(0), pb.mean(0)
    A = (pa - ma) @ [1, 1j]
    B = (pb - mb) @ [1, 1j]
    s = (A * np.conj(B)).sum() / (np.abs(B) ** 2).sum()
    z = ((b - mb) @ [1, 1j]) * s
    al = np.stack([z.real, z.imag], 1) + ma
    return np.linalg.norm(al - a, axis=1).mean() / iod(a)


def mouth(l):
    return (np.linalg.norm(l[61] - l[67]) + np.linalg.norm(l[62] - l[66])
            + np.linalg.norm(l[63] - l[65])) / (3 * iod(l))


def one_euro(L, fps, min_cutoff, beta, d_cutoff=1.0):
    """As drive_one_euro_step in mien-drive-filter.c."""
    if min_cutoff <= 0:
        return L.copy()
    dt = 1.0 / fps
    alpha = lambda c: 1.0 / (1.0 + (1.0 / (2 * np.pi * c)) / dt)
    out = np.empty_like(L)
    x, dx = L[0].copy(), np.zeros_like(L[0])
    out[0] = x
    for t in range(1, len(L)):
        v = L[t]
        dx += alpha(d_cutoff) * ((v - x) / dt - dx)
        a = alpha(min_cutoff + beta * np.abs(dx) / iod(v))
        x = x + a * (v - x)
        out[t] = x
    return out


def main():
    for path in sys.argv[1:]:
        L, fps = load(path)
        raw = np.array([0] + [step(L[t - 1], L[t]) for t in range(1, len(L))])
        smooth = np.convolve(raw, np.ones(9) / 9, "same")
        still = np.where(smooth < np.percentile(smooth, 40))[0]
        still = still[still > 0]
        m = np.array([mouth(l) for l in L])
        ref = np.convolve(m, np.ones(3) / 3, "same")
        print("%s: %d frames at %g fps, %d still; raw jitter %.4f iod, "
              "mouth range %.3f iod" % (path, len(L), fps, len(still),
                                        raw[still].mean(), np.ptp(m)))
        for mc in (0, 0.5, 1, 1.5, 2, 3):
            for beta in ((0,) if mc == 0 else (1, 3, 10, 20, 40)):
                F = one_euro(L, fps, mc, beta)
                js = np.array([0] + [step(F[t - 1], F[t])
                                     for t in range(1, len(F))])
                mf = np.array([mouth(l) for l in F])
                err = np.sqrt(((mf - ref)[2:-2] ** 2).mean())
                print("  min_cutoff %.1f beta %4.1f: jitter %.4f (%.2f of "
                      "raw), mouth error %.4f" % (
                          mc, beta, js[still].mean(),
                          js[still].mean() / raw[still].mean(), err))


if __name__ == "__main__":
    main()
