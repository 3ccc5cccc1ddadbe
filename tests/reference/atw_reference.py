# SPDX-License-Identifier: GPL-3.0-or-later
"""Parity of the engine's ATW generator with PyTorch.

The PyTorch implementation of the architecture is tools/train/atw_model.py
(the module the training recipe trains and exports, so what is checked here
is that the engine computes what a trained model computes). This script adds
the pieces that make it a reference: an explicit bilinear warp written from
the engine's convention (checked against grid_sample), random weights, and
the comparison.

For several configurations (AU and expression driving, small and paper
widths, square and non-square inputs) it exports random weights to a
temporary safetensors file, runs the engine (tests/atw/atw-run) and PyTorch
on the same smooth random image and driving vector, and requires
max |engine − torch| ≤ 1e-4 for O^w and O^r (in [-1, 1]) and for
F / motion_scale (the network's tanh output, so 1e-4 · motion_scale pixels):
PyTorch's own float32 result differs from its float64 result by about
1e-5 of motion_scale, i.e. 1e-4 px at a scale of 12, so a limit of 1e-4 px
would test float32 rounding, not the engine. The script prints that figure.

usage: atw_reference.py ATW_RUN
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "train"))
sys.path.insert(0, HERE)
import atw_model  # noqa: E402
from mien_files import read_flo, read_pfm, write_pfm  # noqa: E402

TOLERANCE = 1e-4


def warp_explicit(image, field):
    """out(x, y) = image(x + dx, y + dy): bilinear between the four pixels
    around the position, the position clamped to [0, W-1] × [0, H-1] (the
    engine's mien_warp_bilinear, written from its definition)."""
    n, c, h, w = image.shape
    pos = atw_model.sample_positions(field.double())
    px = pos[..., 0].clamp(0, w - 1)
    py = pos[..., 1].clamp(0, h - 1)
    x0 = px.floor().clamp(max=w - 2).long()
    y0 = py.floor().clamp(max=h - 2).long()
    fx, fy = (px - x0)[:, None], (py - y0)[:, None]
    img = image.double()

    def tap(yy, xx):
        idx = (yy * w + xx).reshape(n, 1, -1).expand(n, c, -1)
        return img.reshape(n, c, -1).gather(2, idx).reshape(n, c, h, w)

    top = tap(y0, x0) * (1 - fx) + tap(y0, x0 + 1) * fx
    bot = tap(y0 + 1, x0) * (1 - fx) + tap(y0 + 1, x0 + 1) * fx
    return (top * (1 - fy) + bot * fy).float()


def smooth_image(gen, h, w):
    """Random image in [0, 1] with structure at several scales (a pure noise
    image would make the warp test over-sensitive to the field's rounding,
    a flat one would not test it)."""
    img = torch.zeros(1, 3, h, w)
    for cells in (4, 16, 32):
        noise = torch.rand(1, 3, max(2, h // cells), max(2, w // cells),
                           generator=gen)
        img += torch.nn.functional.interpolate(noise, size=(h, w),
                                               mode="bilinear",
                                               align_corners=False)
    return (img / 3).clamp(0, 1)


def check_warps(gen):
    img = torch.rand(2, 3, 40, 56, generator=gen) * 2 - 1
    field = (torch.rand(2, 2, 40, 56, generator=gen) * 2 - 1) * 9
    a = atw_model.warp(img, field)
    b = warp_explicit(img, field)
    err = (a - b).abs().max().item()
    print(f"warp: grid_sample(border, align_corners=False) vs explicit "
          f"gather: max |diff| {err:.2e}")
    return err <= 1e-5


def engine_outputs(atw_run, weights, image, driving, out):
    """Runs atw-run on image ([1,3,H,W] in [0, 1], written as PFM) with
    driving = a list of network inputs or an engine AU spec ("12=3,6=2").
    → (F [H,W,2] px, O^w, O^r [H,W,3] in [-1, 1], the image exactly as the
    engine read it [1,3,H,W]) or raises RuntimeError with atw-run's message."""
    os.makedirs(out, exist_ok=True)
    inp = os.path.join(out, "in.pfm")
    write_pfm(inp, image[0].permute(1, 2, 0).numpy())
    # The engine reads the PFM's float32 values: use exactly those.
    image = torch.from_numpy(read_pfm(inp).astype(np.float32)).permute(2, 0, 1)[None]
    if isinstance(driving, str):
        args = ["--au", driving]
    else:
        args = [",".join(repr(float(v)) for v in driving)]
    r = subprocess.run([atw_run, weights, inp, *args, out],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return (read_flo(os.path.join(out, "F.flo")),
            read_pfm(os.path.join(out, "Ow.pfm")) * 2 - 1,
            read_pfm(os.path.join(out, "Or.pfm")) * 2 - 1, image)


def compare(model, engine, image, c):
    """Max |engine − torch| for F / motion_scale, O^w, O^r, and the torch
    outputs. F is compared in the network's output units (tanh, like the
    images); in pixels the limit is 1e-4 · motion_scale."""
    ef, ew, er = engine
    with torch.no_grad():
        field, warped, refined = model(image * 2 - 1, c)

    def hwc(t):
        return t[0].permute(1, 2, 0).numpy()
    errs = {"F/scale": np.abs(ef - hwc(field)).max() / model.cfg.motion_scale,
            "O^w": np.abs(ew - hwc(warped)).max(),
            "O^r": np.abs(er - hwc(refined)).max()}
    return errs, (field, warped, refined)


def run_case(atw_run, tmp, name, cfg, h, w, seed):
    gen = torch.Generator().manual_seed(seed)
    model = atw_model.randomize_(atw_model.Generator(cfg), seed).eval()
    weights = os.path.join(tmp, name + ".safetensors")
    atw_model.export_generator(model, weights)
    c = torch.rand(1, cfg.d, generator=gen)
    try:
        *engine, image = engine_outputs(atw_run, weights, smooth_image(gen, h, w),
                                        c[0].tolist(), os.path.join(tmp, name))
    except RuntimeError as e:
        print(f"{name}: atw-run failed: {e}")
        return False
    errs, (field, warped, _) = compare(model, engine, image, c)
    with torch.no_grad():
        # PyTorch's own float32 rounding, measured against float64.
        f64 = model.double()(image.double() * 2 - 1, c.double())[0].float()
        model.float()
    torch_noise = (field - f64).abs().max().item() / cfg.motion_scale
    ok = all(e <= TOLERANCE for e in errs.values())
    # The reference's own warp must equal the explicit one on this field.
    werr = (warped - warp_explicit(image * 2 - 1, field)).abs().max().item()
    ok = ok and werr <= 1e-5
    print(f"{name}: {h}x{w}, widths {cfg.motion_width}/{cfg.refine_width}, "
          f"{atw_model.n_parameters(model)} parameters, max |F| "
          f"{field.abs().max():.2f} px; max |engine - torch|: "
          + ", ".join(f"{k} {v:.2e}" for k, v in errs.items())
          + f" (torch float32 vs float64: F/scale {torch_noise:.2e})"
          + f"; warp vs explicit {werr:.1e}: {'ok' if ok else 'FAIL'}")
    # The paste-back guarantee: F = 0 and O^r = I exactly on the border.
    ef, er = engine[0], engine[2]
    ring = np.ones(ef.shape[:2], bool)
    z = cfg.taper_zero
    ring[z:-z, z:-z] = False
    img = image[0].permute(1, 2, 0).double().numpy()
    er01 = (er + 1) / 2  # exact in float64: the engine's O^r values
    if z and (np.abs(ef[ring]).max() != 0 or np.abs(er01[ring] - img[ring]).max() != 0):
        print(f"{name}: F is not 0 or O^r is not I on the outer {z} pixels")
        ok = False
    return ok


def main():
    atw_run = sys.argv[1]
    torch.manual_seed(0)
    expressions = ["neutral", "happy", "sad", "surprised", "fearful",
                   "angry", "disgusted"]
    cases = [
        ("aus-small", atw_model.Config(motion_width=8, refine_width=8),
         128, 128),
        ("expr-nonsquare", atw_model.Config(
            driving_names=expressions, driving_kind="expressions",
            driving_scale=1.0, motion_width=6, refine_width=5,
            motion_blocks=2, refine_blocks=1, motion_scale=20.0,
            taper_ramp=3), 96, 64),
        ("aus-paper", atw_model.Config(**atw_model.PRESETS["paper"]),
         128, 128),
    ]
    ok = check_warps(torch.Generator().manual_seed(1))
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, cfg, h, w) in enumerate(cases):
            ok = run_case(atw_run, tmp, name, cfg, h, w, 10 + i) and ok
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
