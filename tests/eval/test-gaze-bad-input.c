/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Issue #25's bad input for gaze, each with the answer tests/BAD-INPUT.md
 * ("Eyes and mouth shapes (issue #25)") documents:
 *
 * glare: a reflection of glasses painted over the astronaut's irises (a
 *   bright band across each iris, as a lens shows a window; added to the
 *   photo's light, 1 - (1 - p)(1 - 0.9 a)). A big one (a band 0.7 of the
 *   iris radius wide through the iris) makes the fit refuse the iris
 *   ("glare over the eye"); gaze then does nothing at all, bit for bit,
 *   and says so (the rig's field gaze would drag the reflection, which is
 *   on the lens, along with the eye). A small one (a spot of 5 % of the
 *   iris's area, like a catchlight) is taken as part of the iris: the iris
 *   is still found within 0.05 of the eye's width of where it is found
 *   without the spot, and gaze moves it (the spot with it, rigidly), and
 *   nothing outside the eyes changes.
 * small: sample6's face 2 (eyes 37-39 px in the photo; its gaze is right
 *   in test-gaze) cut out and area-downscaled so that its face box is 100,
 *   60, 40 and 30 px wide (eyes about 20, 12, 8 and 6 px). At every size,
 *   gaze ±1 either moves the irises (found; then only the eyes' boxes
 *   change, and at 100 px the iris found again on the result has moved
 *   the right way, and by the asked 0.25 · gaze_h (0.10 · gaze_v) of the
 *   eye's width within 0.10 in 6 or more of the 8 (eye, gaze) moves) or is refused with the note (the eye
 *   region moves instead, as the rig's field gaze, with no fold: the rig's
 *   min Jacobian > 0). Never a crash.
 * cli: the same through mien-render (argv[1]): the big-glare photo with
 *   gaze writes the same PNG, byte for byte, as without gaze and prints the
 *   note once; the 30-px face prints its note once and exits 0.
 * (Eyes shut in the photo: test-gaze's check_eyes_closed and gaze-cli.
 * A half-open mouth: test-visemes.)
 * Skips (77) without data/samples. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "face/mien-iris.h"
#include "io/mien-image-io.h"
#include "io/mien-landmarks-io.h"
#include "mien-animator.h"
#include "mien-resample.h"
#include "mien-rig.h"
#include "mien-test-image.h"
#include "mien-test.h"

static const char *root;
static const char *tool;
static char tmp_dir[256];

static mien_image *
load_photo (const char *stem, mien_landmark_file *lf)
{
  char path[4096];
  mien_image *photo = NULL;
  for (int k = 0; k < 2 && !photo; k++)
    {
      snprintf (path, sizeof path, "%s/data/samples/%s.%s", root, stem,
                k ? "jpg" : "png");
      if (access (path, R_OK) == 0)
        photo = mien_image_load (path, NULL);
    }
  if (!photo)
    return NULL;
  mien_error err = { 0 };
  snprintf (path, sizeof path, "%s/tests/data/landmarks/%s.json", root, stem);
  CHECK (mien_landmark_file_load (path, lf, &err) == MIEN_OK, "%s",
         err.message);
  return photo;
}

/* The photo and the frame with gaze c, rendered by a fresh animator; the
 * frame without gaze into *still (may be NULL). Returns the animator. */
static mien_animator *
render_pair (mien_generator *rig, const mien_image *photo,
             const mien_face *face, float gh, float gv, mien_image **still,
             mien_image **frame)
{
  mien_error err = { 0 };
  mien_animator *anim = mien_animator_new (photo, face, MIEN_RESWARP_VANILLA,
                                           NULL, &err);
  CHECK (anim != NULL, "animator: %s", err.message);
  *frame = NULL;
  if (still)
    *still = NULL;
  if (!anim)
    return NULL;
  mien_driving c;
  mien_driving_init (&c);
  if (still)
    {
      *still = mien_image_copy (photo, &err);
      CHECK (mien_animator_render (anim, rig, &c, *still, NULL, &err)
                 == MIEN_OK, "%s", err.message);
    }
  c.values[MIEN_GAZE_H] = gh;
  c.values[MIEN_GAZE_V] = gv;
  *frame = mien_image_copy (photo, &err);
  CHECK (*frame && mien_animator_render (anim, rig, &c, *frame, NULL, &err)
                       == MIEN_OK, "%s", err.message);
  return anim;
}

/* The largest change between a and b outside both eyes' boxes (the eye's
 * landmarks' box grown by the eye's width, as mien_iris_move may write). */
static float
change_outside_eyes (const mien_image *a, const mien_image *b,
                     const mien_point *lm)
{
  float worst = 0.0f;
  int nc = a->channels;
  for (int y = 0; y < a->height; y++)
    for (int x = 0; x < a->width; x++)
      {
        int inside = 0;
        for (int side = 0; side < 2 && !inside; side++)
          {
            int e0 = side ? 42 : 36;
            float w = hypotf (lm[e0 + 3].x - lm[e0].x,
                              lm[e0 + 3].y - lm[e0].y);
            float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
            for (int i = e0; i < e0 + 6; i++)
              x0 = fminf (x0, lm[i].x), x1 = fmaxf (x1, lm[i].x),
              y0 = fminf (y0, lm[i].y), y1 = fmaxf (y1, lm[i].y);
            inside = x >= x0 - w - 3 && x <= x1 + w + 3 && y >= y0 - w - 3
                     && y <= y1 + w + 3;
          }
        if (inside)
          continue;
        for (int ch = 0; ch < nc; ch++)
          worst = fmaxf (worst, fabsf (mien_image_row (a, y)[x * nc + ch]
                                       - mien_image_row (b, y)[x * nc + ch]));
      }
  return worst;
}

/* Adds a reflection over each eye's iris: a band (a capsule) of half-width
 * hw · r about the segment through the iris centre + (ox, oy) · r, tilted
 * 30° from the vertical, half-length hl · r; anti-aliased over a pixel. */
static void
paint_reflection (mien_image *im, const mien_iris iris[2], float ox, float oy,
                  float hw, float hl, float strength)
{
  const float dx = sinf (0.52f), dy = -cosf (0.52f);
  for (int side = 0; side < 2; side++)
    {
      float r = iris[side].radius;
      float cx = iris[side].centre.x + ox * r, cy = iris[side].centre.y + oy * r;
      int n = (int)ceilf ((hl + hw) * r) + 2;
      for (int y = (int)cy - n; y <= (int)cy + n; y++)
        for (int x = (int)cx - n; x <= (int)cx + n; x++)
          {
            if (x < 0 || y < 0 || x >= im->width || y >= im->height)
              continue;
            float px = (float)x - cx, py = (float)y - cy;
            float u = fminf (fmaxf (px * dx + py * dy, -hl * r), hl * r);
            float d = hypotf (px - u * dx, py - u * dy);
            float a = fminf (fmaxf (hw * r + 0.5f - d, 0.0f), 1.0f);
            float *p = mien_image_row (im, y) + (size_t)x * im->channels;
            for (int ch = 0; ch < 3; ch++)
              p[ch] = 1.0f - (1.0f - p[ch]) * (1.0f - strength * a);
          }
    }
}

/* Writes a landmark file of one face (C numbers: the program never sets
 * a locale). */
static int
write_landmarks (const char *path, const mien_image *photo,
                 const mien_face *face)
{
  FILE *f = fopen (path, "w");
  if (!f)
    return 0;
  fprintf (f, "{\"format\": \"mien-landmarks\", \"version\": 1, \"width\": "
           "%d, \"height\": %d, \"faces\": [{\"box\": [%.3f, %.3f, %.3f, "
           "%.3f], \"score\": 0.9, \"landmarks\": [", photo->width,
           photo->height, (double)face->box.x, (double)face->box.y,
           (double)face->box.width, (double)face->box.height);
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    fprintf (f, "%s[%.3f, %.3f]", i ? ", " : "",
             (double)face->landmarks[i].x, (double)face->landmarks[i].y);
  fprintf (f, "]}]}\n");
  return fclose (f) == 0;
}

/* mien-render PHOTO -L LM -q -o OUT [ARGS]; the exit status, stderr into
 * err_text. */
static int
run_tool (const char *photo, const char *lm, const char *out,
          const char *args, char *err_text, size_t n)
{
  char cmd[8192], err_path[512];
  snprintf (err_path, sizeof err_path, "%s/stderr.txt", tmp_dir);
  snprintf (cmd, sizeof cmd, "'%s' '%s' -L '%s' -q -o '%s' %s 2>'%s'", tool,
            photo, lm, out, args, err_path);
  int rc = system (cmd);
  err_text[0] = '\0';
  FILE *f = fopen (err_path, "r");
  if (f)
    {
      size_t got = fread (err_text, 1, n - 1, f);
      err_text[got] = '\0';
      fclose (f);
    }
  return rc == -1 ? -1 : WIFEXITED (rc) ? WEXITSTATUS (rc) : 128;
}

static int
count (const char *text, const char *what)
{
  int n = 0;
  for (const char *p = strstr (text, what); p; p = strstr (p + 1, what))
    n++;
  return n;
}

static int
files_equal (const char *a, const char *b)
{
  FILE *fa = fopen (a, "rb"), *fb = fopen (b, "rb");
  int same = fa && fb;
  while (same)
    {
      int ca = fgetc (fa), cb = fgetc (fb);
      same = ca == cb;
      if (ca == EOF || cb == EOF)
        break;
    }
  if (fa)
    fclose (fa);
  if (fb)
    fclose (fb);
  return same;
}

static void
check_glare (mien_generator *rig)
{
  mien_landmark_file lf;
  mien_image *photo = load_photo ("astronaut", &lf);
  if (!photo)
    return;
  const mien_face *face = &lf.faces[0];
  mien_iris clean[2];
  for (int s = 0; s < 2; s++)
    {
      mien_iris_find (photo, face->landmarks, s, &clean[s], NULL);
      CHECK (clean[s].status == MIEN_IRIS_FOUND, "astronaut eye %d: %s", s,
             mien_iris_status_to_string (clean[s].status));
    }
  if (clean[0].status != MIEN_IRIS_FOUND || clean[1].status != MIEN_IRIS_FOUND)
    {
      mien_image_free (photo);
      mien_landmark_file_clear (&lf);
      return;
    }
  for (int big = 2; big >= 0; big--)
    {
      mien_image *glare = mien_image_copy (photo, NULL);
      if (big == 2)
        paint_reflection (glare, clean, -0.15f, -0.1f, 0.35f, 1.6f, 0.97f);
      else if (big == 1)
        paint_reflection (glare, clean, -0.15f, -0.1f, 0.35f, 1.6f, 0.6f);
      else
        paint_reflection (glare, clean, 0.35f, -0.3f, 0.22f, 0.0f, 0.97f);
      mien_image *still, *frame;
      mien_animator *anim = render_pair (rig, glare, face, 1.0f, -0.5f,
                                         &still, &frame);
      if (!anim)
        continue;
      const char *note = mien_animator_get_gaze_note (anim);
      const mien_iris *i0 = mien_animator_get_iris (anim, 0);
      const mien_iris *i1 = mien_animator_get_iris (anim, 1);
      const char *dump = getenv ("MIEN_GAZE_BAD_DUMP");
      if (dump)
        {
          char dp[4096];
          snprintf (dp, sizeof dp, "%s/glare-%d-photo.png", dump, big);
          mien_image_save (glare, dp, NULL);
          snprintf (dp, sizeof dp, "%s/glare-%d-gaze.png", dump, big);
          mien_image_save (frame, dp, NULL);
        }
      float off[2];
      for (int s = 0; s < 2; s++)
        {
          const mien_iris *is = s ? i1 : i0;
          off[s] = is->status == MIEN_IRIS_FOUND
                       ? hypotf (is->centre.x - clean[s].centre.x,
                                 is->centre.y - clean[s].centre.y)
                             / clean[s].eye_width
                       : NAN;
        }
      float worst = 0.0f;
      for (size_t i = 0; i < mien_image_n_floats (frame); i++)
        worst = fmaxf (worst, fabsf (frame->data[i] - still->data[i]));
      float out = change_outside_eyes (frame, still, face->landmarks);
      printf ("glare, %s: irises %s / %s (found %.3f, %.3f of the width off "
              "the fit without it); gaze h +1 v -0.5 changes the frame by up "
              "to %.3f, outside the eyes' boxes %.3f; note: %s\n",
              big == 2   ? "a white band across the eyes"
              : big == 1 ? "a faint band (a veil)"
                         : "a white spot of 5 % of the iris",
              mien_iris_status_to_string (i0->status),
              mien_iris_status_to_string (i1->status), (double)off[0],
              (double)off[1], (double)worst, (double)out,
              note ? note : "(none)");
      /* Whatever the fit makes of it, gaze writes only in the eyes' boxes. */
      CHECK (out == 0.0f, "glare %d: outside the eyes changed by %g", big,
             (double)out);
      if (big == 1)
        {
          /* Not detected (under luma 0.92): recorded, not a promise. The
           * fit may take a disc beside the veil; gaze moves that disc
           * and the part of the veil inside it (BAD-INPUT.md). */
        }
      else if (big == 2)
        {
          CHECK (i0->status == MIEN_IRIS_GLARE && i1->status == MIEN_IRIS_GLARE,
                 "big reflection: %s / %s",
                 mien_iris_status_to_string (i0->status),
                 mien_iris_status_to_string (i1->status));
          CHECK (mien_test_images_equal (frame, still),
                 "big reflection: gaze changed the frame (by %g)",
                 (double)worst);
          CHECK (note && strstr (note, "gaze does nothing")
                     && strstr (note, "reflection"), "note: %s", note);
          /* A clip's field scaling asks for no gaze too. */
          CHECK (mien_animator_gaze_moves_irises (anim),
                 "big reflection: the clip's scaled field would keep gaze");
          if (tool)
            {
              char pp[512], lp[512], o0[512], o1[512], text[4096];
              snprintf (pp, sizeof pp, "%s/glare.png", tmp_dir);
              snprintf (lp, sizeof lp, "%s/glare.json", tmp_dir);
              snprintf (o0, sizeof o0, "%s/glare-still.png", tmp_dir);
              snprintf (o1, sizeof o1, "%s/glare-gaze.png", tmp_dir);
              mien_error err = { 0 };
              CHECK (mien_image_save (glare, pp, &err) == MIEN_OK, "%s",
                     err.message);
              CHECK (write_landmarks (lp, glare, face), "%s", lp);
              int rc0 = run_tool (pp, lp, o0, "", text, sizeof text);
              CHECK (rc0 == 0, "mien-render, glare, no gaze: %d %s", rc0,
                     text);
              int rc1 = run_tool (pp, lp, o1, "-a gaze_h=1,gaze_v=-0.5", text,
                                  sizeof text);
              printf ("mien-render on the glare photo, gaze: exit %d, %s", rc1,
                      text);
              CHECK (rc1 == 0 && files_equal (o0, o1),
                     "mien-render, glare: gaze changed the PNG (exit %d)",
                     rc1);
              CHECK (count (text, "warning: gaze does nothing: a reflection")
                         == 1 && count (text, "\n") == 1,
                     "mien-render, glare: one line of warning: %s", text);
            }
        }
      else
        {
          for (int s = 0; s < 2; s++)
            {
              const mien_iris *is = s ? i1 : i0;
              float d = hypotf (is->centre.x - clean[s].centre.x,
                                is->centre.y - clean[s].centre.y)
                        / clean[s].eye_width;
              CHECK (is->status == MIEN_IRIS_FOUND && d <= 0.05f,
                     "small reflection, eye %d: %s, %.3f of the width off", s,
                     mien_iris_status_to_string (is->status), (double)d);
            }
          CHECK (note == NULL, "small reflection: note %s", note);
          CHECK (!mien_test_images_equal (frame, still),
                 "small reflection: gaze did not move the irises");
        }
      mien_image_free (still);
      mien_image_free (frame);
      mien_image_free (glare);
      mien_animator_free (anim);
    }
  mien_image_free (photo);
  mien_landmark_file_clear (&lf);
}

/* A photo point to the downscaled cut-out (area sampling: pixel centres). */
static mien_point
to_small (mien_point p, float x0, float y0, float k)
{
  return (mien_point){ (p.x - x0 + 0.5f) * k - 0.5f,
                       (p.y - y0 + 0.5f) * k - 0.5f };
}

static void
check_small (mien_generator *rig)
{
  mien_landmark_file lf;
  mien_image *photo = load_photo ("sample6", &lf);
  if (!photo)
    {
      printf ("sample6 missing: small faces skipped\n");
      return;
    }
  CHECK (lf.n_faces > 2, "sample6: %d faces", lf.n_faces);
  if (lf.n_faces <= 2)
    {
      mien_image_free (photo);
      mien_landmark_file_clear (&lf);
      return;
    }
  const mien_face *big = &lf.faces[2];
  /* Cut out 3 face boxes around the face. */
  float bcx = big->box.x + 0.5f * big->box.width;
  float bcy = big->box.y + 0.5f * big->box.height;
  int cw = (int)(3.0f * big->box.width), chh = (int)(3.0f * big->box.height);
  int cx0 = (int)(bcx - 0.5f * (float)cw), cy0 = (int)(bcy - 0.5f * (float)chh);
  cx0 = cx0 < 0 ? 0 : cx0, cy0 = cy0 < 0 ? 0 : cy0;
  cw = cx0 + cw > photo->width ? photo->width - cx0 : cw;
  chh = cy0 + chh > photo->height ? photo->height - cy0 : chh;
  mien_image *cut = mien_image_new (cw, chh, photo->channels, NULL);
  for (int y = 0; y < chh; y++)
    memcpy (mien_image_row (cut, y),
            mien_image_row (photo, cy0 + y) + (size_t)cx0 * photo->channels,
            sizeof (float) * (size_t)cw * (size_t)photo->channels);
  const float widths[] = { 100, 60, 40, 30 };
  int n_100 = 0, n_100_ok = 0;
  for (int wi = 0; wi < 4; wi++)
    {
      float k = widths[wi] / big->box.width;
      mien_image *small = mien_image_new ((int)lroundf ((float)cw * k),
                                          (int)lroundf ((float)chh * k),
                                          photo->channels, NULL);
      mien_error err = { 0 };
      CHECK (mien_downsample_area (cut, small, NULL, &err) == MIEN_OK, "%s",
             err.message);
      /* The area downscale's true scale per axis. */
      float kx = (float)small->width / (float)cw;
      float ky = (float)small->height / (float)chh;
      mien_face face = *big;
      for (int i = 0; i < MIEN_N_LANDMARKS; i++)
        {
          mien_point p = to_small (big->landmarks[i], (float)cx0, (float)cy0,
                                   1.0f);
          face.landmarks[i] = (mien_point){ (p.x + 0.5f) * kx - 0.5f,
                                            (p.y + 0.5f) * ky - 0.5f };
        }
      face.box = (mien_box){ (big->box.x - (float)cx0) * kx,
                             (big->box.y - (float)cy0) * ky,
                             big->box.width * kx, big->box.height * ky };
      const float g[4][2] = { { 1, 0 }, { -1, 0 }, { 0, 1 }, { 0, -1 } };
      for (int gi = 0; gi < 4; gi++)
        {
          mien_image *still, *frame;
          mien_animator *anim = render_pair (rig, small, &face, g[gi][0],
                                             g[gi][1], &still, &frame);
          if (!anim)
            continue;
          const mien_iris *ir[2] = { mien_animator_get_iris (anim, 0),
                                     mien_animator_get_iris (anim, 1) };
          const char *note = mien_animator_get_gaze_note (anim);
          mien_rig_stats st = { 0 };
          CHECK (mien_rig_get_stats (rig, &st), "rig stats");
          int n_found = (ir[0]->status == MIEN_IRIS_FOUND)
                        + (ir[1]->status == MIEN_IRIS_FOUND);
          float out = change_outside_eyes (frame, still, face.landmarks);
          int changed = !mien_test_images_equal (frame, still);
          /* The iris found again on the result, inside the same (scaled)
           * landmarks: the frame's field is 0 where irises move. */
          float moved[2] = { NAN, NAN };
          for (int s = 0; s < 2 && n_found > 0; s++)
            {
              mien_iris again;
              mien_iris_find (frame, face.landmarks, s, &again, NULL);
              if (ir[s]->status != MIEN_IRIS_FOUND
                  || again.status != MIEN_IRIS_FOUND)
                continue;
              float h0, v0, h1, v1;
              mien_iris_offset (ir[s], &h0, &v0);
              mien_iris_offset (&again, &h1, &v1);
              moved[s] = g[gi][0] != 0.0f ? 0.5f * (h1 - h0)
                                          : 0.5f * (v1 - v0);
            }
          printf ("face %3.0f px (eyes %4.1f, %4.1f px), gaze (%+.0f, %+.0f): "
                  "irises %s / %s, moved %+.3f %+.3f of the width, min "
                  "Jacobian %.3f, outside the eyes %.3f; note: %s\n",
                  (double)face.box.width, (double)ir[0]->eye_width,
                  (double)ir[1]->eye_width, (double)g[gi][0],
                  (double)g[gi][1], mien_iris_status_to_string (ir[0]->status),
                  mien_iris_status_to_string (ir[1]->status),
                  (double)moved[0], (double)moved[1],
                  (double)st.min_jacobian, (double)out,
                  note ? note : "(none)");
          CHECK (st.min_jacobian > 0.0f, "face %g px: min Jacobian %g",
                 (double)widths[wi], (double)st.min_jacobian);
          CHECK (changed || (note && strstr (note, "does nothing")),
                 "face %g px, gaze (%g, %g): nothing changed and no note",
                 (double)widths[wi], (double)g[gi][0], (double)g[gi][1]);
          if (n_found == 2)
            CHECK (out == 0.0f, "face %g px: irises found, but outside the "
                   "eyes changed by %g", (double)widths[wi], (double)out);
          else
            CHECK (note != NULL, "face %g px: %d irises found and no note",
                   (double)widths[wi], n_found);
          if (n_found < 2)
            for (int s = 0; s < 2; s++)
              CHECK (ir[s]->status == MIEN_IRIS_FOUND
                         || strstr (note ? note : "",
                                    mien_iris_status_to_string (
                                        ir[s]->status)),
                     "face %g px: the note does not name the eye %d (%s)",
                     (double)widths[wi], s, note);
          if (widths[wi] == 100.0f)
            {
              CHECK (n_found == 2, "face 100 px: %d irises found", n_found);
              float asked = g[gi][0] != 0.0f ? MIEN_IRIS_GAZE_H * g[gi][0]
                                             : MIEN_IRIS_GAZE_V * g[gi][1];
              for (int s = 0; s < 2; s++)
                {
                  n_100 += 1;
                  n_100_ok += fabsf (moved[s] - asked) <= 0.10f;
                  CHECK (moved[s] * asked > 0.0f, "face 100 px, eye %d, gaze "
                         "(%g, %g): moved %.3f, asked %.3f", s,
                         (double)g[gi][0], (double)g[gi][1], (double)moved[s],
                         (double)asked);
                }
            }
          if (widths[wi] == 30.0f)
            CHECK (ir[0]->status == MIEN_IRIS_TOO_SMALL
                       && ir[1]->status == MIEN_IRIS_TOO_SMALL,
                   "face 30 px: %s / %s",
                   mien_iris_status_to_string (ir[0]->status),
                   mien_iris_status_to_string (ir[1]->status));
          if (widths[wi] == 30.0f && gi == 0 && tool)
            {
              char pp[512], lp[512], o1[512], text[4096];
              snprintf (pp, sizeof pp, "%s/small.png", tmp_dir);
              snprintf (lp, sizeof lp, "%s/small.json", tmp_dir);
              snprintf (o1, sizeof o1, "%s/small-gaze.png", tmp_dir);
              CHECK (mien_image_save (small, pp, &err) == MIEN_OK, "%s",
                     err.message);
              CHECK (write_landmarks (lp, small, &face), "%s", lp);
              int rc = run_tool (pp, lp, o1, "-a gaze_h=1", text,
                                 sizeof text);
              printf ("mien-render on the 30-px face, gaze: exit %d, %s", rc,
                      text);
              CHECK (rc == 0 && access (o1, R_OK) == 0,
                     "mien-render, 30-px face: exit %d", rc);
              CHECK (count (text, "warning: gaze found no iris") == 1
                         && count (text, "eye too small") == 2
                         && count (text, "\n") == 1,
                     "mien-render, 30-px face: one line of warning: %s", text);
            }
          mien_image_free (still);
          mien_image_free (frame);
          mien_animator_free (anim);
        }
      mien_image_free (small);
    }
  /* test-gaze's share for the full-size faces is 0.64; here 6 of 8. */
  printf ("face 100 px: %d of %d (eye, gaze) moves within 0.10 of the "
          "width, all the right way\n", n_100_ok, n_100);
  CHECK (n_100 == 8 && n_100_ok >= 6, "face 100 px: %d of %d moves within "
         "0.10 of the width", n_100_ok, n_100);
  mien_image_free (cut);
  mien_image_free (photo);
  mien_landmark_file_clear (&lf);
}

static void
remove_tmp (void)
{
  const char *names[] = { "glare.png", "glare.json", "glare-still.png",
                          "glare-gaze.png", "small.png", "small.json",
                          "small-gaze.png", "stderr.txt" };
  char path[512];
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    {
      snprintf (path, sizeof path, "%s/%s", tmp_dir, names[i]);
      unlink (path);
    }
  rmdir (tmp_dir);
}

int
main (int argc, char **argv)
{
  root = getenv ("MIEN_SOURCE_ROOT");
  root = root ? root : ".";
  tool = argc > 1 ? argv[1] : NULL;
  char probe[4096];
  snprintf (probe, sizeof probe, "%s/data/samples/astronaut.png", root);
  if (access (probe, R_OK) != 0)
    {
      printf ("SKIP: %s missing (scripts/setup.sh fetches it)\n", probe);
      return 77;
    }
  const char *t = getenv ("TMPDIR");
  snprintf (tmp_dir, sizeof tmp_dir, "%s/mien-gaze-bad-XXXXXX",
            t && *t ? t : "/tmp");
  if (!mkdtemp (tmp_dir))
    {
      fprintf (stderr, "mkdtemp: %s\n", strerror (errno));
      return 1;
    }
  mien_error err = { 0 };
  mien_generator *rig = mien_rig_new (&err);
  CHECK (rig != NULL, "%s", err.message);
  if (rig)
    {
      check_glare (rig);
      check_small (rig);
      mien_generator_free (rig);
    }
  remove_tmp ();
  return mien_test_exit_code ();
}
