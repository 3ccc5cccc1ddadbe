#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Builds the generic 3-D face shape of engine/rig/rig-tables.c
(rig_face_shape) from measurements: face-api's 68 landmarks (mien-faces
--json) on every face of the sample photos, each face also mirrored, are
factorized as structure from motion under weak perspective (alternating
least squares: each view's scaled rotation, then each point's 3-D position),
starting from a rough anthropometric depth guess that only seeds the
iteration. The result is rotated so the views' mean viewing direction is
frontal, scaled to iod 1 with the origin between the eye centres, and
mirrored-averaged to be symmetric; printed as the C table.

usage: face-shape-sfm.py MIEN_FACES PHOTO... (e.g. build/app/mien-faces
data/samples/*.jpg data/samples/astronaut.png)"""
import glob, json, subprocess, sys
import numpy as np
M = list(range(16, -1, -1)) + [26,25,24,23,22,21,20,19,18,17] + [27,28,29,30] + [35,34,33,32,31] \
    + [45,44,43,42,47,46, 39,38,37,36,41,40] + [54,53,52,51,50,49,48,59,58,57,56,55] + [64,63,62,61,60,67,66,65]
faces = []
for photo in sys.argv[2:]:
    out = subprocess.run([sys.argv[1], photo, "--json"], capture_output=True,
                         text=True, check=True).stdout
    for fc in json.loads(out)['faces']:
        L = np.array(fc['landmarks'], float)
        er, el = L[36:42].mean(0), L[42:48].mean(0); iod = np.linalg.norm(el - er)
        L = (L - L.mean(0)) / iod
        faces.append(L)
        Lm = L[M].copy(); Lm[:, 0] *= -1; faces.append(Lm)
# initial shape: 2-D mean after similarity alignment + anthropometric depth guess
ref = faces[0]
z0 = np.zeros(68)
jawz = [-1.05, -1.0, -0.92, -0.8, -0.62, -0.4, -0.18, -0.02, 0.05]
for k in range(9): z0[k] = jawz[k]; z0[16-k] = jawz[k]
for i, z in zip(range(17, 22), [-0.3, -0.12, 0.0, 0.08, 0.12]): z0[i] = z; z0[M[i]] = z
for i, z in zip(range(27, 31), [0.18, 0.28, 0.4, 0.55]): z0[i] = z
for i, z in zip(range(31, 36), [0.22, 0.3, 0.33, 0.3, 0.22]): z0[i] = z
for i, z in zip(range(36, 42), [-0.22, 0.03, 0.03, -0.08, -0.02, -0.02]): z0[i] = z; z0[M[i]] = z
for i, z in zip(range(48, 60), [0.05, 0.18, 0.28, 0.32, 0.28, 0.18, 0.05, 0.18, 0.25, 0.27, 0.25, 0.18]): z0[i] = z
for i, z in zip(range(60, 68), [0.07, 0.22, 0.26, 0.22, 0.07, 0.2, 0.24, 0.2]): z0[i] = z
def align2(A, B):  # similarity align A to B (2-D)
    a = A - A.mean(0); b = B - B.mean(0)
    U, S, Vt = np.linalg.svd(a.T @ b); R = U @ Vt; s = S.sum() / (a ** 2).sum()
    return s * a @ R + B.mean(0)
# frontal-ish faces for the 2-D init: |asym| small
mean2 = np.mean([align2(L, faces[0]) for L in faces], 0)
X = np.c_[mean2, z0 * 1.0]
X0 = X.copy()
def pose(L, X):
    Xc = X - X.mean(0); Lc = L - L.mean(0)
    A = np.linalg.lstsq(Xc, Lc, rcond=None)[0].T  # 2x3
    U, S, Vt = np.linalg.svd(A, full_matrices=False)
    R = U @ Vt; s = S.mean()
    for _ in range(20):   # refine: s R with R orthonormal rows, by alternating Procrustes on 3x3
        pass
    return s, R
for it in range(100):
    P = [pose(L, X) for L in faces]
    # shape: each point j, min sum_f |L_fj - mean_f - s_f R_f (X_j - Xmean)|
    Xc_rows = []
    A = np.vstack([s * R for s, R in P])            # (2F x 3)
    B = np.vstack([(L - L.mean(0)).T for L in faces])  # hmm build per point
    newX = np.zeros_like(X)
    Bp = np.array([[ (L[j] - L.mean(0)) for L in faces] for j in range(68)])  # 68 x F x 2
    for j in range(68):
        newX[j] = np.linalg.lstsq(A, Bp[j].reshape(-1), rcond=None)[0]
    X = newX - newX.mean(0)
    err = np.sqrt(np.mean([np.sum((L - L.mean(0) - s * (X @ R.T)) ** 2, 1).mean() for (s, R), L in zip(P, faces)]))
# normalise frame
er, el = X[36:42].mean(0), X[42:48].mean(0)
ex = el - er; ex /= np.linalg.norm(ex)
mid = (er + el) / 2
dn = X[[8, 51, 57, 33]].mean(0) - mid; ey = dn - ex * (dn @ ex); ey /= np.linalg.norm(ey)
ez = np.cross(ex, ey)
Y = (X - mid) @ np.array([ex, ey, ez]).T
Rf = np.array([ex, ey, ez])
flip = 1.0
views = []
for s_, R in P:
    r3 = np.cross(R[0], R[1]); views.append(Rf @ r3)
views = np.array(views)
if np.mean(views[:, 2]) < 0: views = -views
if Y[30, 2] < Y[27, 2]: Y[:, 2] *= -1; views[:, 2] *= -1
v = views.mean(0)
ph = np.arctan2(v[1], v[2])
c, sn = np.cos(ph), np.sin(ph)
Rx = np.array([[1, 0, 0], [0, c, -sn], [0, sn, c]])
Y = Y @ Rx   # rows: y' = c*y + sn*z ; z' = -sn*y + c*z

Y /= np.linalg.norm(Y[42:48].mean(0) - Y[36:42].mean(0))
Ym = Y[M].copy(); Ym[:, 0] *= -1; Y = (Y + Ym) / 2
Y[:, 2] -= (Y[36:42, 2].mean() + Y[42:48, 2].mean()) / 2
print('/* %d views, RMS reprojection %.3f iod */' % (len(faces), err))
yaws = [np.degrees(np.arcsin(np.clip(R[0, 2], -1, 1))) for s, R in P]
print('/* view yaw %.0f to %.0f degrees */' % (min(yaws), max(yaws)))
for i in range(68):
    print("  { %6.3ff, %6.3ff, %6.3ff }, /* %2d */" % (Y[i, 0], Y[i, 1], Y[i, 2], i))
