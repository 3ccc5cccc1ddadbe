/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rest and the inverse rig (mien-drive.c, "The rest", "The inverse
 * rig", "Adding the photo's own expression"): each tracked frame solved
 * for the AU intensities whose rig moves best explain its landmarks. */
#include "mien-drive-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../face/mien-iris.h"
#include "../mien-landmarks.h"
#include "../mien-rig.h"
#include "../rig/rig-private.h" /* rig_face_shape, rig_seal_open */

#define MISSING_HOLD 0.25
#define MISSING_EASE 0.5
#define GRID 128
/* The headshot crop is 5 iod wide, centred 0.1 iod below the eyes
 * (mien-headshot.c): the rest is placed so in the grid. */
#define SIDE_PER_SCALE 5.0f
#define CENTRE_BELOW_EYES 0.1f
#define MAX_REST 16
/* A one-sided channel costs this many times a bilateral one: a symmetric
 * expression is solved as bilateral AUs, and only a clear asymmetry (a
 * wink, a half smile) as one-sided excess. */
#define ONE_SIDED_RIDGE 10.0
/* The turn's ridge, relative to its normal matrix's trace. */
#define TURN_RIDGE 0.01
/* The cost of two opposing channels acting together, relative to their
 * columns' size (add_pair_costs). */
#define PAIR_COST 1.0

void
mien_drive_result_clear (mien_drive_result *r)
{
  free (r->values);
  memset (r, 0, sizeof *r);
}

/* ---- the rest ----------------------------------------------------------- */

static int
cmp_float (const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

typedef struct scored {
  float score;
  int frame;
} scored;

static int
cmp_scored (const void *a, const void *b)
{
  const scored *x = a, *y = b;
  return (x->score < y->score) - (x->score > y->score); /* descending */
}

/* The mean of the most neutral frames' shapes, in the first found frame's
 * position. */
static mien_status
choose_rest (const mien_drive_track *t, mien_point *rest,
             mien_drive_result *res, mien_error *err)
{
  int first = -1, n_found = 0;
  for (int i = 0; i < t->n_frames; i++)
    if (t->frames[i].found)
      {
        if (first < 0)
          first = i;
        n_found++;
      }
  if (first < 0)
    return mien_error_set (err, MIEN_ERR_INVALID, "no face in the track");
  const mien_point *ref = t->frames[first].lm;
  frame2 rf = drive_frame_of (ref);
  size_t nc = 2 * MIEN_N_LANDMARKS;
  float *shapes = malloc ((size_t)n_found * nc * sizeof *shapes);
  float *col = malloc ((size_t)n_found * sizeof *col);
  scored *sc = malloc ((size_t)n_found * sizeof *sc);
  if (!shapes || !col || !sc)
    {
      free (shapes), free (col), free (sc);
      return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
    }
  int k = 0;
  for (int i = 0; i < t->n_frames; i++)
    if (t->frames[i].found)
      {
        drive_normalise (t->frames[i].lm, ref, &rf,
                         (mien_point *)(shapes + (size_t)k * nc));
        sc[k].frame = i;
        k++;
      }
  float median[2 * MIEN_N_LANDMARKS];
  for (size_t c = 0; c < nc; c++)
    {
      for (int j = 0; j < n_found; j++)
        col[j] = shapes[(size_t)j * nc + c];
      qsort (col, (size_t)n_found, sizeof *col, cmp_float);
      median[c] = col[n_found / 2];
    }
  for (int j = 0; j < n_found; j++)
    {
      const float *s = shapes + (size_t)j * nc;
      double dev = 0.0;
      int m = 0;
      for (int p = 17; p < MIEN_N_LANDMARKS; p++) /* not the jaw line */
        {
          double dx = s[2 * p] - median[2 * p], dy = s[2 * p + 1] - median[2 * p + 1];
          dev += dx * dx + dy * dy;
          m++;
        }
      dev = sqrt (dev / m);
      float mouth, eyes, brows;
      mien_drive_measure ((const mien_point *)s, &mouth, &eyes, &brows);
      const mien_drive_frame *f = &t->frames[sc[j].frame];
      sc[j].score = f->expressions[MIEN_EXPRESSION_NEUTRAL]
                    - 5.0f * (float)dev - 3.0f * mouth;
    }
  qsort (sc, (size_t)n_found, sizeof *sc, cmp_scored);
  int n_rest = n_found / 20;
  n_rest = n_rest < 1 ? 1 : n_rest > MAX_REST ? MAX_REST : n_rest;
  /* The mean of the chosen shapes, back in the reference frame's pixels. */
  memset (rest, 0, MIEN_N_LANDMARKS * sizeof *rest);
  float neutral = 0.0f;
  for (int j = 0; j < n_rest; j++)
    {
      const mien_drive_frame *f = &t->frames[sc[j].frame];
      sim2 s = drive_fit_similarity (f->lm, ref);
      for (int p = 0; p < MIEN_N_LANDMARKS; p++)
        {
          mien_point q = drive_sim_apply (s, f->lm[p]);
          rest[p].x += q.x / n_rest, rest[p].y += q.y / n_rest;
        }
      neutral += f->expressions[MIEN_EXPRESSION_NEUTRAL] / n_rest;
      res->rest_frames[j] = sc[j].frame;
    }
  /* The eyes at least as open as usual (mien-drive-lids.c says why). */
  drive_lids_open_rest (t, ref, rest);
  res->n_rest = n_rest;
  res->rest_neutral = neutral;
  free (shapes), free (col), free (sc);
  return MIEN_OK;
}

/* ---- the inverse rig ---------------------------------------------------- */

static int
solve_channels (solve_channel *out)
{
  int n = 0;
  for (int c = 0; c < MIEN_AU_N_CHANNELS; c++)
    {
      const mien_au_info *in = &mien_au_channels[c];
      /* Gaze (issue #25) and head pose (the video's pose, issue #23) are
       * not solved from the expression's landmarks: as unknowns boxed to
       * 0–5 they would only soak up residual. */
      if (in->region == MIEN_AU_REGION_GAZE
          || in->region == MIEN_AU_REGION_HEAD)
        continue;
      out[n++] = (solve_channel){ (mien_au_channel)c, in->bilateral,
                                  in->side == MIEN_AU_SIDE_BOTH   ? 0
                                  : in->side == MIEN_AU_SIDE_LEFT ? 1
                                                                  : 2 };
    }
  return n;
}

static void
sample_field (const mien_image *F, float x, float y, float *fx, float *fy)
{
  x = fminf (fmaxf (x, 0.0f), (float)F->width - 1.001f);
  y = fminf (fmaxf (y, 0.0f), (float)F->height - 1.001f);
  int x0 = (int)x, y0 = (int)y;
  float u = x - x0, v = y - y0;
  const float *a = F->data + ((size_t)y0 * F->width + x0) * 2;
  const float *b = a + (size_t)F->width * 2;
  *fx = (1 - v) * ((1 - u) * a[0] + u * a[2]) + v * ((1 - u) * b[0] + u * b[2]);
  *fy = (1 - v) * ((1 - u) * a[1] + u * a[3]) + v * ((1 - u) * b[1] + u * b[3]);
}

/* Landmark weights in the fit: the jaw line moves with yaw and is the net's
 * least certain part, the lids' moves are small but matter. */
float
drive_landmark_weight (int p)
{
  if (p <= 16)
    return (p >= 6 && p <= 10) ? 0.7f : 0.25f;
  if (p >= 36 && p <= 47)
    return 2.0f;
  if (p >= 27 && p <= 35)
    return 0.5f;
  return 1.0f;
}

/* ---- the head's turn and the opposing pairs ---------------------------- */

/* The skull's points, which no AU of the rig moves (their columns are
 * under 0.002 iod per unit): the jaw line by the ears, the nose bridge,
 * the eyes' corners. The turn is measured on these alone. */
static int
turn_point (int p)
{
  return p <= 2 || (p >= 14 && p <= 16) || (p >= 27 && p <= 30) || p == 36
         || p == 39 || p == 42 || p == 45;
}

/* A nod and a turn of the rest's head by one degree: each landmark of
 * the rest moved by its depth (the rig's generic 3-D face turned as the
 * rest's head, in iod: a small pitch moves a point up or down by depth ×
 * angle, a small yaw sideways), then aligned back onto the rest as every
 * frame is (drive_normalise's similarity on the eyes' corners and the
 * nose), so T holds what is left of a turn after that alignment. */
static void
add_turn_columns (inverse_rig *ir, const float R[9])
{
  const mien_point *fr = ir->rest_frame;
  float *z = ir->z;
  for (int p = 0; p < MIEN_N_LANDMARKS; p++)
    {
      const float *X = rig_face_shape[p];
      z[p] = R[6] * X[0] + R[7] * X[1] + R[8] * X[2];
    }
  const float d = (float)(M_PI / 180.0);
  for (int turn = 0; turn < 2; turn++)
    {
      mien_point moved[MIEN_N_LANDMARKS];
      for (int p = 0; p < MIEN_N_LANDMARKS; p++)
        moved[p] = turn == 0 ? (mien_point){ fr[p].x, fr[p].y - d * z[p] }
                             : (mien_point){ fr[p].x + d * z[p], fr[p].y };
      sim2 s = drive_fit_similarity (moved, fr);
      for (int p = 0; p < MIEN_N_LANDMARKS; p++)
        {
          mien_point back = drive_sim_apply (s, moved[p]);
          ir->T[2 * p][turn] = back.x - fr[p].x;
          ir->T[2 * p + 1][turn] = back.y - fr[p].y;
        }
    }
  double M[2][2] = { { 0, 0 }, { 0, 0 } };
  for (int r = 0; r < 2 * MIEN_N_LANDMARKS; r++)
    if (turn_point (r / 2))
      for (int u = 0; u < 2; u++)
        for (int v = 0; v < 2; v++)
          M[u][v] += (double)ir->T[r][u] * ir->T[r][v];
  double rdg = TURN_RIDGE * (M[0][0] + M[1][1]);
  M[0][0] += rdg, M[1][1] += rdg;
  double det = M[0][0] * M[1][1] - M[0][1] * M[1][0];
  if (!(det > 1e-18))
    return;
  ir->Tinv[0][0] = M[1][1] / det, ir->Tinv[1][1] = M[0][0] / det;
  ir->Tinv[0][1] = -M[0][1] / det, ir->Tinv[1][0] = -M[1][0] / det;
  ir->n_turn = 2;
}

/* The rest's points turned by pitch and yaw (degrees) about the face
 * frame's axes, each by its depth, and aligned back onto the rest as
 * every frame is: the displacement such a turn leaves, exactly (the cosine
 * terms included: a nod also shortens the face below the eyes). */
static void
turn_displacement (const inverse_rig *ir, double pitch, double yaw, float *d)
{
  const mien_point *fr = ir->rest_frame;
  double b = pitch * M_PI / 180.0, a = yaw * M_PI / 180.0;
  mien_point moved[MIEN_N_LANDMARKS];
  for (int p = 0; p < MIEN_N_LANDMARKS; p++)
    {
      /* Pitch about x (y' = y cos b − z sin b), then yaw about y. */
      double y = fr[p].y * cos (b) - ir->z[p] * sin (b);
      double z = fr[p].y * sin (b) + ir->z[p] * cos (b);
      double x = fr[p].x * cos (a) + z * sin (a);
      moved[p] = (mien_point){ (float)x, (float)y };
    }
  sim2 s = drive_fit_similarity (moved, fr);
  for (int p = 0; p < MIEN_N_LANDMARKS; p++)
    {
      mien_point q = drive_sim_apply (s, moved[p]);
      d[2 * p] = q.x - fr[p].x, d[2 * p + 1] = q.y - fr[p].y;
    }
}

/* Takes the head's turn against the rest off d (a frame's displacement
 * from the rest, 2 × 68, in the rest's face frame): the nod and turn
 * whose displacement best explains the skull points' (least squares on
 * T, twice, the second time on what the exact turn leaves), subtracted
 * from every point. Returns them in degrees. */
void
drive_remove_turn (const inverse_rig *ir, float *d, float *pitch, float *yaw)
{
  *pitch = *yaw = 0.0f;
  if (!ir->n_turn)
    return;
  double th[2] = { 0.0, 0.0 };
  float e[2 * MIEN_N_LANDMARKS];
  for (int it = 0; it < 2; it++)
    {
      turn_displacement (ir, th[0], th[1], e);
      double b[2] = { 0, 0 };
      for (int r = 0; r < 2 * MIEN_N_LANDMARKS; r++)
        if (turn_point (r / 2))
          b[0] += ir->T[r][0] * (d[r] - e[r]),
              b[1] += ir->T[r][1] * (d[r] - e[r]);
      th[0] += ir->Tinv[0][0] * b[0] + ir->Tinv[0][1] * b[1];
      th[1] += ir->Tinv[1][0] * b[0] + ir->Tinv[1][1] * b[1];
    }
  turn_displacement (ir, th[0], th[1], e);
  for (int r = 0; r < 2 * MIEN_N_LANDMARKS; r++)
    d[r] -= e[r];
  *pitch = (float)th[0], *yaw = (float)th[1];
}

/* Mouth channels that pull against each other in FACS terms: the corners
 * up against down, wide against narrow (pucker, funnel), lips apart or the
 * jaw open against pressed or funnelled lips. Their rig moves do not all
 * point against each other over the whole face (AU12 lifts the cheeks,
 * AU22 pushes the lips out), so the cosine alone misses them.
 * AU12 and AU20 are not a pair: both widen the mouth, and a broad grin or
 * laugh moves the corners out more than up. Paired (until session 27),
 * the fit had to choose one and explained MEAD's laugh as AU20 4.5 with
 * AU10 2.8 and AU12 0, which renders as fear; together the same frames
 * solve as AU12 3.6 with AU20 2.1. */
static int
opposing (int a, int b)
{
  static const int pairs[][2] = {
    { MIEN_AU12, MIEN_AU15 }, { MIEN_AU12, MIEN_AU22 },
    { MIEN_AU12, MIEN_AU18 },
    { MIEN_AU20, MIEN_AU18 }, { MIEN_AU20, MIEN_AU22 },
    { MIEN_AU14, MIEN_AU22 }, { MIEN_AU14, MIEN_AU18 },
    { MIEN_AU25, MIEN_AU24 }, { MIEN_AU26, MIEN_AU24 },
    { MIEN_AU27, MIEN_AU24 }, { MIEN_AU26, MIEN_AU22 },
    { MIEN_AU27, MIEN_AU22 }, { MIEN_AU27, MIEN_AU15 },
  };
  for (size_t k = 0; k < sizeof pairs / sizeof *pairs; k++)
    if ((pairs[k][0] == a && pairs[k][1] == b)
        || (pairs[k][0] == b && pairs[k][1] == a))
      return 1;
  return 0;
}

/* Lips apart or the jaw open together with the corners pulled up or out
 * or the upper lip raised: an open smile, a laugh, fear's stretched mouth,
 * disgust's bared teeth. Their landmark moves point partly against each
 * other (the smile lifts the lower lip's corners, the jaw lowers them), so
 * the cosine cost below charged every open smile: on liveportrait-d0's
 * grin (the inner lips 0.2 iod apart) the fit chose AU12 5 with the jaw
 * shut, and the result smiled with its lips together. FACS scores these
 * together all the time, so they are exempt from that cost. */
static int
compatible (int a, int b)
{
  int open_a = a == MIEN_AU25 || a == MIEN_AU26 || a == MIEN_AU27;
  int open_b = b == MIEN_AU25 || b == MIEN_AU26 || b == MIEN_AU27;
  if (open_a == open_b)
    return 0;
  int other = open_a ? b : a;
  return other == MIEN_AU6 || other == MIEN_AU9 || other == MIEN_AU10
         || other == MIEN_AU12 || other == MIEN_AU14 || other == MIEN_AU20;
}

/* Opposing channels acting together cost extra: for columns a and b the
 * objective gains PAIR_COST · w · √(A_aa A_bb) · a_a a_b, where w is 1 for
 * a pair of opposing(), else the negative part of their landmark moves'
 * cosine (0 for moves that do not point against each other). Without it
 * the least-squares fit explains a lip move outside the rig's span by
 * sums that nearly cancel on the landmarks (AU12 5 with AU22 5 and AU15
 * on MEAD's happy clip) and render as a pout. The diagonal is kept, so
 * each coordinate step of solve_box_qp stays a convex 1-D problem (the
 * whole may not be: the sweeps find a local minimum, started from the
 * previous frame's). */
static void
add_pair_costs (inverse_rig *ir)
{
  double norm[MAX_SOLVE];
  for (int a = 0; a < ir->n; a++)
    {
      double s = 0.0;
      for (int r = 0; r < 2 * MIEN_N_LANDMARKS; r++)
        s += (double)ir->J[r][a] * ir->J[r][a];
      norm[a] = sqrt (s);
    }
  double diag[MAX_SOLVE];
  for (int a = 0; a < ir->n; a++)
    diag[a] = ir->A[a][a];
  for (int a = 0; a < ir->n; a++)
    for (int b = 0; b < ir->n; b++)
      {
        if (a == b || norm[a] <= 0.0 || norm[b] <= 0.0)
          continue;
        double s = 0.0;
        for (int r = 0; r < 2 * MIEN_N_LANDMARKS; r++)
          s += (double)ir->J[r][a] * ir->J[r][b];
        double c = s / (norm[a] * norm[b]);
        double w = c < 0.0 && !compatible (ir->ch[a].bilateral,
                                          ir->ch[b].bilateral)
                       ? -c
                       : 0.0;
        if (opposing (ir->ch[a].bilateral, ir->ch[b].bilateral))
          w = 1.0;
        ir->A[a][b] += PAIR_COST * w * sqrt (diag[a] * diag[b]);
      }
}

mien_status
drive_build_inverse_rig (inverse_rig *ir, mien_generator *gen,
                         const mien_point *rest, const float *gains,
                         float ridge, mien_error *err)
{
  memset (ir, 0, sizeof *ir);
  ir->n = solve_channels (ir->ch);
  frame2 rf = drive_frame_of (rest);
  for (int p = 0; p < MIEN_N_LANDMARKS; p++)
    ir->rest_frame[p] = drive_to_frame (&rf, rest[p]);
  /* The face's size in the grid as the headshot crop makes it: the crop is
   * SIDE_PER_SCALE times the largest of the iod, 0.45 jaw widths and 0.55
   * eyes-to-chin. */
  const mien_point *fr = ir->rest_frame;
  float scale = fmaxf (1.0f, fmaxf (0.45f * drive_dist (fr[0], fr[16]),
                                    0.55f * hypotf (fr[8].x, fr[8].y)));
  const float grid_iod = GRID / (SIDE_PER_SCALE * scale);
  const float eye_y = GRID / 2.0f - CENTRE_BELOW_EYES * grid_iod;
  mien_point grid_lm[MIEN_N_LANDMARKS];
  for (int p = 0; p < MIEN_N_LANDMARKS; p++)
    grid_lm[p] = (mien_point){ GRID / 2.0f + grid_iod * fr[p].x,
                               eye_y + grid_iod * fr[p].y };
  mien_image *input = mien_image_new (GRID, GRID, 3, err);
  if (input == NULL)
    return err ? err->status : MIEN_ERR_NOMEM;
  /* A skin-like flat grey: the rig reads the photo only for the teeth. */
  for (size_t i = 0; i < mien_image_n_floats (input); i += 3)
    input->data[i] = 0.62f, input->data[i + 1] = 0.48f,
    input->data[i + 2] = 0.42f;
  mien_generator_output out = { 0 };
  mien_status st = mien_generator_output_init (&out, GRID, GRID, 3, err);
  for (int j = 0; st == MIEN_OK && j < ir->n; j++)
    {
      mien_driving c;
      mien_driving_init (&c);
      c.values[ir->ch[j].channel] = PROBE_INTENSITY;
      st = mien_generator_generate (gen, input, &c, grid_lm, &out, NULL, err);
      if (st != MIEN_OK)
        break;
      for (int p = 0; p < MIEN_N_LANDMARKS; p++)
        {
          /* Forward motion: where the content at p goes, q + F(q) = p. */
          mien_point g = grid_lm[p];
          float qx = g.x, qy = g.y;
          for (int it = 0; it < 8; it++)
            {
              float fx, fy;
              sample_field (out.field, qx, qy, &fx, &fy);
              qx = g.x - fx, qy = g.y - fy;
            }
          float gain_x = gains ? gains[2 * p] : 1.0f;
          float gain_y = gains ? gains[2 * p + 1] : 1.0f;
          ir->J[2 * p][j] = gain_x * (qx - g.x) / grid_iod / PROBE_INTENSITY;
          ir->J[2 * p + 1][j]
              = gain_y * (qy - g.y) / grid_iod / PROBE_INTENSITY;
        }
    }
  mien_generator_output_clear (&out);
  mien_image_free (input);
  if (st != MIEN_OK)
    return st;
  float R[9];
  if (mien_rig_fit_head (rest, R))
    add_turn_columns (ir, R);
  /* The normal matrix, with the ridge scaled to the columns' size. */
  double trace = 0.0;
  for (int a = 0; a < ir->n; a++)
    for (int b = 0; b < ir->n; b++)
      {
        double s = 0.0;
        for (int r = 0; r < 2 * MIEN_N_LANDMARKS; r++)
          s += drive_landmark_weight (r / 2) * ir->J[r][a] * ir->J[r][b];
        ir->A[a][b] = s;
        if (a == b)
          trace += s;
      }
  for (int a = 0; a < ir->n; a++)
    ir->A[a][a] += (ir->ch[a].side ? ONE_SIDED_RIDGE : 1.0) * ridge * trace
                       / ir->n
                   + 1e-9;
  add_pair_costs (ir);
  return MIEN_OK;
}

/* min ½aᵀAa − bᵀa over 0 ≤ a ≤ 5: projected coordinate descent. */
static void
solve_box_qp (const inverse_rig *ir, const double *b, float *a)
{
  for (int sweep = 0; sweep < 200; sweep++)
    {
      double change = 0.0;
      for (int j = 0; j < ir->n; j++)
        {
          double g = -b[j];
          for (int k = 0; k < ir->n; k++)
            g += ir->A[j][k] * a[k];
          double v = a[j] - g / ir->A[j][j];
          v = v < 0.0 ? 0.0 : v > MIEN_AU_MAX ? MIEN_AU_MAX : v;
          change = fmax (change, fabs (v - a[j]));
          a[j] = (float)v;
        }
      if (change < 1e-4)
        break;
    }
}

/* The frame's displacement from the rest (in the rest's face frame, iod)
 * and the solve; returns the fit's RMS residual. */
static float
solve_frame (const inverse_rig *ir, const mien_point *lm,
             const mien_point *rest, const frame2 *rf, float *a)
{
  mien_point n[MIEN_N_LANDMARKS];
  drive_normalise (lm, rest, rf, n);
  float d[2 * MIEN_N_LANDMARKS];
  for (int p = 0; p < MIEN_N_LANDMARKS; p++)
    {
      d[2 * p] = n[p].x - ir->rest_frame[p].x;
      d[2 * p + 1] = n[p].y - ir->rest_frame[p].y;
    }
  float pitch, yaw;
  drive_remove_turn (ir, d, &pitch, &yaw);
  double b[MAX_SOLVE];
  for (int j = 0; j < ir->n; j++)
    {
      double s = 0.0;
      for (int r = 0; r < 2 * MIEN_N_LANDMARKS; r++)
        s += drive_landmark_weight (r / 2) * ir->J[r][j] * d[r];
      b[j] = s;
    }
  solve_box_qp (ir, b, a);
  double res = 0.0;
  for (int r = 0; r < 2 * MIEN_N_LANDMARKS; r++)
    {
      double m = 0.0;
      for (int j = 0; j < ir->n; j++)
        m += ir->J[r][j] * a[j];
      res += (m - d[r]) * (m - d[r]);
    }
  return (float)sqrt (res / (2 * MIEN_N_LANDMARKS));
}

/* Solved channels into the driving vector (the same channels). */
static void
to_driving (const inverse_rig *ir, const float *a, mien_driving *c)
{
  mien_driving_init (c);
  for (int j = 0; j < ir->n; j++)
    c->values[ir->ch[j].channel] = a[j];
}

static int
part_driven (mien_au_channel ch, unsigned parts)
{
  switch (mien_au_channels[ch].region)
    {
    case MIEN_AU_REGION_BROWS: return (parts & MIEN_DRIVE_BROWS) != 0;
    case MIEN_AU_REGION_EYES: return (parts & MIEN_DRIVE_EYES) != 0;
    case MIEN_AU_REGION_CHEEKS_NOSE:
    case MIEN_AU_REGION_LIPS:
    case MIEN_AU_REGION_JAW: return (parts & MIEN_DRIVE_MOUTH) != 0;
    case MIEN_AU_REGION_HEAD: return (parts & MIEN_DRIVE_POSE) != 0;
    case MIEN_AU_REGION_GAZE: return (parts & MIEN_DRIVE_EYES) != 0;
    default: return 0;
    }
}

static void
finish_driving (mien_driving *c, const mien_drive_options *opt,
                const mien_driving *photo)
{
  for (int k = 0; k < MIEN_AU_N_CHANNELS; k++)
    {
      float v = c->values[k] * opt->strength;
      if (!part_driven ((mien_au_channel)k, opt->parts))
        v = 0.0f;
      if (photo)
        {
          float p = photo->values[mien_au_channels[k].bilateral];
          p = p < 0.0f ? 0.0f : p > MIEN_AU_MAX ? MIEN_AU_MAX : p;
          v *= (MIEN_AU_MAX - p) / MIEN_AU_MAX;
        }
      c->values[k] = v;
    }
  mien_driving_clamp (c);
}

/* ---- the photo's open mouth (mien-drive.c, "The photo's open mouth") --- */

/* How far (iod) the driver's mouth may close short of the photo's before
 * the lips start to press: the two trackers' readings of one opening
 * differ by about this much. */
#define PHOTO_MOUTH_DEAD 0.03f

/* With the photo's opening p (opt->photo_mouth): the mouth is to show
 * p + strength·(open − p), the driver's own opening where strength is 1.
 * Opened wider than p, the solved opening channels (which stand for
 * strength·(open − rest_open), the driver's move from its rest) are
 * scaled to add only strength·(open − p); closed more than
 * PHOTO_MOUTH_DEAD short of p, they are 0 and AU24 presses the lips
 * together by the share that is to close (the rig's lip seal,
 * rig-mouth.c: AU24 at 5 seals them). */
static void
photo_open_mouth (mien_driving *c, const mien_drive_options *opt,
                  float open, float rest_open)
{
  float p = opt->photo_mouth;
  if (!(p >= MIEN_DRIVE_PHOTO_MOUTH_MIN) || !(opt->parts & MIEN_DRIVE_MOUTH))
    return;
  float moved = open - rest_open;
  float keep = open > p && moved > 1e-4f ? fminf ((open - p) / moved, 1.0f)
                                         : 0.0f;
  for (int i = 0; i < rig_n_seal_open; i++) /* the channels that open it */
    c->values[rig_seal_open[i]] *= keep;
  float target = p + opt->strength * (open - p);
  float press = (p - PHOTO_MOUTH_DEAD - target) / (p - PHOTO_MOUTH_DEAD);
  press = press < 0.0f ? 0.0f : press > 1.0f ? 1.0f : press;
  c->values[MIEN_AU24] = fmaxf (c->values[MIEN_AU24], MIEN_AU_MAX * press);
}

/* ---- head pose ---------------------------------------------------------- */

/* The rest's head frame: the driving photo's own (rest_in), or that of the
 * rest frame whose yaw, pitch and roll are nearest the rest frames' medians
 * (a real frame's fit, not an average of rotations). 0 if none fits. */
static int
rest_head (const mien_drive_track *t, const mien_point *rest_in,
           const mien_drive_result *res, float R[9])
{
  if (rest_in)
    return mien_rig_fit_head (rest_in, R);
  static const float identity[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
  float Rs[MAX_REST][9], ang[3][MAX_REST];
  int n = 0;
  for (int j = 0; j < res->n_rest && j < MAX_REST; j++)
    if (mien_rig_fit_head (t->frames[res->rest_frames[j]].lm, Rs[n]))
      {
        mien_rig_pose_between (identity, Rs[n], &ang[0][n], &ang[1][n],
                               &ang[2][n]);
        n++;
      }
  if (n == 0)
    return 0;
  float med[3];
  for (int k = 0; k < 3; k++)
    {
      float v[MAX_REST];
      memcpy (v, ang[k], sizeof (float) * (size_t)n);
      for (int i = 1; i < n; i++) /* insertion sort: n ≤ 16 */
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--)
          {
            float x = v[j];
            v[j] = v[j - 1], v[j - 1] = x;
          }
      med[k] = n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
    }
  int best = 0;
  float best_d = 1e30f;
  for (int j = 0; j < n; j++)
    {
      float d = 0.0f;
      for (int k = 0; k < 3; k++)
        d += (ang[k][j] - med[k]) * (ang[k][j] - med[k]);
      if (d < best_d)
        best_d = d, best = j;
    }
  memcpy (R, Rs[best], sizeof (float) * 9);
  return 1;
}

/* The frame's head turn against the rest into c's pose channels (before
 * --strength and the ±20° clamp, in finish_driving). */
static void
drive_pose (const float *R_rest, const mien_point *lm, mien_driving *c)
{
  float R[9];
  if (!mien_rig_fit_head (lm, R))
    return;
  mien_rig_pose_between (R_rest, R, &c->values[MIEN_HEAD_YAW],
                         &c->values[MIEN_HEAD_PITCH],
                         &c->values[MIEN_HEAD_ROLL]);
}

/* The turn fitted on each frame's (filtered) landmarks still shakes: the
 * pitch, read from small vertical differences between the nose and the
 * jaw, moved 0.1° a frame on the still frames of liveportrait-d9, and the
 * results' landmarks shook with it (jitter 1.4–2.2× the clip's on sample1
 * and sample3 with the pose driven, 0.9–1.2× without). So the three
 * angles get a One Euro filter of their own, with a lower cutoff than the
 * landmarks' (opt->pose_min_cutoff) and the landmarks' beta; a degree of
 * turn counts as POSE_IOD_PER_DEGREE iod of motion for the beta, so a
 * quick turn opens the filter as a quick lip move does. A third of what a
 * point 1.7 iod from the neck's pivot moves: at 0.03 the shake itself
 * opened it (jitter median 1.40 against 1.19 on 15 pairs,
 * docs/QUALITY.md "the head's turn filtered"). */
#define POSE_IOD_PER_DEGREE 0.01f

typedef struct pose_filter {
  one_euro1 f[3];
  int last; /* the last frame filtered, -1 none */
} pose_filter;

static void
filter_pose (pose_filter *pf, const mien_drive_track *t, int i,
             const mien_drive_options *opt, mien_driving *c)
{
  mien_one_euro_params p = opt->filter;
  p.min_cutoff = opt->pose_min_cutoff;
  float dt = pf->last < 0 ? 0.0f : (float)((i - pf->last) / t->fps);
  /* After a gap longer than the hold the pose has eased away: start
   * again rather than glide from a stale turn. */
  if (pf->last >= 0 && dt > MISSING_HOLD)
    for (int k = 0; k < 3; k++)
      pf->f[k].primed = 0;
  for (int k = 0; k < 3; k++)
    c->values[MIEN_HEAD_YAW + k]
        = drive_one_euro1_step (&pf->f[k], &p, dt, POSE_IOD_PER_DEGREE,
                                c->values[MIEN_HEAD_YAW + k]);
  pf->last = i;
}

/* ---- gaze (mien-drive.c, "Gaze") ---------------------------------------- */

/* An eye narrower than this share of its rest openness is left out of
 * the gaze: the lid covers the iris's top and the fit slides (on
 * liveportrait-d0's blink, at 0.7 of the rest: gaze_v +0.98 for one
 * frame), and the opening's centre moves with the lid. */
#define GAZE_MIN_OPEN 0.85f
/* A fit whose iris is less than this share of the clip's median contrast
 * with the sclera is not an iris (on d0's blink, where the landmarks keep
 * the lids 0.82 open: contrast 0.07-0.20 against 0.30-0.50 open). */
#define GAZE_MIN_CONTRAST 0.6f
/* Frames whose horizontal offset is within this (half eye widths) of the
 * median give the vertical straight ahead. */
#define GAZE_STRAIGHT_H 0.15f

/* Does frame i show that eye's iris, open enough to read? */
static int
iris_at (const mien_drive_track *t, const mien_drive_result *res, int i,
         int side)
{
  return i >= 0 && i < t->n_frames && t->frames[i].found
         && t->frames[i].iris_status[side] == MIEN_IRIS_FOUND
         && res->rest_iris_n[side]
         && t->frames[i].eye_open[side]
                >= GAZE_MIN_OPEN * res->rest_eye_open[side]
         && t->frames[i].iris_contrast[side]
                >= GAZE_MIN_CONTRAST * res->rest_iris_contrast[side];
}

/* The driver's straight ahead, per eye, over every frame with the face
 * that shows that iris: the median openness and iris contrast (what
 * iris_at compares with), then over the frames iris_at reads the median
 * horizontal offset, how much the vertical offset grows with the
 * horizontal one squared (an iris in the corner of the eye reads lower:
 * on liveportrait-d0, whose performer looks far left and right without
 * turning, +0.1 to +0.28 of half the eye's width, gaze_v +0.5 to +1.0),
 * and the median vertical offset, less that, of the frames within
 * GAZE_STRAIGHT_H of straight ahead horizontally (a driver who looks
 * aside often moves the median of all).
 * Not the expression's rest frames: they are chosen by shape, which gaze
 * hardly changes (on the test clip with gaze keyframes,
 * tests/drive/test_drive_cli.py, they fell on a frame looking left and put
 * gaze_h +0.5 on the frames looking ahead). A driving photo (rest_in) is
 * read against the eyes' centres (0, 0). rest_iris_n[side] 0: that eye
 * shows no iris. */
static mien_status
gaze_rest (const mien_drive_track *t, const mien_point *rest_in,
           mien_drive_result *res, mien_error *err)
{
  if (rest_in)
    {
      for (int side = 0; side < 2; side++)
        {
          const mien_drive_frame *f = &t->frames[0];
          res->rest_iris_h[side] = res->rest_iris_v[side] = 0.0f;
          res->rest_eye_open[side] = f->eye_open[side];
          res->rest_iris_contrast[side] = f->iris_contrast[side];
          res->iris_v_per_h2[side] = 0.0f;
          res->rest_iris_n[side] = f->iris_status[side] == MIEN_IRIS_FOUND;
        }
      return MIEN_OK;
    }
  float *h = malloc ((size_t)(t->n_frames + 1) * sizeof *h);
  float *v = malloc ((size_t)(t->n_frames + 1) * sizeof *v);
  if (!h || !v)
    {
      free (h), free (v);
      return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
    }
  for (int side = 0; side < 2; side++)
    {
      int n = 0;
      for (int i = 0; i < t->n_frames; i++)
        if (t->frames[i].found
            && t->frames[i].iris_status[side] == MIEN_IRIS_FOUND)
          h[n] = t->frames[i].iris_contrast[side],
          v[n++] = t->frames[i].eye_open[side];
      res->rest_iris_n[side] = 0;
      res->rest_iris_h[side] = res->rest_iris_v[side] = 0.0f;
      res->iris_v_per_h2[side] = 0.0f;
      res->rest_eye_open[side] = n ? drive_median (v, n) : 0.0f;
      res->rest_iris_contrast[side] = n ? drive_median (h, n) : 0.0f;
      if (n == 0)
        continue;
      /* From here on the frames open enough to read (iris_at). */
      res->rest_iris_n[side] = 1;
      n = 0;
      for (int i = 0; i < t->n_frames; i++)
        if (iris_at (t, res, i, side))
          h[n++] = t->frames[i].iris_h[side];
      res->rest_iris_n[side] = n;
      if (n == 0)
        continue;
      res->rest_iris_h[side] = drive_median (h, n);
      /* v against (h - straight ahead)²: least squares over the frames,
       * where enough of them look well aside to tell. */
      double sx = 0, sy = 0, sxx = 0, sxy = 0;
      int m = 0, aside = 0;
      for (int i = 0; i < t->n_frames; i++)
        if (iris_at (t, res, i, side))
          {
            double d = t->frames[i].iris_h[side] - res->rest_iris_h[side];
            double x = d * d, y = t->frames[i].iris_v[side];
            sx += x, sy += y, sxx += x * x, sxy += x * y, m++;
            aside += fabs (d) > 0.3;
          }
      double var = sxx - sx * sx / m;
      if (aside >= 5 && var > 1e-9)
        {
          double b = (sxy - sx * sy / m) / var;
          res->iris_v_per_h2[side] = (float)fmax (-1.0, fmin (1.0, b));
        }
      m = 0;
      for (int pass = 0; pass < 2 && m == 0; pass++)
        for (int i = 0; i < t->n_frames; i++)
          {
            float d = t->frames[i].iris_h[side] - res->rest_iris_h[side];
            if (iris_at (t, res, i, side)
                && (pass || fabsf (d) <= GAZE_STRAIGHT_H))
              v[m++] = t->frames[i].iris_v[side]
                       - res->iris_v_per_h2[side] * d * d;
          }
      res->rest_iris_v[side] = drive_median (v, m);
    }
  free (h), free (v);
  return MIEN_OK;
}

/* Half an eye's width in iod on the rest shape: the filter's unit. */
static float
half_eye_iod (const mien_point *rest)
{
  float iod = mien_landmarks_iod (rest);
  float w = 0.25f * (drive_dist (rest[36], rest[39])
                     + drive_dist (rest[42], rest[45]));
  return iod > 1e-3f && w > 0.0f ? w / iod : 0.27f;
}

/* Frame i's iris offset in one eye (the vertical one less
 * iris_v_per_h2's share): the median of it and as many frames before it
 * as after it (at most GAZE_MEDIAN_REACH frames away each way, those
 * iris_at reads, the nearest first), so the window is centred and odd;
 * *ok 0 where no frame on one side can be read (but at the clip's ends). A fit that jumps for a frame or two (the limbus taken on the
 * lash line, seen on the test clip: +0.48 at two frames between -0.46 and
 * -0.17) goes; a saccade stays (every frame after it moved). */
#define GAZE_MEDIAN_REACH 2
static void
eye_offset (const mien_drive_track *t, const mien_drive_result *res, int i,
            int side, float *h, float *v, int *ok)
{
  int before[GAZE_MEDIAN_REACH], after[GAZE_MEDIAN_REACH], nb = 0, na = 0;
  for (int d = 1; d <= GAZE_MEDIAN_REACH; d++)
    {
      if (iris_at (t, res, i - d, side))
        before[nb++] = i - d;
      if (iris_at (t, res, i + d, side))
        after[na++] = i + d;
    }
  int k = nb < na ? nb : na;
  *ok = 1;
  if (k == 0 && i >= GAZE_MEDIAN_REACH && i < t->n_frames - GAZE_MEDIAN_REACH)
    {
      /* Alone between frames that cannot be read (a blink's last frame,
       * the lids still sliding: gaze_v +1 on d0): not read either. */
      *ok = 0;
      return;
    }
  float hs[2 * GAZE_MEDIAN_REACH + 1], vs[2 * GAZE_MEDIAN_REACH + 1];
  int n = 0;
  int at[2 * GAZE_MEDIAN_REACH + 1];
  at[n++] = i;
  for (int j = 0; j < k; j++)
    at[n++] = before[j], at[n++] = after[j];
  for (int j = 0; j < n; j++)
    {
      const mien_drive_frame *f = &t->frames[at[j]];
      float d = f->iris_h[side] - res->rest_iris_h[side];
      hs[j] = f->iris_h[side];
      vs[j] = f->iris_v[side] - res->iris_v_per_h2[side] * d * d;
    }
  *h = drive_median (hs, n);
  *v = drive_median (vs, n);
}

typedef struct gaze_state {
  one_euro1 fh, fv;
  float unit;     /* half an eye's width in iod */
  int last;       /* the last frame an iris was read on, -1 none */
  float h, v;     /* the gaze there (before --strength) */
} gaze_state;

/* The frame's gaze into c (before --strength and the clamp to ±1): the
 * mean over the eyes whose iris is found, open at least GAZE_MIN_OPEN of
 * the rest, of the offset (eye_offset) from the rest's, filtered, in mien_iris_move's units. A frame with the face but no iris
 * (a blink, a lost fit) holds the last gaze for MISSING_HOLD seconds, then
 * eases to 0 over MISSING_EASE, like a missing face. */
static void
drive_gaze (gaze_state *g, const mien_drive_track *t, int i,
            const mien_drive_options *opt, mien_drive_result *res,
            mien_driving *c)
{
  float dh = 0.0f, dv = 0.0f;
  int n = 0;
  for (int side = 0; side < 2; side++)
    if (iris_at (t, res, i, side))
      {
        float h, v;
        int ok;
        eye_offset (t, res, i, side, &h, &v, &ok);
        if (!ok)
          continue;
        dh += h - res->rest_iris_h[side];
        dv += v - res->rest_iris_v[side];
        n++;
      }
  if (n == 0)
    {
      if (g->last < 0)
        return;
      double gone = (i - g->last) / t->fps - MISSING_HOLD;
      double u = gone <= 0.0 ? 0.0 : gone >= MISSING_EASE ? 1.0
                                                          : gone / MISSING_EASE;
      float keep = (float)(1.0 - u * u * (3.0 - 2.0 * u));
      c->values[MIEN_GAZE_H] = keep * g->h;
      c->values[MIEN_GAZE_V] = keep * g->v;
      return;
    }
  dh /= (float)n, dv /= (float)n;
  /* After a gap longer than the hold the gaze has eased away: start the
   * filter again rather than glide from a stale value. */
  float dt = g->last < 0 ? 0.0f : (float)((i - g->last) / t->fps);
  if (g->last >= 0 && dt > MISSING_HOLD)
    g->fh.primed = g->fv.primed = 0;
  dh = drive_one_euro1_step (&g->fh, &opt->filter, dt, g->unit, dh);
  dv = drive_one_euro1_step (&g->fv, &opt->filter, dt, g->unit, dv);
  /* mien_iris_offset is over half the eye's width, gaze ±1 moves the
   * iris MIEN_IRIS_GAZE_H (_V) of the whole width (mien_iris_move), so
   * the driver's move d becomes 0.5·d / MIEN_IRIS_GAZE_H: the photo's iris
   * moves the same share of its eye's width as the driver's did. */
  g->h = 0.5f * dh / MIEN_IRIS_GAZE_H;
  g->v = 0.5f * dv / MIEN_IRIS_GAZE_V;
  g->last = i;
  res->n_gaze++;
  c->values[MIEN_GAZE_H] = g->h;
  c->values[MIEN_GAZE_V] = g->v;
}

mien_status
mien_drive_solve (const mien_drive_track *t, mien_generator *gen,
                  const mien_drive_options *opt, const mien_point *rest_in,
                  const mien_driving *photo_aus, mien_drive_result *res,
                  mien_error *err)
{
  memset (res, 0, sizeof *res);
  double t0 = drive_now ();
  mien_point rest[MIEN_N_LANDMARKS];
  mien_status st = MIEN_OK;
  if (rest_in)
    memcpy (rest, rest_in, sizeof rest);
  else if ((st = choose_rest (t, rest, res, err)) != MIEN_OK)
    return st;
  inverse_rig *ir = malloc (sizeof *ir);
  res->values = calloc ((size_t)t->n_frames * MIEN_AU_N_CHANNELS,
                        sizeof *res->values);
  if (ir == NULL || res->values == NULL)
    {
      free (ir);
      mien_drive_result_clear (res);
      return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
    }
  st = drive_build_inverse_rig (ir, gen, rest, opt->gains, opt->ridge, err);
  res->t_model = drive_now () - t0;
  t0 = drive_now ();
  frame2 rf = drive_frame_of (rest);
  float a[MAX_SOLVE] = { 0 };
  double fit = 0.0;
  int n_fit = 0, last_found = -1;
  float R_rest[9];
  int pose = (opt->parts & MIEN_DRIVE_POSE) && rest_head (t, rest_in, res, R_rest);
  gaze_state gaze = { .unit = half_eye_iod (rest), .last = -1 };
  pose_filter pose_smooth = { .last = -1 };
  float rest_open, rest_eyes, rest_brows;
  mien_drive_measure (rest, &rest_open, &rest_eyes, &rest_brows);
  if (st == MIEN_OK)
    st = gaze_rest (t, rest_in, res, err);
  for (int i = 0; st == MIEN_OK && i < t->n_frames; i++)
    {
      float *out = res->values + (size_t)i * MIEN_AU_N_CHANNELS;
      if (t->frames[i].found)
        {
          fit += solve_frame (ir, t->frames[i].lm, rest, &rf, a);
          n_fit++;
          mien_driving c;
          to_driving (ir, a, &c);
          if (pose)
            {
              drive_pose (R_rest, t->frames[i].lm, &c);
              filter_pose (&pose_smooth, t, i, opt, &c);
            }
          if (opt->parts & MIEN_DRIVE_EYES)
            drive_gaze (&gaze, t, i, opt, res, &c);
          finish_driving (&c, opt, photo_aus);
          float open, eyes, brows;
          mien_drive_measure (t->frames[i].lm, &open, &eyes, &brows);
          photo_open_mouth (&c, opt, open, rest_open);
          memcpy (out, c.values, sizeof c.values);
          last_found = i;
          continue;
        }
      if (last_found < 0)
        continue; /* the photo rests until the face is first seen */
      double gone = (i - last_found) / t->fps - MISSING_HOLD;
      double u = gone <= 0.0 ? 0.0 : gone >= MISSING_EASE ? 1.0
                                                          : gone / MISSING_EASE;
      float keep = (float)(1.0 - u * u * (3.0 - 2.0 * u));
      const float *held = res->values + (size_t)last_found * MIEN_AU_N_CHANNELS;
      for (int k = 0; k < MIEN_AU_N_CHANNELS; k++)
        out[k] = keep * held[k];
    }
  free (ir);
  if (st != MIEN_OK)
    {
      mien_drive_result_clear (res);
      return st;
    }
  res->n_frames = t->n_frames;
  res->fps = t->fps;
  res->fit_rms = n_fit ? (float)(fit / n_fit) : 0.0f;
  res->t_solve = drive_now () - t0;
  return MIEN_OK;
}

mien_status
mien_drive_photo_expression (const mien_drive_track *t, mien_generator *gen,
                             const mien_drive_options *opt,
                             const mien_point *photo_lm, mien_driving *p,
                             mien_error *err)
{
  mien_drive_result tmp = { 0 };
  mien_point rest[MIEN_N_LANDMARKS];
  mien_status st = choose_rest (t, rest, &tmp, err);
  if (st != MIEN_OK)
    return st;
  inverse_rig *ir = malloc (sizeof *ir);
  if (ir == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  st = drive_build_inverse_rig (ir, gen, rest, opt->gains, opt->ridge, err);
  if (st == MIEN_OK)
    {
      frame2 rf = drive_frame_of (rest);
      float a[MAX_SOLVE] = { 0 };
      solve_frame (ir, photo_lm, rest, &rf, a);
      to_driving (ir, a, p);
    }
  free (ir);
  return st;
}
