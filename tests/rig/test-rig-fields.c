/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Field quality on every face of the demo photos (landmark fixtures in
 * tests/data/landmarks): for every driving channel at its extremes, every
 * preset at full intensity and out-of-range input,
 *   - the corner Jacobian determinant of x → x + F(x) is > 0 (no folds; see
 *     mien-field.h for why the corner check is a proof for the up-sampled
 *     field),
 *   - F is exactly 0 on the outer MIEN_RIG_ZERO_RING pixels,
 *   - F, O^w, O^r are finite,
 * and for every preset a full-resolution frame: everything outside the
 * pasted rectangle (which lies inside the crop) is bit-identical to the
 * photo, and ResWarp's own crop agrees with the photo there to float
 * rounding (the field really vanishes at the border, so paste-back is
 * seamless).
 * Photos come from data/samples when present (scripts/setup.sh); otherwise a
 * noise photo of the recorded size stands in, which tests the same
 * properties. Prints the worst numbers for docs/QUALITY.md. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "io/mien-image-io.h"
#include "io/mien-landmarks-io.h"
#include "mien-animator.h"
#include "mien-field.h"
#include "mien-rig.h"
#include "mien-test-image.h"
#include "mien-test-matte.h"
#include "mien-test.h"

static const char *const stems[] = { "astronaut", "sample1", "sample2",
                                     "sample3", "sample4", "sample5",
                                     "sample6" };

typedef struct worst {
  float min_jacobian, border_max, outside_diff, ring_reswarp_diff;
  int cases, frames, faces, guarded;
} worst;

static mien_image *
load_photo (const char *root, const char *stem, int w, int h, int *real)
{
  mien_image *img = mien_test_sample_photo (root, stem);
  *real = img != NULL;
  if (img)
    return img;
  mien_error err = { 0 };
  printf ("%s: photo not found, using noise %d×%d\n", stem, w, h);
  img = mien_image_new (w, h, 3, &err);
  for (size_t i = 0; img && i < mien_image_n_floats (img); i++)
    img->data[i] = mien_test_uniform (0.0f, 1.0f);
  return img;
}

static void
check_generated (const char *what, const mien_generator *gen,
                 const mien_generator_output *g, worst *w)
{
  mien_rig_stats rs;
  if (mien_rig_get_stats (gen, &rs) && rs.fold_alpha < 1.0f)
    {
      printf ("fold guard scaled %s by %.3f\n", what, (double)rs.fold_alpha);
      w->guarded++;
    }
  float j = mien_field_min_jacobian (g->field);
  float b = mien_field_border_max (g->field, MIEN_RIG_ZERO_RING);
  CHECK (j > 0.0f, "%s: fold, min Jacobian %g", what, (double)j);
  CHECK (b == 0.0f, "%s: |F| = %g on the border ring", what, (double)b);
  CHECK (mien_image_all_finite (g->field) && mien_image_all_finite (g->warped)
             && mien_image_all_finite (g->refined),
         "%s: non-finite output", what);
  w->min_jacobian = fminf (w->min_jacobian, j);
  w->border_max = fmaxf (w->border_max, b);
  w->cases++;
}

/* The driving vectors under test: each channel at both ends of its range,
 * each preset at 1, and hostile input. */
static int
make_case (int k, mien_driving *c, char *name, size_t size)
{
  mien_driving_init (c);
  if (k < 2 * MIEN_AU_N_CHANNELS)
    {
      int ch = k / 2;
      float v = k % 2 ? mien_au_channels[ch].max : mien_au_channels[ch].min;
      if (v == 0.0f)
        return 0; /* the min of an AU is neutral, tested once below */
      c->values[ch] = v;
      snprintf (name, size, "%s=%g", mien_au_channels[ch].name, (double)v);
      return 1;
    }
  k -= 2 * MIEN_AU_N_CHANNELS;
  if (k < MIEN_N_PRESETS)
    {
      mien_driving_add_preset (c, (mien_expression_preset)k, 1.0f);
      snprintf (name, size, "preset %s", mien_presets[k].name);
      return 1;
    }
  k -= MIEN_N_PRESETS;
  for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
    c->values[i] = k == 0 ? mien_au_channels[i].max
                   : k == 1 ? 100.0f
                   : k == 2 ? -50.0f
                            : NAN;
  snprintf (name, size, "%s", k == 0 ? "every channel at max"
                              : k == 1 ? "all 100" : k == 2 ? "all -50" : "all NaN");
  return k < 4 ? 1 : -1;
}

static void
check_frame (const char *what, mien_animator *anim, mien_generator *gen,
             const mien_driving *c, const mien_image *photo, mien_image *frame,
             worst *w)
{
  mien_error err = { 0 };
  mien_rect r;
  CHECK (mien_animator_render (anim, gen, c, frame, &r, &err) == MIEN_OK,
         "%s: %s", what, err.message);
  const mien_rect *cr = mien_animator_get_crop (anim);
  CHECK (r.width == 0 || (r.x >= cr->x && r.y >= cr->y
                          && r.x + r.width <= cr->x + cr->width
                          && r.y + r.height <= cr->y + cr->height),
         "%s: pasted outside the crop", what);
  const mien_image *hd = NULL;
  mien_animator_render_crop (anim, gen, c, &hd, NULL, &err);
  float outside = 0.0f, ring = 0.0f;
  for (int y = 0; y < photo->height; y++)
    for (int x = 0; x < photo->width; x++)
      {
        int in_r = x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
        if (in_r)
          continue;
        int in_crop = x >= cr->x && x < cr->x + cr->width && y >= cr->y
                      && y < cr->y + cr->height;
        for (int k = 0; k < 3; k++)
          {
            float p = mien_image_row (photo, y)[3 * x + k];
            outside = fmaxf (outside, fabsf (mien_image_row (frame, y)[3 * x + k] - p));
            if (in_crop)
              ring = fmaxf (ring, fabsf (mien_image_row (hd, y - cr->y)[3 * (x - cr->x) + k] - p));
          }
      }
  CHECK (outside == 0.0f, "%s: frame differs from the photo by %g outside the "
         "pasted rectangle", what, (double)outside);
  CHECK (ring < 1e-4f, "%s: ResWarp crop differs by %g where F = 0", what,
         (double)ring);
  w->outside_diff = fmaxf (w->outside_diff, outside);
  w->ring_reswarp_diff = fmaxf (w->ring_reswarp_diff, ring);
  w->frames++;
}

static void
test_face (const char *stem, int index, const mien_face *face,
           const mien_image *photo, mien_generator *gen, worst *w)
{
  mien_error err = { 0 };
  mien_animator *anim = mien_animator_new (photo, face, MIEN_RESWARP_MULTISCALE,
                                           NULL, &err);
  CHECK (anim != NULL, "%s face %d: %s", stem, index, err.message);
  if (!anim)
    return;
  /* The generator runs here without the animator: it gets the matte (the
   * head's region, as the app's faces have it) as the animator gives it. */
  mien_generator_set_head_matte (gen, mien_animator_get_grid_matte (anim),
                                 MIEN_LOW_RES, MIEN_LOW_RES);
  mien_image *frame = mien_image_copy (photo, &err);
  mien_generator_output g;
  mien_generator_output_init (&g, MIEN_LOW_RES, MIEN_LOW_RES, 3, &err);
  char name[64], what[160];
  mien_driving c;
  int rc;
  for (int k = 0; (rc = make_case (k, &c, name, sizeof name)) >= 0; k++)
    {
      if (!rc)
        continue;
      snprintf (what, sizeof what, "%s face %d, %s", stem, index, name);
      CHECK (mien_generator_generate (gen, mien_animator_get_low (anim), &c,
                                      mien_animator_get_grid_landmarks (anim),
                                      &g, NULL, &err) == MIEN_OK,
             "%s: %s", what, err.message);
      check_generated (what, gen, &g, w);
      if (strncmp (name, "preset", 6) == 0 || strcmp (name, "all 100") == 0)
        check_frame (what, anim, gen, &c, photo, frame, w);
    }
  w->faces++;
  mien_generator_output_clear (&g);
  mien_image_free (frame);
  mien_animator_free (anim);
}

int
main (void)
{
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  root = root ? root : ".";
  mien_error err = { 0 };
  mien_generator *gen = mien_rig_new (&err);
  worst w = { FLT_MAX, 0, 0, 0, 0, 0, 0, 0 };
  mien_face_analyzer *fa = mien_test_matte_analyzer (root);
  int mattes = 0;
  for (size_t s = 0; s < sizeof stems / sizeof *stems; s++)
    {
      char path[4096];
      snprintf (path, sizeof path, "%s/tests/data/landmarks/%s.json", root, stems[s]);
      mien_landmark_file lf;
      CHECK (mien_landmark_file_load (path, &lf, &err) == MIEN_OK, "%s", err.message);
      int real = 0;
      mien_image *photo = load_photo (root, stems[s], lf.width, lf.height,
                                      &real);
      CHECK (photo && photo->width == lf.width && photo->height == lf.height,
             "%s: photo missing or of the wrong size", stems[s]);
      /* Not on a noise photo: it has no person. */
      if (real)
        mattes += mien_test_fill_mattes (fa, photo, &lf);
      for (int i = 0; photo && i < lf.n_faces; i++)
        test_face (stems[s], i, &lf.faces[i], photo, gen, &w);
      mien_image_free (photo);
      mien_landmark_file_clear (&lf);
    }
  CHECK (w.faces == 23, "expected the 23 faces of the fixtures, got %d", w.faces);
  mien_face_analyzer_free (fa);
  printf ("%d faces (%d with the person matte), %d fields, %d full frames\n",
          w.faces, mattes, w.cases, w.frames);
  printf ("fold guard needed in %d of %d fields\n", w.guarded, w.cases);
  printf ("min corner Jacobian determinant: %.4f\n", (double)w.min_jacobian);
  printf ("max |F| on the %d-pixel border ring: %g\n", MIEN_RIG_ZERO_RING,
          (double)w.border_max);
  printf ("max |frame - photo| outside the pasted rectangle: %g\n",
          (double)w.outside_diff);
  printf ("max |ResWarp crop - photo| where unchanged: %g\n",
          (double)w.ring_reswarp_diff);
  mien_generator_free (gen);
  return mien_test_exit_code ();
}
