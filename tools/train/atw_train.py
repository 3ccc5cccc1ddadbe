#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Training recipe of the ATW generator (paper section 3.3); see
docs/TRAINING.md.

Losses (paper eq. 1-10): WGAN-GP adversarial loss with gradient penalty
sigma = 10; D^r has an adversarial head and a driving head, D^w a driving
head only; the generator minimizes

    l_g = 10 l_cyc + 1 l_adv + 1 l_drv + 1 l_warp + 10 l_ref

(lambda_rec = 10, lambda_drv = 1, lambda_warp = 1, lambda_adv = 1,
lambda_ref = 10), and D^r minimizes lambda_adv l_adv^Dr + lambda_drv l_drv^Dr.
Driving disparity: MSE for action units, cross entropy for expression
labels. Five discriminator steps per generator step (Algorithm 1). Data are
augmented by random crop, horizontal flip and colour (brightness, contrast,
saturation, hue). Target driving signals c_t are the real signals of other
images in the batch (a permutation), so they follow the data's distribution.

Data (the paper's layout): a folder of face images and a CSV with a column
"filename" (also accepted: file, image, name) and either OpenFace's AU
intensity columns (AU01_r ... AU45_r, values 0-5) or a column "label"
(expression category names).

Writes the safetensors file that the engine loads (--out) and a CSV log of
every generator step's losses (--log).
"""
import argparse
import csv
import math
import os
import random
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as Fn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import atw_model  # noqa: E402

LAMBDA = dict(cyc=10.0, adv=1.0, drv=1.0, warp=1.0, ref=10.0)
GP_WEIGHT = 10.0
N_CRITIC = 5
AU_SCALE = 0.2  # OpenFace 0-5 → network input 0-1
NAME_COLUMNS = ("filename", "file", "image", "name")


# ---------------------------------------------------------------- data ----

def read_table(csv_path, kind):
    """→ (filenames, targets [N, d] float tensor, driving names)."""
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f, skipinitialspace=True))
    if not rows:
        raise SystemExit(f"{csv_path}: no rows")
    cols = {c.strip(): c for c in rows[0].keys()}
    name_col = next((cols[c] for c in NAME_COLUMNS if c in cols), None)
    if name_col is None:
        raise SystemExit(f"{csv_path}: no filename column ({', '.join(NAME_COLUMNS)})")
    files = [r[name_col].strip() for r in rows]
    if kind == "aus":
        names = [a for a in atw_model.OPENFACE_AUS if a in cols]
        if not names:
            raise SystemExit(f"{csv_path}: no OpenFace AU columns (AU01_r ...)")
        values = [[float(r[cols[a]]) * AU_SCALE for a in names] for r in rows]
        return files, torch.tensor(values, dtype=torch.float32), names
    if "label" not in cols:
        raise SystemExit(f"{csv_path}: no 'label' column")
    labels = [r[cols["label"]].strip() for r in rows]
    names = sorted(set(labels))
    onehot = torch.zeros(len(rows), len(names))
    for i, lab in enumerate(labels):
        onehot[i, names.index(lab)] = 1
    return files, onehot, names


def load_images(folder, files, size):
    """Every image resized so that its short side is 1.125 · size (room for
    the random crop), as float tensors in [0, 1]."""
    from PIL import Image
    out = []
    big = int(round(size * 1.125))
    for name in files:
        with Image.open(os.path.join(folder, name)) as im:
            im = im.convert("RGB")
            w, h = im.size
            s = big / min(w, h)
            im = im.resize((max(big, round(w * s)), max(big, round(h * s))),
                           Image.BILINEAR)
            t = torch.frombuffer(bytearray(im.tobytes()), dtype=torch.uint8)
            out.append(t.reshape(im.size[1], im.size[0], 3).permute(2, 0, 1)
                       .float() / 255)
    return out


def rgb_to_yiq(x):
    m = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322],
                      [0.211, -0.523, 0.312]])
    return torch.einsum("ij,njhw->nihw", m, x), torch.linalg.inv(m)


def color_jitter(x, gen, strength=1.0):
    """Brightness, contrast, saturation and hue, per image, on [0, 1]."""
    n = x.shape[0]

    def u(lo, hi):
        return (torch.rand(n, 1, 1, 1, generator=gen) * (hi - lo) + lo)

    s = strength
    x = x + u(-0.1 * s, 0.1 * s)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * u(1 - 0.1 * s, 1 + 0.1 * s) + mean
    yiq, inv = rgb_to_yiq(x)
    angle = u(-0.05 * s, 0.05 * s) * 2 * math.pi
    sat = u(1 - 0.1 * s, 1 + 0.1 * s)
    i, q = yiq[:, 1:2], yiq[:, 2:3]
    i2 = (i * torch.cos(angle) - q * torch.sin(angle)) * sat
    q2 = (i * torch.sin(angle) + q * torch.cos(angle)) * sat
    yiq = torch.cat((yiq[:, :1], i2, q2), dim=1)
    return torch.einsum("ij,njhw->nihw", inv, yiq).clamp(0, 1)


class Batches:
    """Random batches: crop, flip, colour; images in [-1, 1]."""

    def __init__(self, images, targets, size, batch, seed, augment=True):
        self.images, self.targets = images, targets
        self.size, self.batch, self.augment = size, batch, augment
        self.gen = torch.Generator().manual_seed(seed)
        self.rng = random.Random(seed)

    def crop(self, img):
        _, h, w = img.shape
        s = self.size
        if not self.augment:
            y, x = (h - s) // 2, (w - s) // 2
        else:
            y, x = self.rng.randint(0, h - s), self.rng.randint(0, w - s)
        out = img[:, y:y + s, x:x + s]
        if self.augment and self.rng.random() < 0.5:
            out = out.flip(-1)  # AUs are bilateral: the labels stay
        return out

    def next(self):
        idx = [self.rng.randrange(len(self.images)) for _ in range(self.batch)]
        x = torch.stack([self.crop(self.images[i]) for i in idx])
        if self.augment:
            x = color_jitter(x, self.gen)
        c_s = self.targets[idx]
        c_t = c_s[torch.randperm(len(idx), generator=self.gen)]
        return x * 2 - 1, c_s, c_t


# ------------------------------------------------------- discriminators ----

class Discriminator(nn.Module):
    """PatchGAN trunk (4×4 stride-2 convs, LeakyReLU 0.01, no norm: WGAN-GP
    wants none); an adversarial head (patch logits, averaged) and/or a
    driving head (one conv over the remaining grid → d values)."""

    def __init__(self, d, size, width, adv=True):
        super().__init__()
        layers, ch, cin = [], width, 3
        n = max(2, min(6, int(math.log2(size)) - 1))
        for _ in range(n):
            layers += [nn.Conv2d(cin, ch, 4, 2, 1), nn.LeakyReLU(0.01)]
            cin, ch = ch, min(ch * 2, 16 * width)
        self.trunk = nn.Sequential(*layers)
        k = size // 2 ** n
        self.adv = nn.Conv2d(cin, 1, 3, 1, 1, bias=False) if adv else None
        self.drv = nn.Conv2d(cin, d, k, bias=False)

    def forward(self, x):
        h = self.trunk(x)
        adv = self.adv(h).mean(dim=(1, 2, 3)) if self.adv is not None else None
        return adv, self.drv(h).flatten(1)


def driving_loss(pred, target, kind):
    if kind == "aus":
        return Fn.mse_loss(pred, target)
    return Fn.cross_entropy(pred, target.argmax(1))


def gradient_penalty(d_r, real, fake, gen):
    alpha = torch.rand(real.shape[0], 1, 1, 1, generator=gen)
    mix = ((1 - alpha) * real + alpha * fake).requires_grad_(True)
    adv, _ = d_r(mix)
    (grad,) = torch.autograd.grad(adv.sum(), mix, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


# ------------------------------------------------------------ training ----

def discriminator_step(g, d_r, d_w, opt_r, opt_w, batch, kind, gen):
    x, c_s, c_t = batch
    with torch.no_grad():
        _, _, refined = g(x, c_t)
    adv_real, drv_real = d_r(x)
    adv_fake, _ = d_r(refined)
    gp = gradient_penalty(d_r, x, refined, gen)
    l_adv = adv_fake.mean() - adv_real.mean() + GP_WEIGHT * gp
    l_drv = driving_loss(drv_real, c_s, kind)
    opt_r.zero_grad()
    (LAMBDA["adv"] * l_adv + LAMBDA["drv"] * l_drv).backward()
    opt_r.step()
    _, drv_w = d_w(x)
    l_dw = driving_loss(drv_w, c_s, kind)
    opt_w.zero_grad()
    l_dw.backward()
    opt_w.step()
    return dict(d_adv=l_adv.item(), d_gp=gp.item(), d_drv=l_drv.item(),
                dw_drv=l_dw.item())


def generator_step(g, d_r, d_w, opt_g, batch, kind):
    x, c_s, c_t = batch
    _, warped, refined = g(x, c_t)
    adv, drv = d_r(refined)
    _, drv_w = d_w(warped)
    _, _, rec = g(refined, c_s)
    losses = dict(
        adv=-adv.mean(),
        drv=driving_loss(drv, c_t, kind),
        warp=driving_loss(drv_w, c_t, kind),
        ref=(warped - refined).abs().mean(),
        cyc=(rec - x).abs().mean(),
    )
    total = sum(LAMBDA[k] * v for k, v in losses.items())
    opt_g.zero_grad()
    total.backward()
    opt_g.step()
    out = {f"g_{k}": v.item() for k, v in losses.items()}
    out["g_total"] = total.item()
    return out


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--images", required=True, help="folder of face images")
    p.add_argument("--labels", required=True, help="CSV (filename + AUs or label)")
    p.add_argument("--kind", choices=("aus", "expressions"), default="aus")
    p.add_argument("--out", required=True, help="weights file (.safetensors)")
    p.add_argument("--log", help="CSV of every generator step's losses")
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--preset", choices=sorted(atw_model.PRESETS), default="paper")
    p.add_argument("--motion-width", type=int)
    p.add_argument("--refine-width", type=int)
    p.add_argument("--motion-blocks", type=int, default=6)
    p.add_argument("--refine-blocks", type=int, default=4)
    p.add_argument("--motion-scale", type=float, default=12.0,
                   help="|F| bound in pixels of the size grid")
    p.add_argument("--d-width", type=int, default=64)
    p.add_argument("--steps", type=int, default=200000, help="generator steps")
    p.add_argument("--batch", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--save-every", type=int, default=1000)
    p.add_argument("--no-augment", action="store_true")
    p.add_argument("--random-motion-init", action="store_true",
                   help="keep PyTorch's initialization of the motion output "
                   "(default: zeros, so F starts at 0)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0)
    return p.parse_args(argv)


def make_config(a, names):
    widths = dict(atw_model.PRESETS[a.preset])
    if a.motion_width:
        widths["motion_width"] = a.motion_width
    if a.refine_width:
        widths["refine_width"] = a.refine_width
    return atw_model.Config(
        driving_names=names, driving_kind=a.kind,
        driving_scale=AU_SCALE if a.kind == "aus" else 1.0,
        motion_blocks=a.motion_blocks, refine_blocks=a.refine_blocks,
        motion_scale=a.motion_scale, image_size=a.size, **widths)


def train(a):
    torch.manual_seed(a.seed)
    if a.threads:
        torch.set_num_threads(a.threads)
    files, targets, names = read_table(a.labels, a.kind)
    images = load_images(a.images, files, a.size)
    data = Batches(images, targets, a.size, a.batch, a.seed, not a.no_augment)
    g = atw_model.Generator(make_config(a, names))
    if not a.random_motion_init:
        # F starts at 0 (O^w = I): with PyTorch's default initialization the
        # motion output saturates tanh at ±motion_scale within a few hundred
        # steps and the field folds everywhere (docs/TRAINING.md).
        nn.init.zeros_(g.motion.out_conv.weight)
        nn.init.zeros_(g.motion.out_conv.bias)
    d_r = Discriminator(len(names), a.size, a.d_width, adv=True)
    d_w = Discriminator(len(names), a.size, a.d_width, adv=False)
    adam = dict(lr=a.lr, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(g.parameters(), **adam)
    opt_r = torch.optim.Adam(d_r.parameters(), **adam)
    opt_w = torch.optim.Adam(d_w.parameters(), **adam)
    print(f"{len(images)} images, {len(names)} driving inputs, generator "
          f"{atw_model.n_parameters(g)} parameters", flush=True)
    log = open(a.log, "w", newline="") if a.log else None
    writer = None
    t0 = time.time()
    for step in range(1, a.steps + 1):
        d_stats = [discriminator_step(g, d_r, d_w, opt_r, opt_w, data.next(),
                                      a.kind, data.gen)
                   for _ in range(N_CRITIC)]
        row = {k: sum(s[k] for s in d_stats) / N_CRITIC for k in d_stats[0]}
        row.update(generator_step(g, d_r, d_w, opt_g, data.next(), a.kind))
        row = {"step": step, "seconds": round(time.time() - t0, 2), **row}
        if log:
            if writer is None:
                writer = csv.DictWriter(log, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
            log.flush()
        if step % 10 == 0 or step == a.steps:
            print(" ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                           for k, v in row.items()), flush=True)
        if step % a.save_every == 0 or step == a.steps:
            atw_model.export_generator(g.eval(), a.out)
            g.train()
    if log:
        log.close()
    return g


if __name__ == "__main__":
    train(parse_args(sys.argv[1:]))
