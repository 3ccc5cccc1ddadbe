# SPDX-License-Identifier: GPL-3.0-or-later
"""The ATW generator of the paper's section 3.2 in PyTorch, and the
safetensors file that the engine (engine/atw/mien-atw.h) loads.

This module is the architecture's one definition on the Python side: the
training recipe (atw_train.py) trains it and the parity test
(tests/reference/atw_reference.py) checks the engine against it. It needs
only torch (Debian's python3-torch 1.13) and the standard library.

Conventions (the engine's, see docs/ATW.md):
- tensors NCHW, pixel values in [-1, 1] (engine images are [0, 1]: x = 2I - 1);
- F = tanh(motion) * motion_scale * taper, in pixels of the image grid,
  channel 0 = dx, 1 = dy; backward warp out(x) = in(x + F(x)), bilinear,
  positions clamped to the image (mien_warp_bilinear);
- O^w = warp(x, F); O^r = x + taper * (tanh(refine(O^w)) - x), so that F = 0
  and O^r = I exactly on the outer taper_zero pixels (seamless paste-back).
"""
import json
import os
import struct
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as Fn

FORMAT = "mien-atw"
VERSION = "1"
# OpenFace 2's intensity AUs, the columns of its CSV output.
OPENFACE_AUS = ["AU01_r", "AU02_r", "AU04_r", "AU05_r", "AU06_r", "AU07_r",
                "AU09_r", "AU10_r", "AU12_r", "AU14_r", "AU15_r", "AU17_r",
                "AU20_r", "AU23_r", "AU25_r", "AU26_r", "AU45_r"]
# Sizes. "paper" has 6.3M parameters with 17 AUs (the paper: 2.7M to 9.4M).
PRESETS = {
    "tiny": dict(motion_width=4, refine_width=4),
    "small": dict(motion_width=16, refine_width=16),
    "paper": dict(motion_width=48, refine_width=32),
}


class Config:
    """What the file's __metadata__ holds (all values strings there)."""

    INT_KEYS = ("motion_width", "refine_width", "motion_blocks",
                "refine_blocks", "taper_zero", "taper_ramp", "image_size")
    FLOAT_KEYS = ("motion_scale", "driving_scale")

    def __init__(self, driving_names=None, driving_kind="aus",
                 driving_scale=0.2, motion_width=32, refine_width=32,
                 motion_blocks=6, refine_blocks=4, motion_scale=12.0,
                 taper_zero=2, taper_ramp=6, image_size=128):
        self.driving_kind = driving_kind
        self.driving_names = list(driving_names or OPENFACE_AUS)
        self.driving_scale = float(driving_scale)
        self.motion_width = int(motion_width)
        self.refine_width = int(refine_width)
        self.motion_blocks = int(motion_blocks)
        self.refine_blocks = int(refine_blocks)
        self.motion_scale = float(motion_scale)
        self.taper_zero = int(taper_zero)
        self.taper_ramp = int(taper_ramp)
        self.image_size = int(image_size)

    @property
    def d(self):
        return len(self.driving_names)

    def to_metadata(self):
        meta = {"format": FORMAT, "version": VERSION,
                "driving_kind": self.driving_kind,
                "driving_names": ",".join(self.driving_names)}
        for k in self.INT_KEYS:
            meta[k] = str(getattr(self, k))
        for k in self.FLOAT_KEYS:
            meta[k] = repr(float(getattr(self, k)))
        return meta

    @classmethod
    def from_metadata(cls, meta):
        if meta.get("format") != FORMAT:
            raise ValueError("not a mien-atw file")
        kw = {k: int(meta[k]) for k in cls.INT_KEYS}
        kw.update({k: float(meta[k]) for k in cls.FLOAT_KEYS})
        return cls(driving_names=meta["driving_names"].split(","),
                   driving_kind=meta["driving_kind"], **kw)


class ResBlock(nn.Module):
    """x + N(conv2(act(N(conv1(x))))), N = instance norm or identity."""

    def __init__(self, ch, norm, act):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, 1, 1, bias=not norm)
        self.conv2 = nn.Conv2d(ch, ch, 3, 1, 1, bias=not norm)
        if norm:
            self.norm1 = nn.InstanceNorm2d(ch, affine=True)
            self.norm2 = nn.InstanceNorm2d(ch, affine=True)
        self.norm = norm
        self.act = act

    def forward(self, x):
        h = self.conv1(x)
        h = self.act(self.norm1(h) if self.norm else h)
        h = self.conv2(h)
        return x + (self.norm2(h) if self.norm else h)


class EncoderDecoder(nn.Module):
    """conv 7×7 → two 4×4 stride-2 down-samplings → residual blocks → two
    4×4 stride-2 transposed convolutions → conv 7×7 (no activation here).
    Motion: instance norm + ReLU after every conv but the last (convs before
    a norm have no bias). Refinement: ELU, no norm, every conv biased."""

    def __init__(self, cin, cout, width, blocks, norm):
        super().__init__()
        w = width
        self.norm = norm
        self.act = nn.ReLU() if norm else nn.ELU(alpha=1.0)
        b = not norm
        self.in_conv = nn.Conv2d(cin, w, 7, 1, 3, bias=b)
        self.down1 = nn.Conv2d(w, 2 * w, 4, 2, 1, bias=b)
        self.down2 = nn.Conv2d(2 * w, 4 * w, 4, 2, 1, bias=b)
        self.res = nn.ModuleList(ResBlock(4 * w, norm, self.act)
                                 for _ in range(blocks))
        self.up1 = nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1, bias=b)
        self.up2 = nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=b)
        self.out_conv = nn.Conv2d(w, cout, 7, 1, 3, bias=True)
        if norm:
            for name, ch in (("in_norm", w), ("down1_norm", 2 * w),
                             ("down2_norm", 4 * w), ("up1_norm", 2 * w),
                             ("up2_norm", w)):
                setattr(self, name, nn.InstanceNorm2d(ch, affine=True))

    def _stage(self, x, conv, norm_name):
        h = conv(x)
        if self.norm:
            h = getattr(self, norm_name)(h)
        return self.act(h)

    def forward(self, x):
        h = self._stage(x, self.in_conv, "in_norm")
        h = self._stage(h, self.down1, "down1_norm")
        h = self._stage(h, self.down2, "down2_norm")
        for block in self.res:
            h = block(h)
        h = self._stage(h, self.up1, "up1_norm")
        h = self._stage(h, self.up2, "up2_norm")
        return self.out_conv(h)


def taper(height, width, zero, ramp, device=None):
    """1 inside, 0 on the outer `zero` pixels, linear over `ramp` pixels
    between: t(d) = clamp((d - zero + 1) / (ramp + 1), 0, 1), d the distance
    in pixels to the nearest edge, separable (t(x) * t(y)). [H, W]."""
    def axis(n):
        i = torch.arange(n, dtype=torch.float64, device=device)
        d = torch.minimum(i, n - 1 - i)
        return ((d - zero + 1) / (ramp + 1)).clamp(0, 1)
    return (axis(height)[:, None] * axis(width)[None, :]).float()


def sample_positions(field):
    """Absolute sample positions x + F(x) in pixels, [N, H, W, 2] (x, y)."""
    n, _, h, w = field.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=field.dtype),
                            torch.arange(w, dtype=field.dtype), indexing="ij")
    return torch.stack((xs + field[:, 0], ys + field[:, 1]), dim=-1)


def warp(image, field):
    """out(x) = image(x + F(x)), bilinear, positions clamped to the image.
    Pixel p (centre at integer p) is grid_sample's normalized (2p + 1)/W - 1
    under align_corners=False; padding_mode='border' clamps the position to
    [0, W - 1], exactly the engine's clamp."""
    _, _, h, w = image.shape
    pos = sample_positions(field)
    grid = (pos * 2 + 1) / torch.tensor([w, h], dtype=field.dtype) - 1
    return Fn.grid_sample(image, grid, mode="bilinear", padding_mode="border",
                          align_corners=False)


class Generator(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.motion = EncoderDecoder(3 + cfg.d, 2, cfg.motion_width,
                                     cfg.motion_blocks, norm=True)
        self.refine = EncoderDecoder(3, 3, cfg.refine_width,
                                     cfg.refine_blocks, norm=False)

    def forward(self, x, c):
        """x [N,3,H,W] in [-1, 1], c [N,d] (network driving inputs) →
        F [N,2,H,W] (pixels), O^w, O^r [N,3,H,W]."""
        n, _, h, w = x.shape
        cfg = self.cfg
        t = taper(h, w, cfg.taper_zero, cfg.taper_ramp, x.device)
        tiled = c[:, :, None, None].expand(n, c.shape[1], h, w)
        m = self.motion(torch.cat((x, tiled), dim=1))
        field = torch.tanh(m) * cfg.motion_scale * t
        warped = warp(x, field)
        refined = x + t * (torch.tanh(self.refine(warped)) - x)
        return field, warped, refined


def n_parameters(model):
    return sum(p.numel() for p in model.parameters())


# ---- safetensors: written with struct + json (no safetensors package) ----

def save_safetensors(path, tensors, metadata):
    """Writes float32 tensors (name → tensor) atomically: a temporary file
    beside path, renamed into place when complete."""
    header = {"__metadata__": dict(metadata)}
    blobs, offset = [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous().float()
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".",
                               dir=folder)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 is not wanted
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for b in blobs:
                f.write(b)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_safetensors(path):
    """→ (name → float32 tensor, metadata). F32 only."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = raw[8 + n:]
    out = {}
    for name, e in header.items():
        if e["dtype"] != "F32":
            raise ValueError(f"{name}: dtype {e['dtype']}")
        b, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(body[b:end]), dtype=torch.float32)
        out[name] = t.reshape(e["shape"]).clone()
    return out, meta


def export_generator(model, path):
    save_safetensors(path, model.state_dict(), model.cfg.to_metadata())


def load_generator(path):
    tensors, meta = load_safetensors(path)
    model = Generator(Config.from_metadata(meta))
    model.load_state_dict(tensors)
    return model


def randomize_(model, seed, gain=1.0):
    """Random weights for parity tests: PyTorch's default initialization, with
    the instance norms' affine parameters drawn too (they start at 1 and 0,
    which would leave that part of the engine untested)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif "norm" in name:
                p.copy_(0.2 * torch.randn(p.shape, generator=g))
            else:
                fan_in = p[0].numel() if p.dim() > 1 else p.numel()
                bound = gain / fan_in ** 0.5
                p.copy_((torch.rand(p.shape, generator=g) * 2 - 1) * bound
                        * 3 ** 0.5)
    return model
