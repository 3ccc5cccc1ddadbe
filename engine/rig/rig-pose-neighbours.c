/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The other faces a head's region must leave out (issue #24: overlapping
 * heads in a group photo; rig-pose.c builds the region, the animator
 * passes the photo's other faces, mien_animator_set_other_faces). A
 * neighbour's face and forehead are cut from the region; which of two
 * overlapping faces is in front is read from their landmarks. */
#include "rig-private.h"

#include <string.h>

#include <stdlib.h>

/* Convex hull of n points (Andrew's monotone chain) into hull; returns its
 * size (counter-clockwise in a y-up frame, clockwise on screen). */
static int
convex_hull (mien_point *pts, int n, mien_point *hull)
{
  /* Insertion sort by x, then y: n is a few dozen. */
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0
                    && (pts[j].x < pts[j - 1].x
                        || (pts[j].x == pts[j - 1].x && pts[j].y < pts[j - 1].y));
         j--)
      {
        mien_point t = pts[j];
        pts[j] = pts[j - 1], pts[j - 1] = t;
      }
  int k = 0;
  for (int pass = 0; pass < 2; pass++)
    {
      int start = k;
      for (int m = 0; m < n; m++)
        {
          const mien_point *q = &pts[pass ? n - 1 - m : m];
          while (k >= start + 2
                 && (hull[k - 1].x - hull[k - 2].x) * (q->y - hull[k - 2].y)
                            - (hull[k - 1].y - hull[k - 2].y) * (q->x - hull[k - 2].x)
                        <= 0.0f)
            k--;
          hull[k++] = *q;
        }
      k--; /* the last point is the other chain's first */
    }
  return k;
}

static int
inside_hull (const mien_point *hull, int n, float x, float y)
{
  if (n < 3)
    return 0;
  for (int i = 0; i < n; i++)
    {
      const mien_point *a = &hull[i], *b = &hull[(i + 1) % n];
      if ((b->x - a->x) * (y - a->y) - (b->y - a->y) * (x - a->x) < 0.0f)
        return 0;
    }
  return 1;
}

/* The outline of a face and its forehead: the jaw, the brows, and the brows
 * raised by FOREHEAD_IOD along the face's up (from the chin to the eyes),
 * all grown by `grow` about their centre. Returns the hull's size. */
#define FOREHEAD_IOD 1.0f
/* A neighbour's outline is grown to take in its ears and the hair at its
 * temples; this face's own outline, which wins over a neighbour's behind
 * it, is not grown. */
#define NEIGHBOUR_GROW 1.3f
#define OUTLINE_POINTS (27 + 10)
static int
face_outline (const mien_point *lm, float grow, mien_point *hull)
{
  mien_point pts[OUTLINE_POINTS];
  int n = 0;
  float iod = mien_landmarks_iod (lm);
  mien_point er = mien_landmarks_eye_centre (lm, 0);
  mien_point el = mien_landmarks_eye_centre (lm, 1);
  float ux = 0.5f * (er.x + el.x) - lm[MIEN_LM_CHIN].x;
  float uy = 0.5f * (er.y + el.y) - lm[MIEN_LM_CHIN].y;
  float len = hypotf (ux, uy);
  if (!(len > 0.0f) || !(iod > 0.0f))
    return 0;
  ux /= len, uy /= len;
  for (int i = 0; i <= 26; i++) /* the jaw and the brows */
    pts[n++] = lm[i];
  for (int i = 17; i <= 26; i++)
    pts[n++] = (mien_point){ lm[i].x + FOREHEAD_IOD * iod * ux,
                             lm[i].y + FOREHEAD_IOD * iod * uy };
  float cx = 0.0f, cy = 0.0f;
  for (int i = 0; i < n; i++)
    cx += pts[i].x, cy += pts[i].y;
  cx /= (float)n, cy /= (float)n;
  for (int i = 0; i < n; i++)
    pts[i] = (mien_point){ cx + grow * (pts[i].x - cx),
                           cy + grow * (pts[i].y - cy) };
  return convex_hull (pts, n, hull);
}

static int
landmarks_inside (const mien_point *lm, const mien_point *hull, int n)
{
  int k = 0;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    k += inside_hull (hull, n, lm[i].x, lm[i].y);
  return k;
}

/* Takes the neighbours' faces (and foreheads) out of the region. Which of
 * two overlapping faces is in front is read from the landmarks: the one
 * behind has its hidden points (predicted under the other face) inside the
 * other's outline, the one in front has none inside the other's. A face in
 * front keeps its own outline where a neighbour's overlaps it; a face
 * behind gives way. Returns the nodes taken out. */
int
rig_cut_neighbours (float *region, int w, int h, const mien_point *lm,
                    const mien_point (*neighbours)[MIEN_N_LANDMARKS],
                    int n_neighbours)
{
  mien_point own[2 * OUTLINE_POINTS];
  mien_point other[2 * OUTLINE_POINTS], other_core[2 * OUTLINE_POINTS];
  int n_own = face_outline (lm, 1.0f, own), cut = 0;
  for (int k = 0; k < n_neighbours; k++)
    {
      const mien_point *nb = neighbours[k];
      int n_other = face_outline (nb, NEIGHBOUR_GROW, other);
      int n_other_core = face_outline (nb, 1.0f, other_core);
      if (n_other < 3)
        continue;
      int behind = landmarks_inside (lm, other_core, n_other_core)
                   > landmarks_inside (nb, own, n_own);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          {
            size_t p = (size_t)y * (size_t)w + (size_t)x;
            if (region[p] > 0.0f
                && inside_hull (other, n_other, (float)x, (float)y)
                && (behind || !inside_hull (own, n_own, (float)x, (float)y)))
              region[p] = 0.0f, cut++;
          }
    }
  return cut;
}

/* 1 where a neighbour's face (its outline and forehead, not grown) is and
 * this face's own is not, grown by a node into the rest (so that sampled
 * bilinearly it is 1 over the whole face), 0 elsewhere: what a head turned
 * as a layer leaves in front of it, whichever of the two is in front. */
void
rig_mark_other_faces (float *map, int w, int h, const mien_point *lm,
                      const mien_point (*neighbours)[MIEN_N_LANDMARKS],
                      int n_neighbours)
{
  /* This face's own: the hull of its 68 points (no forehead): where the
   * two overlap outside it, the neighbour's face is kept. */
  mien_point pts[MIEN_N_LANDMARKS], own[2 * MIEN_N_LANDMARKS];
  mien_point other[2 * OUTLINE_POINTS];
  memcpy (pts, lm, sizeof pts); /* convex_hull sorts its points */
  int n_own = convex_hull (pts, MIEN_N_LANDMARKS, own);
  size_t n = (size_t)w * (size_t)h;
  for (size_t p = 0; p < n; p++)
    map[p] = 0.0f;
  for (int k = 0; k < n_neighbours; k++)
    {
      int n_other = face_outline (neighbours[k], 1.0f, other);
      if (n_other < 3)
        continue;
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          if (inside_hull (other, n_other, (float)x, (float)y)
              && !(n_own >= 3 && inside_hull (own, n_own, (float)x, (float)y)))
            map[(size_t)y * (size_t)w + (size_t)x] = 1.0f;
    }
  /* Grown by a node (8 neighbours), marked 2 first so the growth does
   * not spread. */
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        float *m = map + (size_t)y * (size_t)w + (size_t)x;
        if (*m != 0.0f)
          continue;
        for (int j = -1; j <= 1 && *m == 0.0f; j++)
          for (int i = -1; i <= 1; i++)
            {
              int xx = x + i, yy = y + j;
              if (xx >= 0 && yy >= 0 && xx < w && yy < h
                  && map[(size_t)yy * (size_t)w + (size_t)xx] == 1.0f)
                {
                  *m = 2.0f;
                  break;
                }
            }
      }
  for (size_t p = 0; p < n; p++)
    map[p] = map[p] != 0.0f ? 1.0f : 0.0f;
}

/* Puts this face's own outline (jaw, brows and forehead), grown by `grow`
 * about its centre, into the region: whatever the person matte says, the
 * face and the room its jaw moves into are always the head's. */
void
rig_add_own_face (float *region, int w, int h, const mien_point *lm,
                  float grow)
{
  mien_point own[2 * OUTLINE_POINTS];
  int n_own = face_outline (lm, grow, own);
  if (n_own < 3)
    return;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (inside_hull (own, n_own, (float)x, (float)y))
        region[(size_t)y * (size_t)w + (size_t)x] = 1.0f;
}

/* Keeps the region's 4-connected part that holds node (x, y), so that a
 * person beside the head (a shoulder, a neighbour's hair cut off from
 * their face) is not the head's. Returns the nodes taken out; leaves the
 * region as it is where (x, y) is outside it or memory is short. */
int
rig_keep_component (float *region, int w, int h, int x, int y)
{
  if (x < 0 || y < 0 || x >= w || y >= h
      || region[(size_t)y * (size_t)w + (size_t)x] <= 0.0f)
    return 0;
  size_t n = (size_t)w * (size_t)h;
  int *stack = malloc (sizeof (int) * n);
  unsigned char *seen = calloc (n, 1);
  if (!stack || !seen)
    {
      free (stack), free (seen);
      return 0;
    }
  int top = 0;
  stack[top++] = y * w + x;
  seen[(size_t)y * (size_t)w + (size_t)x] = 1;
  while (top > 0)
    {
      int p = stack[--top], px = p % w, py = p / w;
      const int nx[4] = { px - 1, px + 1, px, px }, ny[4] = { py, py, py - 1, py + 1 };
      for (int k = 0; k < 4; k++)
        {
          if (nx[k] < 0 || ny[k] < 0 || nx[k] >= w || ny[k] >= h)
            continue;
          size_t q = (size_t)ny[k] * (size_t)w + (size_t)nx[k];
          if (!seen[q] && region[q] > 0.0f)
            seen[q] = 1, stack[top++] = (int)q;
        }
    }
  int cut = 0;
  for (size_t p = 0; p < n; p++)
    if (region[p] > 0.0f && !seen[p])
      region[p] = 0.0f, cut++;
  free (stack), free (seen);
  return cut;
}
