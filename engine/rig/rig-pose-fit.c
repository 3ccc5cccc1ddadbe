/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Head pose's geometry (issue #24; rig-pose.c owns the head): the rotation
 * the pose channels ask for, and the weak-perspective fit of the generic
 * 3-D face (rig_face_shape) to the 68 landmarks, x = s·(R X)_xy + t, by
 * Levenberg–Marquardt on the rotation vector (Rodrigues), s and t: a
 * POSIT-style PnP under scaled orthographic projection. scripts/
 * pose-accuracy.py runs the same fit in numpy to measure the turn. */
#include "rig-private.h"

#include "mien-rig.h"

#include <string.h>

/* Rodrigues: the rotation of angle |r| about r. */
static void
rotation_from_vector (const double *r, float *m)
{
  double th = sqrt (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
  double k[3] = { 0, 0, 1 };
  if (th > 1e-12)
    k[0] = r[0] / th, k[1] = r[1] / th, k[2] = r[2] / th;
  double c = cos (th), s = sin (th), v = 1 - c;
  m[0] = (float)(c + k[0] * k[0] * v);
  m[1] = (float)(k[0] * k[1] * v - k[2] * s);
  m[2] = (float)(k[0] * k[2] * v + k[1] * s);
  m[3] = (float)(k[1] * k[0] * v + k[2] * s);
  m[4] = (float)(c + k[1] * k[1] * v);
  m[5] = (float)(k[1] * k[2] * v - k[0] * s);
  m[6] = (float)(k[2] * k[0] * v - k[1] * s);
  m[7] = (float)(k[2] * k[1] * v + k[0] * s);
  m[8] = (float)(c + k[2] * k[2] * v);
}

int
mien_rig_fit_head (const mien_point *landmarks, float R[9])
{
  float s, t[2];
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    if (!isfinite (landmarks[i].x) || !isfinite (landmarks[i].y))
      return 0;
  return rig_pose_fit (landmarks, R, &s, t);
}

void
mien_rig_pose_between (const float from[9], const float to[9], float *yaw,
                       float *pitch, float *roll)
{
  float ft[9], m[9];
  mat_transpose (from, ft);
  mat_mul (ft, to, m);
  /* m = Rz(g) Rx(b) Ry(a): row 2 is (−cos b sin a, sin b, cos b cos a),
   * column 1 is (−sin g cos b, cos g cos b, sin b). */
  float sb = m[7] < -1.0f ? -1.0f : m[7] > 1.0f ? 1.0f : m[7];
  const float deg = (float)(180.0 / M_PI);
  *pitch = asinf (sb) * deg;
  *yaw = atan2f (-m[6], m[8]) * deg;
  *roll = atan2f (-m[1], m[4]) * deg;
}

/* R_req = Rz(roll) Rx(pitch) Ry(yaw) in image axes (y down, z towards the
 * camera), degrees. yaw +: the nose goes to +x; pitch +: the nose goes up
 * (−y); roll +: the top of the head goes to +x. */
void
rig_pose_rotation (float yaw_deg, float pitch_deg, float roll_deg, float *m)
{
  float a = yaw_deg * (float)(M_PI / 180.0), b = pitch_deg * (float)(M_PI / 180.0),
        g = roll_deg * (float)(M_PI / 180.0);
  const float ry[9] = { cosf (a), 0, sinf (a), 0, 1, 0, -sinf (a), 0, cosf (a) };
  const float rx[9] = { 1, 0, 0, 0, cosf (b), -sinf (b), 0, sinf (b), cosf (b) };
  const float rz[9] = { cosf (g), -sinf (g), 0, sinf (g), cosf (g), 0, 0, 0, 1 };
  float t[9];
  mat_mul (rx, ry, t);
  mat_mul (rz, t, m);
}

static void
fit_residuals (const double *p, const mien_point *lm, double *res)
{
  float R[9];
  rotation_from_vector (p, R);
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    {
      float x[3];
      mat_apply (R, rig_face_shape[i], x);
      res[2 * i] = p[3] * x[0] + p[4] - lm[i].x;
      res[2 * i + 1] = p[3] * x[1] + p[5] - lm[i].y;
    }
}

/* Solves the n×n system a·x = b in place (Gaussian elimination with
 * partial pivoting); 0 if singular. */
static int
solve_small (double *a, double *b, int n)
{
  for (int c = 0; c < n; c++)
    {
      int piv = c;
      for (int r = c + 1; r < n; r++)
        if (fabs (a[r * n + c]) > fabs (a[piv * n + c]))
          piv = r;
      if (fabs (a[piv * n + c]) < 1e-12)
        return 0;
      for (int k = 0; k < n; k++)
        {
          double t = a[c * n + k];
          a[c * n + k] = a[piv * n + k], a[piv * n + k] = t;
        }
      double t = b[c];
      b[c] = b[piv], b[piv] = t;
      for (int r = c + 1; r < n; r++)
        {
          double f = a[r * n + c] / a[c * n + c];
          for (int k = c; k < n; k++)
            a[r * n + k] -= f * a[c * n + k];
          b[r] -= f * b[c];
        }
    }
  for (int c = n - 1; c >= 0; c--)
    {
      for (int k = c + 1; k < n; k++)
        b[c] -= a[c * n + k] * b[k];
      b[c] /= a[c * n + c];
    }
  return 1;
}

/* Weak-perspective pose of the generic shape on the landmarks:
 * Levenberg–Marquardt on (rotation vector, s, t), from the eye line's roll. */
int
rig_pose_fit (const mien_point *lm, float *R, float *s, float *t)
{
  enum { NP = 6, NR = 2 * MIEN_N_LANDMARKS };
  vec2 er = v_pt (mien_landmarks_eye_centre (lm, 0));
  vec2 el = v_pt (mien_landmarks_eye_centre (lm, 1));
  vec2 d = v_sub (el, er);
  double iod = v_len (d);
  if (!(iod > 1e-3) || !isfinite (iod))
    return 0;
  double p[NP] = { 0, 0, atan2 (d.y, d.x), iod, 0.5 * (er.x + el.x),
                   0.5 * (er.y + el.y) };
  double res[NR], res2[NR], J[NR][NP];
  double lambda = 1e-3;
  fit_residuals (p, lm, res);
  double cost = 0;
  for (int i = 0; i < NR; i++)
    cost += res[i] * res[i];
  for (int it = 0; it < 30; it++)
    {
      for (int k = 0; k < NP; k++)
        {
          double q[NP];
          memcpy (q, p, sizeof q);
          double h = k < 3 ? 1e-4 : k == 3 ? 1e-4 * iod : 1e-3;
          q[k] += h;
          fit_residuals (q, lm, res2);
          for (int i = 0; i < NR; i++)
            J[i][k] = (res2[i] - res[i]) / h;
        }
      double A[NP * NP] = { 0 }, b[NP] = { 0 };
      for (int i = 0; i < NR; i++)
        for (int k = 0; k < NP; k++)
          {
            b[k] -= J[i][k] * res[i];
            for (int l = 0; l < NP; l++)
              A[k * NP + l] += J[i][k] * J[i][l];
          }
      for (int k = 0; k < NP; k++)
        A[k * NP + k] *= 1.0 + lambda;
      if (!solve_small (A, b, NP))
        break;
      double q[NP];
      for (int k = 0; k < NP; k++)
        q[k] = p[k] + b[k];
      fit_residuals (q, lm, res2);
      double c2 = 0;
      for (int i = 0; i < NR; i++)
        c2 += res2[i] * res2[i];
      if (c2 < cost)
        {
          double gain = cost - c2;
          memcpy (p, q, sizeof p);
          memcpy (res, res2, sizeof res);
          cost = c2, lambda *= 0.3;
          if (gain < 1e-10 * cost)
            break;
        }
      else
        lambda *= 10.0;
    }
  rotation_from_vector (p, R);
  *s = (float)p[3];
  t[0] = (float)p[4], t[1] = (float)p[5];
  return *s > 0.0f && isfinite (*s);
}

