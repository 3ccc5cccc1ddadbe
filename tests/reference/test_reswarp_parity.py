#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parity: the mien-reswarp tool against the numpy reference, both modes, with
and without the residual gain (--no-fade), on random images and smooth random
fields at square, odd and non-multiple sizes, and on a blink-like pinch whose
gain reaches 0 (both the squeeze and the stretch ramps); the fade cases run
once as the default (bilinear, no transport) and once with
MIEN_RESWARP_CUBIC=1 and MIEN_RESWARP_TRANSPORT=1.
Usage: test_reswarp_parity.py PATH/TO/mien-reswarp"""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mien_files  # noqa: E402
import reswarp_ref as ref  # noqa: E402

TOLERANCE = 1e-4
# (height, width, low-res result given?, field)
CASES = [
    (128, 128, True, "smooth"),
    (512, 512, True, "smooth"),
    (750, 1000, True, "smooth"),
    (300, 200, False, "smooth"),
    (97, 161, True, "smooth"),
    (1024, 640, False, "smooth"),
    (512, 512, True, "pinch"),
    (300, 460, False, "pinch"),
]


def make_field(kind, rng):
    if kind == "pinch":
        field = ref.pinch_field(128, 128, strength=0.9)
        g = ref.gain(field)
        # The case must reach both ends of the gain, or it tests nothing new.
        assert g.min() == 0.0 and g.max() == 1.0
        # ... and squeeze some cells moderately, where the texture transport
        # carries the faded residual.
        sv = np.linalg.svd(ref.jacobians(field), compute_uv=False)[..., 0]
        assert ((sv > ref.SQUEEZE_FULL) & (sv < ref.TRANSPORT_ZERO)).any()
        return field
    # Up to ±3 low-res pixels: 24 HD pixels at 1K, more than a smile moves.
    return ref.smooth_random_field(rng, 128, 128, amplitude=3.0)


def run_case(tool, tmp, h, w, with_low, kind, mode, fade, cubic, carry, rng):
    hd = rng.uniform(0.0, 1.0, size=(h, w, 3))
    field = make_field(kind, rng)
    low = ref.low_of(hd)
    if with_low:
        # A refined result that differs from I, so up(O^r) is tested too.
        refined = np.clip(ref.warp(low, field) + rng.normal(0, 0.05, low.shape),
                          0, 1)
    else:
        refined = ref.warp(low, field)  # the tool's default: O^w
    hd_path = os.path.join(tmp, "hd.pfm")
    low_path = os.path.join(tmp, "low.pfm")
    flo_path = os.path.join(tmp, "field.flo")
    out_path = os.path.join(tmp, f"out-{mode}.pfm")
    mien_files.write_pfm(hd_path, hd)
    mien_files.write_pfm(low_path, refined)
    mien_files.write_flo(flo_path, field)
    cmd = [tool, hd_path, "--flow", flo_path, "--mode", mode, "-o", out_path,
           "--quiet"]
    if with_low:
        cmd += ["--low", low_path]
    if not fade:
        cmd += ["--no-fade"]
    env = dict(os.environ, MIEN_RESWARP_CUBIC="1" if cubic else "0",
               MIEN_RESWARP_TRANSPORT="1" if carry else "0")
    subprocess.run(cmd, check=True, env=env)
    got = mien_files.read_pfm(out_path)
    # The tool read float32 inputs: compare with the reference on the same.
    f32 = lambda a: a.astype(np.float32).astype(np.float64)  # noqa: E731
    fn = ref.vanilla if mode == "vanilla" else ref.multiscale
    want = fn(f32(hd), f32(refined), f32(field), fade=fade, cubic=cubic,
              carry=carry)
    err = float(np.max(np.abs(got - want)))
    if kind == "pinch":
        # The gain matters here: matching the other variant as well would
        # mean the tool ignored --no-fade (or the reference its fade).
        other = fn(f32(hd), f32(refined), f32(field), fade=not fade,
                   cubic=cubic, carry=carry)
        if float(np.max(np.abs(got - other))) < 100 * TOLERANCE:
            print(f"FAIL {mode} {w}x{h} pinch: fade and paper agree")
            err = float("inf")
    return err


def main():
    tool = sys.argv[1]
    rng = np.random.default_rng(20261122)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for h, w, with_low, kind in CASES:
            for mode in ("vanilla", "multiscale"):
                for fade, cubic, carry in ((True, False, False),
                                           (True, True, True),
                                           (False, False, False)):
                    err = run_case(tool, tmp, h, w, with_low, kind, mode, fade,
                                   cubic, carry, rng)
                    ok = err <= TOLERANCE
                    failures += not ok
                    print(f"{'ok ' if ok else 'FAIL'} {mode:10s} {w}x{h} "
                          f"{kind:6s} "
                          f"{('fade+cubic+transport' if cubic else 'fade') if fade else 'paper'} "
                          f"low={'given' if with_low else 'O^w'}: "
                          f"max abs error {err:.2e} (limit {TOLERANCE:.0e})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
