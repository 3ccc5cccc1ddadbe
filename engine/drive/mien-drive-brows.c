/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The brows' height from the image (mien-drive.c, "Brows").
 *
 * face-api's landmark net keeps the brows near its mean shape: on
 * mead-W009-surprised the performer's brows are ~0.09 iod higher than on
 * her neutral clip (their upper edge, measured in the frames), while the
 * net's brow points stay where they were (0.29 iod above the eyes' centres
 * in both; 0.28 while surprised). Raised brows are what makes a face read
 * surprised or fearful, a lowered one angry, so the drive reads them from
 * the image itself: on every tracked frame each brow point gets the offset
 * of the brow's upper edge (the strongest fall in luma going down from the
 * forehead, in a band around the net's point) along the face's vertical.
 * The net's point is kept as the place; what the edge adds is its motion:
 * after tracking each point moves by its edge offset less that offset's
 * median over the clip (so a clip's landmarks stay where the net put them
 * on average, and the inverse rig and the pose fit see the shapes they
 * know), filtered in time like the landmarks. A point whose edge is weak
 * or far from its brow's other points, or a frame where fewer than 3 of a
 * brow's 5 points have one, takes the median (no move of its own); a brow
 * with an edge on fewer than half the frames is left to the net. */
#include "mien-drive-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The band searched around each brow point, in iod along the face's
 * vertical (negative: up), and across it (the profile's width). */
#define BROW_UP 0.45f
#define BROW_DOWN 0.15f
#define BROW_STEP 0.01f
#define BROW_HALF_WIDTH 0.04f
/* The smallest fall in luma (0 … 1) over BROW_EDGE_SPAN iod that counts as
 * the brow's edge (measured on mead-W009-*: 0.06–0.14 at the brows' outer
 * ends, 0.2–0.6 elsewhere). */
#define BROW_EDGE_SPAN 0.06f
#define BROW_MIN_FALL 0.05f
/* A point further than this (iod) from its brow's median edge offset is
 * not on the brow (the inner end sometimes takes the frown's shadow). */
#define BROW_OUTLIER 0.06f

static float
luma_at (const mien_image *im, float x, float y)
{
  float v[4] = { 0 };
  x = fminf (fmaxf (x, 0.0f), (float)im->width - 1.0f);
  y = fminf (fmaxf (y, 0.0f), (float)im->height - 1.0f);
  mien_image_sample_bilinear (im, x, y, v);
  return im->channels >= 3 ? 0.299f * v[0] + 0.587f * v[1] + 0.114f * v[2]
                           : v[0];
}

static void
eye_centre (const mien_point *lm, int first, float *x, float *y)
{
  *x = *y = 0.0f;
  for (int p = first; p < first + 6; p++)
    *x += lm[p].x / 6.0f, *y += lm[p].y / 6.0f;
}

/* The face's axes: ex along the eye line, ey towards the chin; the iod. */
static float
face_axes (const mien_point *lm, float *ex, float *ey)
{
  float rx, ry, lx, ly;
  eye_centre (lm, 36, &rx, &ry);
  eye_centre (lm, 42, &lx, &ly);
  float iod = hypotf (lx - rx, ly - ry);
  if (!(iod > 1.0f))
    return 0.0f;
  ex[0] = (lx - rx) / iod, ex[1] = (ly - ry) / iod;
  ey[0] = -ex[1], ey[1] = ex[0];
  return iod;
}

static int
cmp_float (const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

float
drive_median (float *v, int n)
{
  qsort (v, (size_t)n, sizeof *v, cmp_float);
  return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

void
drive_brow_edges (const mien_image *img, const mien_point *lm,
                  float *edge, int *found)
{
  *found = 0;
  memset (edge, 0, MIEN_DRIVE_BROW_POINTS * sizeof *edge);
  float ex[2], ey[2];
  float iod = face_axes (lm, ex, ey);
  if (iod <= 0.0f || img == NULL)
    return;
  enum { N = (int)((BROW_UP + BROW_DOWN) / BROW_STEP + 1.5f),
         W = 9, SPAN = (int)(BROW_EDGE_SPAN / BROW_STEP + 0.5f) };
  for (int side = 0; side < 2; side++)
    {
      float off[5];
      int ok[5], n_ok = 0;
      for (int j = 0; j < 5; j++)
        {
          int k = 5 * side + j; /* brow point 17 + k */
          mien_point p = lm[17 + k];
          /* Not down into the eye: at most half way to the upper lid. */
          const mien_point *lid = &lm[side ? 43 : 37];
          float mx = 0.5f * (lid[0].x + lid[1].x) - p.x;
          float my = 0.5f * (lid[0].y + lid[1].y) - p.y;
          float down = fminf (BROW_DOWN, 0.5f * (mx * ey[0] + my * ey[1])
                                             / iod);
          float prof[N];
          for (int i = 0; i < N; i++)
            {
              float t = -BROW_UP + BROW_STEP * (float)i, s = 0.0f;
              for (int w = 0; w < W; w++)
                {
                  float u = BROW_HALF_WIDTH * (2.0f * w / (W - 1) - 1.0f);
                  s += luma_at (img, p.x + iod * (t * ey[0] + u * ex[0]),
                                p.y + iod * (t * ey[1] + u * ex[1]));
                }
              prof[i] = s / W;
            }
          /* The strongest fall over SPAN steps. A sharp edge gives the
           * same fall for every window that holds it: the middle of that
           * run of windows, centred, is the edge. */
          float best = 0.0f, fall[N];
          int at = -1, last = -1;
          for (int i = 0; i + SPAN < N; i++)
            {
              float t = -BROW_UP + BROW_STEP * (i + 0.5f * SPAN);
              if (t > down)
                break;
              fall[i] = prof[i] - prof[i + SPAN];
              last = i;
              if (fall[i] > best)
                best = fall[i], at = i;
            }
          int end = at;
          while (at >= 0 && end < last && fall[end + 1] >= 0.98f * best)
            end++;
          ok[j] = at >= 0 && best >= BROW_MIN_FALL;
          off[j] = ok[j] ? -BROW_UP
                               + BROW_STEP * (0.5f * (at + end) + 0.5f * SPAN)
                         : 0.0f;
          n_ok += ok[j];
        }
      if (n_ok < 3)
        continue;
      float v[5];
      int m = 0;
      for (int j = 0; j < 5; j++)
        if (ok[j])
          v[m++] = off[j];
      float med = drive_median (v, m);
      int kept = 0;
      for (int j = 0; j < 5; j++)
        if (ok[j] && fabsf (off[j] - med) <= BROW_OUTLIER)
          kept++;
      if (kept < 3)
        continue;
      for (int j = 0; j < 5; j++)
        {
          int k = 5 * side + j;
          if (ok[j] && fabsf (off[j] - med) <= BROW_OUTLIER)
            edge[k] = off[j], *found |= 1 << k;
        }
    }
}

void
drive_brow_edges_refer (const mien_point *net, const mien_point *lm,
                        float *edge)
{
  float ex[2], ey[2];
  float iod = face_axes (lm, ex, ey);
  if (iod <= 0.0f)
    return;
  for (int k = 0; k < MIEN_DRIVE_BROW_POINTS; k++)
    edge[k] += ((net[17 + k].x - lm[17 + k].x) * ey[0]
                + (net[17 + k].y - lm[17 + k].y) * ey[1])
               / iod;
}

void
drive_brows_apply (mien_drive_track *t, const mien_one_euro_params *filter)
{
  if (t->n_frames <= 0)
    return;
  float *v = malloc ((size_t)t->n_frames * sizeof *v);
  float *shift = malloc ((size_t)t->n_frames * MIEN_DRIVE_BROW_POINTS
                         * sizeof *shift);
  if (v == NULL || shift == NULL)
    {
      free (v), free (shift);
      return; /* the net's brows: no worse than before */
    }
  memset (shift, 0, (size_t)t->n_frames * MIEN_DRIVE_BROW_POINTS
                        * sizeof *shift);
  int n_found = 0;
  for (int i = 0; i < t->n_frames; i++)
    n_found += t->frames[i].found;
  for (int side = 0; side < 2; side++)
    {
      /* A brow read on fewer than half the frames is left to the net. */
      int n_read = 0;
      for (int i = 0; i < t->n_frames; i++)
        n_read += t->frames[i].found
                  && (t->frames[i].brow_found >> (5 * side) & 31) != 0;
      if (n_found == 0 || 2 * n_read < n_found)
        continue;
      for (int i = 0; i < t->n_frames; i++)
        for (int j = 0; j < 5; j++)
          shift[(size_t)i * MIEN_DRIVE_BROW_POINTS + 5 * side + j] = NAN;
      for (int j = 0; j < 5; j++)
        {
          int k = 5 * side + j, m = 0;
          for (int i = 0; i < t->n_frames; i++)
            if (t->frames[i].found && t->frames[i].brow_found >> k & 1)
              v[m++] = t->frames[i].brow_edge[k];
          if (2 * m < n_found)
            continue; /* this point takes its brow's others' move */
          /* A frame's move: its edge offset less the clip's median. */
          float bias = drive_median (v, m);
          for (int i = 0; i < t->n_frames; i++)
            if (t->frames[i].brow_found >> k & 1)
              shift[(size_t)i * MIEN_DRIVE_BROW_POINTS + k]
                  = t->frames[i].brow_edge[k] - bias;
        }
      /* A point without an edge on a frame moves as the mean of its
       * brow's others there (none: not at all). */
      for (int i = 0; i < t->n_frames; i++)
        {
          float *s = shift + (size_t)i * MIEN_DRIVE_BROW_POINTS + 5 * side;
          float sum = 0.0f;
          int m = 0;
          for (int j = 0; j < 5; j++)
            if (!isnan (s[j]))
              sum += s[j], m++;
          for (int j = 0; j < 5; j++)
            if (isnan (s[j]))
              s[j] = m ? sum / m : 0.0f;
        }
      /* Filtered in time, in iod (the landmarks' units). */
      for (int j = 0; j < 5; j++)
        {
          int k = 5 * side + j;
          one_euro1 f = { 0 };
          for (int i = 0; i < t->n_frames; i++)
            {
              float *s = shift + (size_t)i * MIEN_DRIVE_BROW_POINTS + k;
              if (!t->frames[i].found)
                {
                  f.primed = 0; /* a gap: start again after it */
                  continue;
                }
              if (filter->min_cutoff > 0.0f)
                *s = drive_one_euro1_step (&f, filter, (float)(1.0 / t->fps),
                                           1.0f, *s);
            }
        }
    }
  for (int i = 0; i < t->n_frames; i++)
    {
      mien_drive_frame *fr = &t->frames[i];
      float ex[2], ey[2];
      float iod = face_axes (fr->lm, ex, ey);
      if (iod <= 0.0f)
        continue;
      for (int k = 0; k < MIEN_DRIVE_BROW_POINTS; k++)
        {
          float d = shift[(size_t)i * MIEN_DRIVE_BROW_POINTS + k];
          fr->lm[17 + k].x += iod * d * ey[0];
          fr->lm[17 + k].y += iod * d * ey[1];
        }
    }
  free (v), free (shift);
}
