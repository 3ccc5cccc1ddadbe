# SPDX-License-Identifier: GPL-3.0-or-later
"""Independent numpy implementation of ResWarp, written from the ATW paper's
equations (section 3.4) and DESIGN.md, not from the C code.

Resampling is expressed as dense matrices built from their definitions:
  * down: each output pixel is the mean of the input area it covers
    (coverage integrals, fractional at cell edges);
  * up:   bilinear with pixel centres at half-integers, clamped at borders.
The warp is a vectorised bilinear gather with clamped coordinates.
Images are float64 arrays of shape (H, W, C); fields are (H, W, 2) = (dx, dy).

fade=True adds the project's one departure from the paper (ARCHITECTURE.md,
"Residual gain"): each warped residual is multiplied by G = up(gain(F)), where
gain(F) fades the residual where the map x -> x + F(x) squeezes (largest
singular value of its Jacobian above 1.5, zero at 3) or stretches it
(smallest below 0.4, zero at 0.15). Written here with numpy's gradient and
SVD, not the C code's closed form. With the fade come the project's two
other departures (ARCHITECTURE.md, "Departures"): with cubic=True (the
engine's MIEN_RESWARP_CUBIC=1) the residual is warped with Keys' cubic
convolution (a = -0.75) instead of bilinear, and where G < 1
the part of the fade that the squeeze causes is carried by a texture
transport instead: the residual moved
by each surrounding field node's rigid motion (the rotation of the polar
decomposition of the Jacobian, here from numpy's SVD), blended with the
field's bilinear weights and rescaled to keep the energy of uncorrelated
copies, as much as the squeeze (not the stretch) faded it.
"""
import numpy as np


def area_matrix(n_in, n_out):
    """(n_out, n_in) matrix whose rows average the covered input interval."""
    f = n_in / n_out
    m = np.zeros((n_out, n_in))
    for j in range(n_out):
        a, b = j * f, (j + 1) * f
        for i in range(int(np.floor(a)), min(n_in, int(np.ceil(b)))):
            overlap = min(b, i + 1) - max(a, i)
            if overlap > 0:
                m[j, i] = overlap / f
    return m


def bilinear_matrix(n_in, n_out):
    """(n_out, n_in) matrix of bilinear weights, align_corners=False."""
    m = np.zeros((n_out, n_in))
    for j in range(n_out):
        s = (j + 0.5) * n_in / n_out - 0.5
        s = min(max(s, 0.0), n_in - 1)
        i0 = int(np.floor(s))
        i1 = min(i0 + 1, n_in - 1)
        w = s - i0
        m[j, i0] += 1 - w
        m[j, i1] += w
    return m


def resize(img, h, w, kind):
    make = area_matrix if kind == "area" else bilinear_matrix
    my = make(img.shape[0], h)
    mx = make(img.shape[1], w)
    rows = np.tensordot(my, img, axes=(1, 0))         # (h, W, C)
    out = np.tensordot(rows, mx, axes=(1, 1))         # (h, C, w)
    return np.transpose(out, (0, 2, 1))


def down(img, h, w):
    return resize(img, h, w, "area")


def up(img, h, w):
    return resize(img, h, w, "bilinear")


def warp(img, field):
    """out(y, x) = img(y + dy, x + dx), bilinear, positions clamped."""
    h, w = img.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    px = np.clip(xs + field[..., 0], 0, w - 1)
    py = np.clip(ys + field[..., 1], 0, h - 1)
    x0 = np.floor(px).astype(int)
    y0 = np.floor(py).astype(int)
    x1 = np.minimum(x0 + 1, w - 1)
    y1 = np.minimum(y0 + 1, h - 1)
    wx = (px - x0)[..., None]
    wy = (py - y0)[..., None]
    top = img[y0, x0] * (1 - wx) + img[y0, x1] * wx
    bot = img[y1, x0] * (1 - wx) + img[y1, x1] * wx
    return top * (1 - wy) + bot * wy


CUBIC_A = -0.75


def keys(x, a=CUBIC_A):
    """Keys' cubic convolution kernel."""
    x = np.abs(x)
    return np.where(x <= 1, (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1,
                    np.where(x < 2, a * x ** 3 - 5 * a * x ** 2 + 8 * a * x
                             - 4 * a, 0.0))


def warp_cubic(img, field):
    """Like warp, with 4x4 taps of the Keys kernel at the integer pixels
    around the (clamped) position, taps outside the image replicating its
    border."""
    h, w = img.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    px = np.clip(xs + field[..., 0], 0, w - 1)
    py = np.clip(ys + field[..., 1], 0, h - 1)
    fx, fy = np.floor(px).astype(int), np.floor(py).astype(int)
    out = 0.0
    for j in range(-1, 3):
        row = 0.0
        for i in range(-1, 3):
            tap = img[np.clip(fy + j, 0, h - 1), np.clip(fx + i, 0, w - 1)]
            row = row + keys(px - (fx + i))[..., None] * tap
        out = out + keys(py - (fy + j))[..., None] * row
    return out


def jacobians(field):
    """(H, W, 2, 2) Jacobians of x -> x + F(x) at the field's nodes, in its
    grid units (np.gradient: central inside, one-sided on the edges)."""
    dudy, dudx = np.gradient(field[..., 0])
    dvdy, dvdx = np.gradient(field[..., 1])
    jac = np.empty(field.shape[:2] + (2, 2))
    jac[..., 0, 0] = 1 + dudx
    jac[..., 0, 1] = dudy
    jac[..., 1, 0] = dvdx
    jac[..., 1, 1] = 1 + dvdy
    return jac


def transport(img, field, h, w, warp_fn):
    """The texture transport T at an (h, w) level: for every output pixel x,
    the four field nodes n around it (bilinear neighbours on the field's
    grid, as up() uses them) each carry the residual rigidly:
    T_n(x) = img(x + d_n + (R_n - 1)(x - p_n)), with p_n the node's centre in
    level pixels, d_n its displacement in level pixels and R_n the rotation
    nearest its Jacobian in level pixels. T = sum w_n T_n / sqrt(sum_nm w_n
    w_m rho(|D_n - D_m|)), D_n the copies' displacements and
    rho(d) = max(0, 1 - d^2/4)^2 their assumed correlation; all of it times
    up(S), S per node the squeeze's part of the fade, (1 - squeeze ramp) x
    stretch ramp x (1 between sigma1 = 3 and 0 at 4): an opened mouth (a
    stretch) and a closed eye (sigma1 > 4) keep the plain fade."""
    fh, fw = field.shape[:2]
    sx, sy = w / fw, h / fh
    jac = jacobians(field)
    sv = np.linalg.svd(jac, compute_uv=False)  # grid units, as gain()
    share = ((1 - np.clip((SQUEEZE_ZERO - sv[..., 0])
                          / (SQUEEZE_ZERO - SQUEEZE_FULL), 0, 1))
             * np.clip((sv[..., 1] - STRETCH_ZERO)
                       / (STRETCH_FULL - STRETCH_ZERO), 0, 1)
             * np.clip((TRANSPORT_ZERO - sv[..., 0])
                       / (TRANSPORT_ZERO - TRANSPORT_FULL), 0, 1))
    jac[..., 0, 1] *= sx / sy
    jac[..., 1, 0] *= sy / sx
    u, _, vt = np.linalg.svd(jac)
    rot = u @ vt  # polar decomposition: the nearest rotation (det > 0)

    def taps(n_in, n_out):
        s = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0,
                    n_in - 1)
        i0 = np.floor(s).astype(int)
        return i0, np.minimum(i0 + 1, n_in - 1), s - i0

    x0, x1, wx = taps(fw, w)
    y0, y1, wy = taps(fh, h)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    copies, weights, disps = [], [], []
    for iy, wyy in ((y0, 1 - wy), (y1, wy)):
        for ix, wxx in ((x0, 1 - wx), (x1, wx)):
            ny, nx = iy[:, None], ix[None, :]
            r = rot[ny, nx]  # (h, w, 2, 2)
            px = (nx + 0.5) * sx - 0.5
            py = (ny + 0.5) * sy - 0.5
            rel = np.stack([xs - px, ys - py], axis=-1)
            d = np.stack([field[ny, nx, 0] * sx, field[ny, nx, 1] * sy],
                         axis=-1)
            disp = d + np.einsum("hwij,hwj->hwi", r, rel) - rel
            copies.append(warp_fn(img, disp))
            weights.append(wyy[:, None] * wxx[None, :])
            disps.append(disp)
    energy = 0.0
    for a in range(4):
        for b in range(4):
            dd = disps[a] - disps[b]
            energy = energy + weights[a] * weights[b] * np.clip(
                1 - (dd ** 2).sum(-1) / 4, 0, None) ** 2
    total = sum(wt[..., None] * c for wt, c in zip(weights, copies))
    return total / np.sqrt(energy)[..., None] * up(share[..., None], h, w)


SQUEEZE_FULL, SQUEEZE_ZERO = 1.5, 3.0
# The transport's share fades out between these largest singular values.
TRANSPORT_FULL, TRANSPORT_ZERO = 3.0, 4.0
STRETCH_FULL, STRETCH_ZERO = 0.4, 0.15


def gain(field):
    """(H, W, 1) residual gain of a (H, W, 2) field at its own grid nodes."""
    dudy, dudx = np.gradient(field[..., 0])  # central inside, one-sided edges
    dvdy, dvdx = np.gradient(field[..., 1])
    jac = np.empty(field.shape[:2] + (2, 2))
    jac[..., 0, 0] = 1 + dudx
    jac[..., 0, 1] = dudy
    jac[..., 1, 0] = dvdx
    jac[..., 1, 1] = 1 + dvdy
    sv = np.linalg.svd(jac, compute_uv=False)  # (H, W, 2), descending
    squeeze = np.clip((SQUEEZE_ZERO - sv[..., 0])
                      / (SQUEEZE_ZERO - SQUEEZE_FULL), 0, 1)
    stretch = np.clip((sv[..., 1] - STRETCH_ZERO)
                      / (STRETCH_FULL - STRETCH_ZERO), 0, 1)
    return (squeeze * stretch)[..., None]


def scaled_field(field, h, w):
    """F up-sampled to (h, w), displacements scaled from the field's grid."""
    fu = up(field, h, w)
    fu[..., 0] *= w / field.shape[1]
    fu[..., 1] *= h / field.shape[0]
    return fu


def level_sizes(h, w, low_h, low_w):
    """Pyramid sizes (h, w) from full to low, as documented in ARCHITECTURE.md:
    halve (rounding up, not below the low size) while a side is at least twice
    the low size, then one step to the low size."""
    sizes = [(h, w)]
    while h >= 2 * low_h or w >= 2 * low_w:
        h = max(low_h, (h + 1) // 2)
        w = max(low_w, (w + 1) // 2)
        sizes.append((h, w))
    if (h, w) != (low_h, low_w):
        sizes.append((low_h, low_w))
    return sizes


def gain_at(field, h, w, fade):
    """G up-sampled to (h, w), or 1 without the fade."""
    return up(gain(field), h, w) if fade else 1.0


def warped_residual(residual, field, h, w, fade, cubic=False, carry=False):
    """The residual term of one level: warp(R, F_k) as the paper, or with
    the fade G·warp(R, F_k) + up(S)·T, S the transport's share; cubic
    (MIEN_RESWARP_CUBIC=1) samples with warp_cubic instead of warp; carry
    (MIEN_RESWARP_TRANSPORT=1) adds the transport."""
    if not fade:
        return warp(residual, scaled_field(field, h, w))
    warp_fn = warp_cubic if cubic else warp
    g = gain_at(field, h, w, True)
    out = g * warp_fn(residual, scaled_field(field, h, w))
    if carry and (g < 1).any():
        out = out + transport(residual, field, h, w, warp_fn)
    return out


def vanilla(hd, refined, field, fade=False, cubic=False, carry=False):
    """O^h = up(O^r) + G·warp(R, up(F)·s), R = I^h − up(down(I^h))."""
    h, w = hd.shape[:2]
    lh, lw = field.shape[:2]
    residual = hd - up(down(hd, lh, lw), h, w)
    return up(refined, h, w) + warped_residual(residual, field, h, w, fade,
                                               cubic, carry)


def multiscale(hd, refined, field, fade=False, cubic=False, carry=False):
    """Laplacian pyramid R_k = L_k − up(L_{k+1}); O = up(O) + warp(R_k, F_k)."""
    lh, lw = field.shape[:2]
    sizes = level_sizes(hd.shape[0], hd.shape[1], lh, lw)
    levels = [hd]
    for (sh, sw) in sizes[1:-1]:
        levels.append(down(levels[-1], sh, sw))
    # The top level is I = down(I^h) itself, the same in both modes.
    if len(sizes) > 1:
        levels.append(down(hd, lh, lw))
    residuals = [levels[k] - up(levels[k + 1], *sizes[k])
                 for k in range(len(sizes) - 1)]
    out = refined
    for k in range(len(residuals) - 1, -1, -1):
        sh, sw = sizes[k]
        out = up(out, sh, sw) + warped_residual(residuals[k], field, sh, sw,
                                                fade, cubic, carry)
    return out


def pinch_field(h, w, strength):
    """A blink-like field: rows near the middle pull towards it (backward
    map squeezes a band into a line, so the gain reaches 0 there) and a
    stretch below it (the gain fades from the other side). Fold-free for
    strength < 1."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    cy, cx = h / 2, w / 2
    bump = np.exp(-((xs - cx) / (w / 6)) ** 2)
    t = (ys - cy) / (h / 12)
    # v = strength·σ·(t·e^(−t²)·√(2e)) has slope up to ~strength·2.3/σ.
    v = strength * (h / 12) * t * np.exp(-t * t) * np.sqrt(2 * np.e) * bump
    return np.stack([np.zeros_like(v), v], axis=-1)


def low_of(hd, lh=128, lw=128):
    return down(hd, lh, lw)


def smooth_random_field(rng, h, w, amplitude):
    """A smooth field: random values on a coarse 5×5 grid, bilinearly
    up-sampled, so displacements vary gently like a real motion field."""
    coarse = rng.uniform(-1, 1, size=(5, 5, 2))
    return up(coarse, h, w) * amplitude
