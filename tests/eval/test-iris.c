/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The iris fit (engine/face/mien-iris.h) against eyes whose iris is known
 * exactly: synthetic eyes drawn here (4×4 supersampled) with skin, sclera
 * between two parabolic lids, a textured iris disc that the lids cover
 * above and below, a pupil, a catchlight and noise, at eye widths from 20
 * pixels (a face about 100 pixels wide) to 120, turned by a roll, with the
 * iris at several places in the opening. It must find the centre within
 * 5 % of the eye's width (8 % at 20 pixels) and the radius within 15 %.
 * Bad input, each with its documented answer:
 *   - lids shut (openness under 0.12): MIEN_IRIS_EYE_CLOSED;
 *   - an eye 6 pixels wide: MIEN_IRIS_TOO_SMALL;
 *   - an opening with no iris (sclera only): MIEN_IRIS_NO_CONTRAST;
 *   - a glare (a glasses reflection) over a third of the iris:
 *     MIEN_IRIS_GLARE, or found within 10 % of the width; never a wrong
 *     disc reported as found.
 * With MIEN_IRIS_DUMP=FILE it also writes the fit of every eye of the
 * sample photos' fixture faces as JSON lines, for
 * tests/eval/test_iris_opencv.py (an independent fit with OpenCV). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "face/mien-iris.h"
#include "io/mien-image-io.h"
#include "io/mien-landmarks-io.h"
#include "mien-test.h"

typedef struct eye_spec {
  float w;          /* eye width, pixels */
  float roll;       /* radians */
  float open_up, open_low; /* lid heights at the centre over the width */
  float gs, gt;     /* iris centre offset from the opening's centre, over w */
  float r;          /* iris radius over w */
  int no_iris, glare;
} eye_spec;

/* Draws the eye into a fresh image; fills the six eye landmarks (36-41) in
 * lm and returns the true iris centre. */
static mien_image *
draw_eye (const eye_spec *e, mien_point lm[MIEN_N_LANDMARKS],
          mien_point *iris_centre)
{
  int size = (int)ceilf (e->w * 2.0f) + 8;
  mien_image *im = mien_image_new (size, size, 3, NULL);
  float cx = 0.5f * (float)size, cy = 0.5f * (float)size;
  float ux = cosf (e->roll), uy = sinf (e->roll);
  float hw = 0.5f * e->w;
  float is = e->gs * e->w, it = e->gt * e->w, r = e->r * e->w;
  float pr = 0.42f * r, cl = 0.13f * r;
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      {
        float acc[3] = { 0, 0, 0 };
        for (int sy = 0; sy < 4; sy++)
          for (int sx = 0; sx < 4; sx++)
            {
              float px = (float)x + ((float)sx + 0.5f) / 4.0f - 0.5f - cx;
              float py = (float)y + ((float)sy + 0.5f) / 4.0f - 0.5f - cy;
              float s = px * ux + py * uy, t = -px * uy + py * ux;
              float c[3] = { 0.78f, 0.58f, 0.48f }; /* skin */
              float prof = 1.0f - (s / hw) * (s / hw);
              if (prof > 0 && t > -e->open_up * e->w * prof
                  && t < e->open_low * e->w * prof)
                {
                  float ds = s - is, dt = t - it;
                  float d = sqrtf (ds * ds + dt * dt);
                  c[0] = 0.88f, c[1] = 0.86f, c[2] = 0.84f; /* sclera */
                  if (!e->no_iris && d < r)
                    {
                      /* Radial texture of a brown iris, a darker rim. */
                      float ang = atan2f (dt, ds);
                      float tex = 0.04f * sinf (17.0f * ang)
                                  + 0.03f * sinf (5.0f * d / r * 6.28f);
                      float rim = d > 0.85f * r ? -0.06f : 0.0f;
                      c[0] = 0.38f + tex + rim, c[1] = 0.24f + tex + rim,
                      c[2] = 0.14f + tex + rim;
                      if (d < pr)
                        c[0] = c[1] = c[2] = 0.06f;
                      float lx = ds - 0.35f * r, ly = dt + 0.35f * r;
                      if (lx * lx + ly * ly < cl * cl)
                        c[0] = c[1] = c[2] = 0.97f;
                      if (e->glare && ds < -0.25f * r)
                        c[0] = c[1] = c[2] = 0.95f;
                    }
                }
              for (int k = 0; k < 3; k++)
                acc[k] += c[k] / 16.0f;
            }
        float *p = mien_image_row (im, y) + 3 * x;
        for (int k = 0; k < 3; k++)
          p[k] = fminf (fmaxf (acc[k] + mien_test_uniform (-0.02f, 0.02f),
                               0.0f), 1.0f);
      }
  memset (lm, 0, sizeof (mien_point) * MIEN_N_LANDMARKS);
  /* Corners, upper lid at s = ∓w/6 (image left first), lower lid right to
   * left, as the 68-point scheme orders them. */
  const float ss[6] = { -hw, -hw / 3, hw / 3, hw, hw / 3, -hw / 3 };
  for (int k = 0; k < 6; k++)
    {
      float prof = 1.0f - (ss[k] / hw) * (ss[k] / hw);
      float t = k == 0 || k == 3 ? 0.0f
                : k < 3 ? -e->open_up * e->w * prof
                        : e->open_low * e->w * prof;
      lm[36 + k] = (mien_point){ cx + ss[k] * ux - t * uy,
                                 cy + ss[k] * uy + t * ux };
    }
  *iris_centre = (mien_point){ cx + is * ux - it * uy, cy + is * uy + it * ux };
  return im;
}

static mien_iris
fit (const eye_spec *e, mien_point *truth)
{
  mien_point lm[MIEN_N_LANDMARKS];
  mien_image *im = draw_eye (e, lm, truth);
  mien_iris iris;
  mien_error err = { 0 };
  CHECK (mien_iris_find (im, lm, 0, &iris, &err) == MIEN_OK, "%s",
         err.message);
  mien_image_free (im);
  return iris;
}

static void
test_synthetic (void)
{
  const float widths[] = { 20, 30, 60, 120 };
  const float offsets[][2] = { { 0, 0 }, { -0.15f, 0 }, { 0.15f, 0.02f },
                               { 0.25f, 0 }, { -0.25f, -0.02f } };
  float worst_c = 0, worst_r = 0;
  int n = 0;
  for (int wi = 0; wi < 4; wi++)
    for (int oi = 0; oi < 5; oi++)
      for (int roll = -1; roll <= 1; roll++)
        {
          eye_spec e = { widths[wi], 0.15f * (float)roll, 0.16f, 0.14f,
                         offsets[oi][0], offsets[oi][1], 0.2f, 0, 0 };
          mien_point truth;
          mien_iris iris = fit (&e, &truth);
          CHECK (iris.status == MIEN_IRIS_FOUND, "w %g offset %g: %s",
                 (double)e.w, (double)e.gs,
                 mien_iris_status_to_string (iris.status));
          if (iris.status != MIEN_IRIS_FOUND)
            continue;
          float dc = hypotf (iris.centre.x - truth.x,
                             iris.centre.y - truth.y) / e.w;
          float dr = fabsf (iris.radius / (e.r * e.w) - 1.0f);
          float tol = e.w < 25 ? 0.08f : 0.05f;
          CHECK (dc < tol, "w %g offset (%g, %g) roll %d: centre off by %.3f "
                 "of the width", (double)e.w, (double)e.gs, (double)e.gt,
                 roll, (double)dc);
          CHECK (dr < 0.15f, "w %g offset %g: radius off by %.0f %%",
                 (double)e.w, (double)e.gs, 100.0 * dr);
          CHECK (iris.has_catchlight || e.w < 25,
                 "w %g: the catchlight is found", (double)e.w);
          worst_c = fmaxf (worst_c, dc);
          worst_r = fmaxf (worst_r, dr);
          n++;
        }
  printf ("synthetic eyes: %d fits, worst centre error %.3f of the eye's "
          "width, worst radius error %.1f %%\n", n, (double)worst_c,
          100.0 * worst_r);
}

static void
test_bad_input (void)
{
  mien_point truth;
  eye_spec closed = { 60, 0, 0.03f, 0.02f, 0, 0, 0.2f, 0, 0 };
  mien_iris iris = fit (&closed, &truth);
  printf ("closed eye (openness %.3f): %s\n", (double)iris.openness,
          mien_iris_status_to_string (iris.status));
  CHECK (iris.status == MIEN_IRIS_EYE_CLOSED, "closed eye: %s",
         mien_iris_status_to_string (iris.status));
  eye_spec tiny = { 6, 0, 0.16f, 0.14f, 0, 0, 0.2f, 0, 0 };
  iris = fit (&tiny, &truth);
  CHECK (iris.status == MIEN_IRIS_TOO_SMALL, "6-pixel eye: %s",
         mien_iris_status_to_string (iris.status));
  eye_spec blank = { 60, 0, 0.16f, 0.14f, 0, 0, 0.2f, 1, 0 };
  iris = fit (&blank, &truth);
  printf ("no iris: %s (edge %.3f, contrast %.3f)\n",
          mien_iris_status_to_string (iris.status), (double)iris.edge,
          (double)iris.contrast);
  CHECK (iris.status == MIEN_IRIS_NO_CONTRAST, "no iris: %s",
         mien_iris_status_to_string (iris.status));
  for (int wi = 0; wi < 2; wi++)
    {
      eye_spec glare = { wi ? 60.0f : 30.0f, 0, 0.16f, 0.14f, 0.1f, 0, 0.2f,
                         0, 1 };
      iris = fit (&glare, &truth);
      float dc = hypotf (iris.centre.x - truth.x, iris.centre.y - truth.y)
                 / glare.w;
      printf ("glare over the iris, w %g: %s, centre off by %.3f\n",
              (double)glare.w, mien_iris_status_to_string (iris.status),
              (double)dc);
      CHECK (iris.status == MIEN_IRIS_GLARE
                 || (iris.status == MIEN_IRIS_FOUND && dc < 0.1f),
             "glare: a wrong disc (%.3f)", (double)dc);
    }
  mien_error err = { 0 };
  CHECK (mien_iris_find (NULL, NULL, 0, &iris, &err) == MIEN_ERR_INVALID,
         "no image");
  float h, v;
  iris.status = MIEN_IRIS_EYE_CLOSED;
  mien_iris_offset (&iris, &h, &v);
  CHECK (h == 0.0f && v == 0.0f, "no offset without an iris");
}

/* Gaze that moves the iris (mien_iris_move), measured by fitting the iris
 * again on the result: for gaze_h and gaze_v of ±0.5 and ±1, the centre
 * found again moves by the requested fraction of the eye's width (0.25 ·
 * gaze_h along the axis, 0.10 · gaze_v across it) within 10 % of the
 * width, and stays inside the opening; the sclera uncovered behind the
 * iris is sclera-bright (luma within 0.1 of the sclera's 0.86), not
 * smeared iris (0.27); the skin outside the opening is untouched. */
static void
test_gaze (void)
{
  const float widths[] = { 20, 40, 80 };
  const float gazes[][2] = { { 1, 0 }, { -1, 0 }, { 0.5f, 0 }, { -0.5f, 0 },
                             { 0, 1 }, { 0, -1 }, { 0, 0.5f }, { 0, -0.5f },
                             { 0.5f, 0.5f }, { -1, -0.5f } };
  float worst = 0.0f, worst_fill = 0.0f;
  int n = 0;
  for (int wi = 0; wi < 3; wi++)
    for (int gi = 0; gi < 10; gi++)
      {
        eye_spec e = { widths[wi], 0.1f, 0.16f, 0.14f, 0, 0, 0.2f, 0, 0 };
        mien_point lm[MIEN_N_LANDMARKS], truth;
        mien_image *im = draw_eye (&e, lm, &truth);
        mien_image *before = mien_image_copy (im, NULL);
        mien_iris iris, again;
        mien_error err = { 0 };
        int moved = 0;
        CHECK (mien_iris_find (im, lm, 0, &iris, &err) == MIEN_OK, "find");
        float gh = gazes[gi][0], gv = gazes[gi][1];
        CHECK (mien_iris_move (im, lm, 0, &iris, gh, gv, &moved, &err)
                   == MIEN_OK && moved, "move");
        CHECK (mien_iris_find (im, lm, 0, &again, &err) == MIEN_OK
                   && again.status == MIEN_IRIS_FOUND,
               "w %g gaze (%g, %g): the iris is found again", (double)e.w,
               (double)gh, (double)gv);
        float h0, v0, h1, v1;
        mien_iris_offset (&iris, &h0, &v0);
        mien_iris_offset (&again, &h1, &v1);
        /* Offsets are in half widths; the request in widths. */
        float got_h = 0.5f * (h1 - h0), got_v = 0.5f * (v1 - v0);
        float err_w = hypotf (got_h - MIEN_IRIS_GAZE_H * gh,
                              got_v - MIEN_IRIS_GAZE_V * gv);
        CHECK (err_w < 0.10f, "w %g gaze (%g, %g): moved (%.3f, %.3f) of the "
               "width, asked (%.3f, %.3f)", (double)e.w, (double)gh,
               (double)gv, (double)got_h, (double)got_v,
               (double)(MIEN_IRIS_GAZE_H * gh), (double)(MIEN_IRIS_GAZE_V * gv));
        CHECK (fabsf (h1) < 1.0f && v1 > -e.open_up * 2 && v1 < e.open_low * 2,
               "w %g gaze (%g, %g): the iris stays inside the opening",
               (double)e.w, (double)gh, (double)gv);
        worst = fmaxf (worst, err_w);
        /* The old centre, where the iris left (a horizontal move of a full
         * gaze uncovers it): sclera, not iris. */
        if (fabsf (gh) == 1.0f && gv == 0.0f && e.w >= 40)
          {
            float x = iris.centre.x - 0.6f * iris.radius * gh * cosf (e.roll);
            float y = iris.centre.y - 0.6f * iris.radius * gh * sinf (e.roll);
            const float *p = mien_image_row (im, (int)y) + 3 * (int)x;
            float l = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
            worst_fill = fmaxf (worst_fill, fabsf (l - 0.86f));
            CHECK (fabsf (l - 0.86f) < 0.1f, "w %g gaze %g: the uncovered "
                   "sclera has luma %.2f", (double)e.w, (double)gh,
                   (double)l);
          }
        /* Outside the opening nothing changed (the lids stay). */
        float outside = 0.0f;
        for (int y = 0; y < im->height; y++)
          for (int x = 0; x < im->width; x++)
            {
              float dx = (float)x - truth.x, dy = (float)y - truth.y;
              if (hypotf (dx, dy) < 0.75f * e.w)
                {
                  /* near the eye: only check well above the upper lid */
                  float t = -dx * sinf (e.roll) + dy * cosf (e.roll);
                  if (t > -0.3f * e.w)
                    continue;
                }
              for (int k = 0; k < 3; k++)
                outside = fmaxf (outside,
                                 fabsf (mien_image_row (im, y)[3 * x + k]
                                        - mien_image_row (before, y)[3 * x + k]));
            }
        CHECK (outside == 0.0f, "w %g: pixels outside the opening changed "
               "(%g)", (double)e.w, (double)outside);
        mien_image_free (before);
        mien_image_free (im);
        n++;
      }
  printf ("gaze on synthetic eyes: %d moves, worst error %.3f of the eye's "
          "width (limit 0.10), uncovered sclera luma off by at most %.3f\n",
          n, (double)worst, (double)worst_fill);
  /* A shut eye: nothing to move, nothing written. */
  eye_spec closed = { 60, 0, 0.03f, 0.02f, 0, 0, 0.2f, 0, 0 };
  mien_point lm[MIEN_N_LANDMARKS], truth;
  mien_image *im = draw_eye (&closed, lm, &truth);
  mien_image *before = mien_image_copy (im, NULL);
  mien_iris iris;
  int moved = 1;
  mien_iris_find (im, lm, 0, &iris, NULL);
  CHECK (mien_iris_move (im, lm, 0, &iris, 1.0f, 0.0f, &moved, NULL)
             == MIEN_OK && moved == 0
             && memcmp (im->data, before->data,
                        sizeof (float) * mien_image_n_floats (im)) == 0,
         "gaze on a shut eye does nothing and says so (moved = 0)");
  mien_image_free (before);
  mien_image_free (im);
}

/* The iris move is continuous in its inputs: the eye opening is a soft
 * mask (each pixel's coverage of the opening, a 1-pixel ramp), so a tiny
 * change of the gaze or of the eye's landmarks (the app and mien-render
 * carry them through the field with different float rounding) changes
 * every pixel a little, never one pixel by tens of levels. Swept: gaze_h
 * in 1000 steps of 1e-4, and the six eye landmarks with the iris shifted
 * from 0 to 1 pixel (down and right) in steps of 2e-3; on a 40-px
 * synthetic eye and on the astronaut's eyes; the largest change of any
 * pixel between neighbouring steps, in 8-bit levels, at most 2. With the
 * hard mask (before): 115 levels. */
static float
sweep (const mien_image *im, const mien_point *lm, int side,
       const mien_iris *iris, float gh0, float gv0, int what)
{
  int e0 = side ? 42 : 36;
  float w = hypotf (lm[e0 + 3].x - lm[e0].x, lm[e0 + 3].y - lm[e0].y);
  int x0 = (int)fmaxf (lm[e0].x - w, 0.0f);
  int x1 = (int)fminf (lm[e0 + 3].x + w, (float)im->width - 1);
  int y0 = (int)fmaxf (lm[e0].y - w, 0.0f);
  int y1 = (int)fminf (lm[e0].y + w, (float)im->height - 1);
  mien_image *cur = mien_image_copy (im, NULL);
  float *prev = malloc (sizeof (float) * 3 * (size_t)(x1 - x0 + 1)
                        * (size_t)(y1 - y0 + 1));
  int n = what == 0 ? 1000 : 500;
  float worst = 0.0f;
  for (int i = 0; i <= n && prev; i++)
    {
      mien_point l2[MIEN_N_LANDMARKS];
      memcpy (l2, lm, sizeof l2);
      mien_iris it = *iris;
      float gh = gh0, gv = gv0;
      if (what == 0)
        gh = gh0 + 1e-4f * (float)i;
      else
        {
          /* The landmarks and the iris carried together, as the animator
           * carries them through the field. */
          for (int k = e0; k < e0 + 6; k++)
            l2[k].x += 2e-3f * (float)i, l2[k].y += 2e-3f * (float)i;
          it.centre.x += 2e-3f * (float)i, it.centre.y += 2e-3f * (float)i;
        }
      mien_iris_move (cur, l2, side, &it, gh, gv, NULL, NULL);
      float *q = prev;
      for (int y = y0; y <= y1; y++)
        {
          float *row = mien_image_row (cur, y) + 3 * x0;
          const float *orig = mien_image_row (im, y) + 3 * x0;
          for (int j = 0; j < 3 * (x1 - x0 + 1); j++, q++)
            {
              if (i > 0)
                worst = fmaxf (worst, fabsf (row[j] - *q));
              *q = row[j];
              row[j] = orig[j]; /* the photo again for the next step */
            }
        }
    }
  free (prev);
  mien_image_free (cur);
  return 255.0f * worst;
}

static void
test_continuity (void)
{
  eye_spec e = { 40, 0.1f, 0.16f, 0.14f, 0, 0, 0.2f, 0, 0 };
  mien_point lm[MIEN_N_LANDMARKS], truth;
  mien_image *im = draw_eye (&e, lm, &truth);
  mien_iris iris;
  mien_iris_find (im, lm, 0, &iris, NULL);
  CHECK (iris.status == MIEN_IRIS_FOUND, "sweep: the iris is found");
  float gaze_step = sweep (im, lm, 0, &iris, 0.3f, 0.0f, 0);
  float lm_step = sweep (im, lm, 0, &iris, 0.7f, -0.4f, 1);
  mien_image_free (im);
  printf ("iris move on a synthetic 40-px eye, largest change of a pixel "
          "between neighbouring steps: %.2f levels for gaze_h steps of "
          "1e-4, %.2f levels for landmark steps of 2e-3 px\n",
          (double)gaze_step, (double)lm_step);
  CHECK (gaze_step <= 2.0f, "gaze step of 1e-4: a pixel changed by %.1f "
         "levels", (double)gaze_step);
  CHECK (lm_step <= 2.0f, "landmark step of 2e-3 px: a pixel changed by "
         "%.1f levels", (double)lm_step);
  /* The astronaut's eyes (16 px), as the app moves them. */
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  char path[4096];
  snprintf (path, sizeof path, "%s/data/samples/astronaut.png",
            root ? root : ".");
  mien_image *photo = NULL;
  FILE *f = fopen (path, "rb");
  if (f)
    {
      fclose (f);
      photo = mien_image_load (path, NULL);
    }
  mien_landmark_file lf;
  snprintf (path, sizeof path, "%s/tests/data/landmarks/astronaut.json",
            root ? root : ".");
  if (!photo || mien_landmark_file_load (path, &lf, NULL) != MIEN_OK)
    {
      printf ("astronaut missing: the real-eye sweep is skipped\n");
      mien_image_free (photo);
      return;
    }
  for (int side = 0; side < 2; side++)
    {
      mien_iris_find (photo, lf.faces[0].landmarks, side, &iris, NULL);
      if (iris.status != MIEN_IRIS_FOUND)
        continue;
      gaze_step = sweep (photo, lf.faces[0].landmarks, side, &iris, 0.9f,
                         0.0f, 0);
      lm_step = sweep (photo, lf.faces[0].landmarks, side, &iris, 1.0f,
                       -0.5f, 1);
      printf ("iris move on the astronaut's %s eye: %.2f levels for gaze_h "
              "steps of 1e-4, %.2f for landmark steps of 2e-3 px\n",
              side ? "left" : "right", (double)gaze_step, (double)lm_step);
      CHECK (gaze_step <= 2.0f && lm_step <= 2.0f, "astronaut side %d: a "
             "pixel changed by %.1f / %.1f levels", side, (double)gaze_step,
             (double)lm_step);
    }
  mien_landmark_file_clear (&lf);
  mien_image_free (photo);
}

/* Gaze on a real eye: a crop of 2 eye widths around it, the iris moved
 * by mien_iris_move and found again. Returns how many of the 8 moves
 * (gaze_h, gaze_v = ±0.5, ±1) land within 10 % of the width and inside
 * the opening; *tile (may be NULL) gets the crop at 1:1 for gaze_h -1, 0,
 * +1 side by side. */
static int
real_gaze (const mien_image *photo, const mien_point *lm, int side,
           mien_image **tile)
{
  int e0 = side ? 42 : 36;
  float w = hypotf (lm[e0 + 3].x - lm[e0].x, lm[e0 + 3].y - lm[e0].y);
  float cx = 0.5f * (lm[e0].x + lm[e0 + 3].x);
  float cy = 0.5f * (lm[e0].y + lm[e0 + 3].y);
  int half = (int)ceilf (w);
  int x0 = (int)cx - half, y0 = (int)cy - half / 2 - 2;
  int cw = 2 * half, ch = half + 4;
  if (x0 < 0 || y0 < 0 || x0 + cw > photo->width || y0 + ch > photo->height)
    return -1;
  mien_point local[MIEN_N_LANDMARKS];
  for (int k = 0; k < MIEN_N_LANDMARKS; k++)
    local[k] = (mien_point){ lm[k].x - (float)x0, lm[k].y - (float)y0 };
  mien_image *crop = mien_image_new (cw, ch, 3, NULL);
  for (int y = 0; y < ch; y++)
    memcpy (mien_image_row (crop, y),
            mien_image_row (photo, y0 + y) + 3 * x0, sizeof (float) * 3 * cw);
  mien_iris iris;
  mien_iris_find (crop, local, side, &iris, NULL);
  if (iris.status != MIEN_IRIS_FOUND)
    {
      mien_image_free (crop);
      return -1;
    }
  const float g[8][2] = { { -1, 0 }, { -0.5f, 0 }, { 0.5f, 0 }, { 1, 0 },
                          { 0, -1 }, { 0, -0.5f }, { 0, 0.5f }, { 0, 1 } };
  int ok = 0;
  if (tile)
    *tile = mien_image_new (3 * cw, ch, 3, NULL);
  for (int k = 0; k < 8; k++)
    {
      mien_image *m = mien_image_copy (crop, NULL);
      mien_iris_move (m, local, side, &iris, g[k][0], g[k][1], NULL, NULL);
      mien_iris again;
      mien_iris_find (m, local, side, &again, NULL);
      float h0, v0, h1, v1;
      mien_iris_offset (&iris, &h0, &v0);
      mien_iris_offset (&again, &h1, &v1);
      float e = hypotf (0.5f * (h1 - h0) - MIEN_IRIS_GAZE_H * g[k][0],
                        0.5f * (v1 - v0) - MIEN_IRIS_GAZE_V * g[k][1]);
      ok += again.status == MIEN_IRIS_FOUND && e < 0.1f && fabsf (h1) < 1.0f;
      int col = k == 0 ? 0 : k == 3 ? 2 : -1;
      if (tile && *tile && col >= 0)
        for (int y = 0; y < ch; y++)
          memcpy (mien_image_row (*tile, y) + 3 * col * cw,
                  mien_image_row (m, y), sizeof (float) * 3 * cw);
      mien_image_free (m);
    }
  if (tile && *tile)
    for (int y = 0; y < ch; y++)
      memcpy (mien_image_row (*tile, y) + 3 * cw, mien_image_row (crop, y),
              sizeof (float) * 3 * cw);
  mien_image_free (crop);
  return ok;
}

/* JSON lines for the OpenCV comparison. */
static void
dump_samples (const char *out_path)
{
  const char *sheet_dir = getenv ("MIEN_IRIS_GAZE_TILES");
  int n_eyes = 0, n_moves_ok = 0;
  static const char *const stems[] = { "astronaut", "sample1", "sample2",
                                       "sample3", "sample4", "sample5",
                                       "sample6" };
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  root = root ? root : ".";
  FILE *out = fopen (out_path, "w");
  CHECK (out != NULL, "cannot write %s", out_path);
  if (!out)
    return;
  for (int s = 0; s < 7; s++)
    {
      char path[4096];
      mien_error err = { 0 };
      mien_image *photo = NULL;
      for (int k = 0; k < 2 && !photo; k++)
        {
          snprintf (path, sizeof path, "%s/data/samples/%s.%s", root,
                    stems[s], k ? "jpg" : "png");
          FILE *f = fopen (path, "rb");
          if (f)
            {
              fclose (f);
              photo = mien_image_load (path, &err);
            }
        }
      if (!photo)
        continue;
      mien_landmark_file lf;
      snprintf (path, sizeof path, "%s/tests/data/landmarks/%s.json", root,
                stems[s]);
      if (mien_landmark_file_load (path, &lf, &err) == MIEN_OK)
        {
          for (int fi = 0; fi < lf.n_faces; fi++)
            for (int side = 0; side < 2; side++)
              {
                mien_iris iris;
                mien_iris_find (photo, lf.faces[fi].landmarks, side, &iris,
                                &err);
                const mien_point *lm = lf.faces[fi].landmarks;
                int e0 = side ? 42 : 36;
                fprintf (out, "{\"photo\": \"%s\", \"face\": %d, \"side\": %d, "
                         "\"status\": \"%s\", \"cx\": %.2f, \"cy\": %.2f, "
                         "\"r\": %.2f, \"eye_width\": %.2f, "
                         "\"openness\": %.3f, \"edge\": %.3f, "
                         "\"eye\": [", stems[s], fi, side,
                         mien_iris_status_to_string (iris.status),
                         (double)iris.centre.x, (double)iris.centre.y,
                         (double)iris.radius, (double)iris.eye_width,
                         (double)iris.openness, (double)iris.edge);
                for (int k = 0; k < 6; k++)
                  fprintf (out, "%s[%.2f, %.2f]", k ? ", " : "",
                           (double)lm[e0 + k].x, (double)lm[e0 + k].y);
                fprintf (out, "]}\n");
                mien_image *tile = NULL;
                int ok = real_gaze (photo, lm, side, sheet_dir ? &tile : NULL);
                if (ok >= 0)
                  {
                    n_eyes++;
                    n_moves_ok += ok;
                    printf ("%s/%d eye %d: %d of 8 gaze moves within 10 %%\n",
                            stems[s], fi, side, ok);
                  }
                if (tile)
                  {
                    char tp[4200];
                    snprintf (tp, sizeof tp, "%s/%s-%d-%d.png", sheet_dir,
                              stems[s], fi, side);
                    mien_image_save (tile, tp, NULL);
                    mien_image_free (tile);
                  }
              }
          mien_landmark_file_clear (&lf);
        }
      mien_image_free (photo);
    }
  fclose (out);
  printf ("gaze on the sample eyes with an iris found: %d of %d moves within "
          "10 %% of the width and inside the opening (%d eyes)\n", n_moves_ok,
          8 * n_eyes, n_eyes);
}

int
main (void)
{
  test_synthetic ();
  test_bad_input ();
  test_gaze ();
  test_continuity ();
  const char *dump = getenv ("MIEN_IRIS_DUMP");
  if (dump)
    dump_samples (dump);
  return mien_test_exit_code ();
}
