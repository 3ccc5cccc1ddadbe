#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every op of the nn CPU backend against PyTorch (or, for TensorFlow's
legacy bilinear resize, which PyTorch lacks, numpy written from TF's
definition) on the random inputs that nn-ops-cases writes. Tensors are NHWC
with HWIO filters on the C side and are converted here.
Tolerance: |mien - ref| <= 1e-4 + 1e-4 |ref| for every element.
Usage: test_nn_ops.py PATH/TO/nn-ops-cases"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

ATOL = 1e-4
RTOL = 1e-4


def load(work, spec):
    a = np.fromfile(os.path.join(work, spec["file"]), dtype="<f4")
    return torch.from_numpy(a.reshape(spec["shape"]).astype(np.float64))


def nchw(x):
    return x.permute(0, 3, 1, 2)


def nhwc(x):
    return x.permute(0, 2, 3, 1)


def act(x, p):
    kind, alpha = p.get("act", "none"), p.get("alpha", 0.0)
    return {"none": lambda v: v, "relu": F.relu,
            "leaky": lambda v: F.leaky_relu(v, alpha),
            "elu": lambda v: F.elu(v, alpha), "tanh": torch.tanh,
            "sigmoid": torch.sigmoid}[kind](x)


def tf_same(size, kernel, stride):
    """TensorFlow SAME: ceil(size / stride) outputs, extra padding after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def resolve_pad(p, x, kh, kw):
    """x is NHWC."""
    if p["pad"] != "same":
        return p["pad"]
    return (*tf_same(x.shape[1], kh, p["stride"]),
            *tf_same(x.shape[2], kw, p["stride"]))


def padded(x, pad, value=0.0):
    top, bottom, left, right = pad
    return F.pad(x, (left, right, top, bottom), value=value)


def conv2d(p, a, b, c):
    pad = resolve_pad(p, a, b.shape[0], b.shape[1])
    y = F.conv2d(padded(nchw(a), pad), b.permute(3, 2, 0, 1), c,
                 stride=p["stride"])
    return act(nhwc(y), p)


def depthwise_conv2d(p, a, b, c):
    kh, kw, ch, m = b.shape
    w = b.permute(2, 3, 0, 1).reshape(ch * m, 1, kh, kw)
    pad = resolve_pad(p, a, kh, kw)
    y = F.conv2d(padded(nchw(a), pad), w, c, stride=p["stride"],
                 groups=ch)
    return act(nhwc(y), p)


def conv2d_transpose(p, a, b, c):
    y = F.conv_transpose2d(nchw(a), b.permute(3, 2, 0, 1), c,
                           stride=p["stride"])
    top, bottom, left, right = p["pad"]
    y = y[:, :, top:y.shape[2] - bottom, left:y.shape[3] - right]
    return act(nhwc(y), p)


def fully_connected(p, a, b, c):
    return act(a.reshape(a.shape[0], -1) @ b + c, p)


def max_pool(p, a, *_):
    pad = resolve_pad(p, a, p["kernel"], p["kernel"])
    y = F.max_pool2d(padded(nchw(a), pad, -np.inf), p["kernel"],
                     p["stride"])
    return nhwc(y)


def avg_pool(p, a, *_):
    x = nchw(a)
    k, s = p["kernel"], p["stride"]
    pad = resolve_pad(p, a, k, k)
    total = F.avg_pool2d(padded(x, pad), k, s) * k * k
    if p["count_include_pad"]:
        return nhwc(total / (k * k))
    count = F.avg_pool2d(padded(torch.ones_like(x), pad), k, s) * k * k
    return nhwc(total / count)


def resize_legacy(x, oh, ow):
    """tf.image.resize_bilinear, align_corners = half_pixel_centers = false."""
    n, h, w, c = x.shape
    x = x.numpy()
    out = np.zeros((n, oh, ow, c))
    for r in range(oh):
        sy = r * h / oh
        y0, y1 = int(np.floor(sy)), min(h - 1, int(np.ceil(sy)))
        fy = sy - y0
        for q in range(ow):
            sx = q * w / ow
            x0, x1 = int(np.floor(sx)), min(w - 1, int(np.ceil(sx)))
            fx = sx - x0
            top = x[:, y0, x0] + (x[:, y0, x1] - x[:, y0, x0]) * fx
            bot = x[:, y1, x0] + (x[:, y1, x1] - x[:, y1, x0]) * fx
            out[:, r, q] = top + (bot - top) * fy
    return torch.from_numpy(out)


def resize_bilinear(p, a, *_):
    oh, ow = p["out"]
    if not p["align_corners"] and not p["half_pixel"]:
        return resize_legacy(a, oh, ow)
    y = F.interpolate(nchw(a), size=(oh, ow), mode="bilinear",
                      align_corners=bool(p["align_corners"]))
    return nhwc(y)


def bilinear_sample(p, a, b, _c):
    h, w = a.shape[1], a.shape[2]
    grid = torch.stack([2 * b[..., 0] / (w - 1) - 1,
                        2 * b[..., 1] / (h - 1) - 1], dim=-1)
    y = F.grid_sample(nchw(a), grid, mode="bilinear", align_corners=True,
                      padding_mode="border" if p["border_clamp"] else "zeros")
    return nhwc(y)


OPS = {
    "conv2d": conv2d,
    "depthwise_conv2d": depthwise_conv2d,
    "conv2d_transpose": conv2d_transpose,
    "fully_connected": fully_connected,
    "max_pool": max_pool,
    "avg_pool": avg_pool,
    "global_avg_pool": lambda p, a, *_: a.mean(dim=(1, 2), keepdim=True),
    "add": lambda p, a, b, c: act(a + b, p),
    "channel_affine": lambda p, a, b, c: act(a * b + c, p),
    "activation": lambda p, a, *_: act(a, p),
    "concat": lambda p, a, b, c: torch.cat([a, b], dim=p["axis"]),
    "pad": lambda p, a, *_: F.pad(a, tuple(v for pair in reversed(p["pads"])
                                           for v in pair), value=p["value"]),
    "instance_norm": lambda p, a, b, c: nhwc(F.instance_norm(
        nchw(a), weight=b, bias=c, eps=p["eps"])),
    "resize_bilinear": resize_bilinear,
    "upsample_nearest": lambda p, a, *_: nhwc(F.interpolate(
        nchw(a), scale_factor=tuple(p["scale"]), mode="nearest")),
    "bilinear_sample": bilinear_sample,
    "softmax": lambda p, a, *_: torch.softmax(a, dim=-1),
}


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    with tempfile.TemporaryDirectory() as work:
        run = subprocess.run([sys.argv[1], work], capture_output=True,
                             text=True)
        print(run.stdout + run.stderr, end="")
        if run.returncode != 0:
            return 1
        with open(os.path.join(work, "cases.json")) as f:
            cases = json.load(f)
        worst = {}
        failed = 0
        for case in cases:
            ins = [load(work, case[k]) if k in case else None
                   for k in ("a", "b", "c")]
            got = load(work, case["out"])
            ref = OPS[case["op"]](case["params"], *ins)
            if tuple(ref.shape) != tuple(got.shape):
                print(f"FAIL {case['op']} {case['params']}: shape "
                      f"{tuple(got.shape)}, reference {tuple(ref.shape)}")
                failed += 1
                continue
            err = (got - ref).abs()
            excess = (err - (ATOL + RTOL * ref.abs())).max().item()
            name = case["op"]
            worst[name] = max(worst.get(name, 0.0), err.max().item())
            if excess > 0:
                print(f"FAIL {name} {case['params']}: max error "
                      f"{err.max().item():.3g}")
                failed += 1
        for name in OPS:
            if name not in worst:
                print(f"FAIL {name}: no case")
                failed += 1
        for name, e in sorted(worst.items()):
            print(f"{name:18s} max |mien - torch| {e:.2e}")
        print(f"{len(cases)} cases, {failed} failed (tolerance "
              f"{ATOL} + {RTOL}|ref|)")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
