/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The animator's frame bookkeeping (engine/mien-animator.h), on the
 * astronaut's landmarks (fixture) and a noise photo of its size:
 *  - mien_animator_get_output holds the F, O^w and O^r of the frame rendered
 *    last: bit for bit what the rig gives for that vector, in the full-frame
 *    and the crop-only path;
 *  - mien_animator_paste covers the whole crop with the image given and
 *    nothing outside it, and a render after it puts the photo back where
 *    the paste was before pasting its own region;
 *  - mien_animator_restore leaves the photo itself, bit for bit, after a
 *    render and after a paste;
 *  - a paste of the wrong size, and a frame of the wrong shape, are
 *    refused;
 *  - ResWarp only where a change is near gives the crop of ResWarp over
 *    the whole crop, bit for bit;
 *  - frames in a row leave the crop in each one's rectangle and the photo
 *    elsewhere;
 *  - mien_animator_kth_smallest is qsort's k-th value. */
#include "mien-animator-private.h"
#include "mien-animator.h"
#include "mien-rig.h"
#include "mien-test-image.h"

/* Whether frame is `inside` within r and the photo everywhere else. */
static int
frame_is (const mien_image *frame, const mien_image *photo,
          const mien_image *inside, const mien_rect *r)
{
  for (int y = 0; y < frame->height; y++)
    for (int x = 0; x < frame->width; x++)
      for (int c = 0; c < frame->channels; c++)
        {
          int in = x >= r->x && x < r->x + r->width && y >= r->y
                   && y < r->y + r->height;
          float want = in ? mien_image_row (inside, y - r->y)
                                [(size_t)(x - r->x) * inside->channels + c]
                          : mien_image_row (photo, y)
                                [(size_t)x * photo->channels + c];
          if (mien_image_row (frame, y)[(size_t)x * frame->channels + c]
              != want)
            return 0;
        }
  return 1;
}

static void
test_output (mien_animator *anim, mien_generator *rig, mien_image *frame)
{
  mien_error err = { 0 };
  mien_driving c;
  mien_driving_init (&c);
  mien_driving_add_preset (&c, MIEN_PRESET_SURPRISED, 1.0f);
  const mien_image *low = mien_animator_get_low (anim);
  mien_generator_output want = { 0 };
  mien_animator_prepare_generator (anim, rig);
  CHECK (mien_generator_output_init (&want, low->width, low->height,
                                     low->channels, &err) == MIEN_OK,
         "%s", err.message);
  CHECK (mien_generator_generate (rig, low, &c,
                                  mien_animator_get_grid_landmarks (anim),
                                  &want, NULL, &err) == MIEN_OK,
         "%s", err.message);
  for (int path = 0; path < 2; path++)
    {
      const mien_image *crop = NULL;
      mien_status st
          = path ? mien_animator_render_crop (anim, rig, &c, &crop, NULL, &err)
                 : mien_animator_render (anim, rig, &c, frame, NULL, &err);
      CHECK (st == MIEN_OK, "%s", err.message);
      const mien_generator_output *g = mien_animator_get_output (anim);
      CHECK (mien_test_images_equal (g->field, want.field)
                 && mien_test_images_equal (g->warped, want.warped)
                 && mien_test_images_equal (g->refined, want.refined),
             "%s: the output is the rig's for the vector rendered",
             path ? "crop only" : "full frame");
    }
  mien_generator_output_clear (&want);
}

/* ResWarp runs only around the cells near a change (changed_bounds in
 * engine/mien-animator.c) and the photo is laid everywhere else: the crop
 * must be bit for bit what ResWarp over the whole crop gives
 * (MIEN_ANIMATOR_WHOLE_CROP=1), for expressions that change a band, a
 * corner or most of the face, through render_crop and a preview region.
 * Each comparison follows a different frame, so that a pixel the region
 * missed would still hold that frame's value. */
static void
test_changed_region (mien_animator *anim, mien_generator *rig)
{
  mien_error err = { 0 };
  const mien_rect *cr = mien_animator_get_crop (anim);
  static const char *cases[] = { "12=5", "26=5,25=5", "1=5,2=5", "45=5",
                                 "4=5,15=5", "surprised" };
  const int n = sizeof cases / sizeof cases[0];
  for (int i = 0; i < n; i++)
    {
      mien_driving c, other;
      mien_driving_init (&c);
      mien_driving_init (&other);
      if (strcmp (cases[i], "surprised") == 0)
        mien_driving_add_preset (&c, MIEN_PRESET_SURPRISED, 1.0f);
      else
        CHECK (mien_driving_parse (&c, cases[i], &err) == MIEN_OK, "%s",
               err.message);
      mien_driving_add_preset (&other, i % 2 ? MIEN_PRESET_ANGRY
                                             : MIEN_PRESET_HAPPY, 1.0f);
      mien_image *got[2] = { NULL, NULL };
      for (int whole = 0; whole < 2; whole++)
        {
          if (whole)
            setenv ("MIEN_ANIMATOR_WHOLE_CROP", "1", 1);
          const mien_image *crop = NULL;
          CHECK (mien_animator_render_crop (anim, rig, &other, NULL, NULL,
                                            &err) == MIEN_OK
                     && mien_animator_render_crop (anim, rig, &c, &crop, NULL,
                                                   &err) == MIEN_OK,
                 "%s", err.message);
          got[whole] = crop ? mien_image_copy (crop, &err) : NULL;
          unsetenv ("MIEN_ANIMATOR_WHOLE_CROP");
        }
      CHECK (got[0] && got[1] && mien_test_images_equal (got[0], got[1]),
             "%s: the crop from ResWarp where it changed equals ResWarp over "
             "the whole %d×%d crop", cases[i], cr->width, cr->height);
      /* The same through a preview region of level 0. */
      mien_rect r = { cr->width / 5, cr->height / 3, cr->width / 2,
                      cr->height / 2 };
      for (int whole = 0; whole < 2; whole++)
        {
          if (whole)
            setenv ("MIEN_ANIMATOR_WHOLE_CROP", "1", 1);
          const mien_image *out = NULL;
          CHECK (mien_animator_render_preview (anim, rig, &other, 0, NULL, NULL,
                                             &err) == MIEN_OK
                     && mien_animator_render_preview (anim, rig, &c, 0, &r,
                                                    &out, &err) == MIEN_OK,
                 "%s", err.message);
          mien_image_free (got[whole]);
          got[whole] = out ? mien_image_crop (out, r.x, r.y, r.width,
                                              r.height, &err)
                           : NULL;
          unsetenv ("MIEN_ANIMATOR_WHOLE_CROP");
        }
      CHECK (got[0] && got[1] && mien_test_images_equal (got[0], got[1]),
             "%s: a preview region likewise", cases[i]);
      mien_image_free (got[0]);
      mien_image_free (got[1]);
    }
}

/* Frames in a row whose changed rectangles grow, shrink, move and vanish:
 * after each, the frame is the crop inside the rectangle pasted and the
 * photo everywhere else (paste restores the last rectangle only where the
 * new one does not cover it). */
static void
test_render_sequence (mien_animator *anim, mien_generator *rig,
                      const mien_image *photo, mien_image *frame)
{
  mien_error err = { 0 };
  const mien_rect *cr = mien_animator_get_crop (anim);
  static const char *steps[] = { "12=5", "1=5,2=5", "26=5,25=5", "0=0",
                                 "45=5", "surprised", "4=5", "12=2" };
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
    {
      mien_driving c;
      mien_driving_init (&c);
      if (strcmp (steps[i], "surprised") == 0)
        mien_driving_add_preset (&c, MIEN_PRESET_SURPRISED, 1.0f);
      else if (strcmp (steps[i], "0=0") != 0)
        CHECK (mien_driving_parse (&c, steps[i], &err) == MIEN_OK, "%s",
               err.message);
      mien_rect r;
      CHECK (mien_animator_render (anim, rig, &c, frame, &r, &err) == MIEN_OK,
             "%s", err.message);
      const mien_image *crop = NULL;
      mien_animator_render_crop (anim, rig, &c, &crop, NULL, &err);
      mien_image *part = r.width > 0
                             ? mien_image_crop (crop, r.x - cr->x,
                                                r.y - cr->y, r.width,
                                                r.height, &err)
                             : NULL;
      CHECK ((r.width == 0 || part) && frame_is (frame, photo, part ? part
                                                                : photo,
                                                 &r),
             "step %zu (%s): the crop in its %d×%d rectangle, the photo "
             "elsewhere", i, steps[i], r.width, r.height);
      mien_image_free (part);
    }
}

/* mien_animator_kth_smallest against qsort: random values with many
 * repeats, sorted, reversed and constant arrays, every k of small ones. */
static void
test_kth_smallest (void)
{
  unsigned state = 12345u;
  int wrong = 0, cases = 0;
  for (size_t n = 1; n <= 300; n += (n < 40 ? 1 : 37))
    for (int kind = 0; kind < 4; kind++)
      {
        float *v = malloc (n * sizeof *v), *sorted = malloc (n * sizeof *v);
        float *work = malloc (n * sizeof *v);
        for (size_t i = 0; i < n; i++)
          {
            state = state * 1664525u + 1013904223u;
            v[i] = kind == 0   ? (float)(state >> 24 & 15) * 0.25f
                   : kind == 1 ? (float)i
                   : kind == 2 ? (float)(n - i)
                               : 3.0f;
          }
        memcpy (sorted, v, n * sizeof *v);
        qsort (sorted, n, sizeof *v, mien_animator_cmp_float);
        for (size_t k = 0; k < n; k += (n < 40 ? 1 : 7))
          {
            memcpy (work, v, n * sizeof *v);
            wrong += mien_animator_kth_smallest (work, n, k) != sorted[k];
            cases++;
          }
        free (v), free (sorted), free (work);
      }
  CHECK (wrong == 0, "kth smallest: %d of %d wrong", wrong, cases);
}

static void
test_paste_restore (mien_animator *anim, mien_generator *rig,
                    const mien_image *photo, mien_image *frame)
{
  mien_error err = { 0 };
  const mien_rect *cr = mien_animator_get_crop (anim);
  mien_driving c;
  mien_driving_init (&c);
  mien_driving_add_preset (&c, MIEN_PRESET_HAPPY, 1.0f);
  mien_rect r;
  CHECK (mien_animator_render (anim, rig, &c, frame, &r, &err) == MIEN_OK,
         "%s", err.message);
  CHECK (r.width > 0 && r.height > 0 && !mien_test_images_equal (frame, photo),
         "the happy frame changes the photo");
  CHECK (mien_animator_restore (anim, frame, &err) == MIEN_OK, "%s",
         err.message);
  CHECK (mien_test_images_equal (frame, photo), "restore after a render: the photo");

  /* A crop-sized patch of 0.25 pasted over the whole crop. */
  mien_image *patch = mien_image_new (cr->width, cr->height, photo->channels,
                                      &err);
  for (size_t i = 0; i < mien_image_n_floats (patch); i++)
    patch->data[i] = 0.25f;
  CHECK (mien_animator_paste (anim, patch, frame, &r, &err) == MIEN_OK, "%s",
         err.message);
  CHECK (r.x == cr->x && r.y == cr->y && r.width == cr->width
             && r.height == cr->height, "the paste covers the crop");
  CHECK (frame_is (frame, photo, patch, cr),
         "the patch inside the crop, the photo outside");
  /* A render replaces the whole patch: photo where it does not paste. */
  CHECK (mien_animator_render (anim, rig, &c, frame, &r, &err) == MIEN_OK,
         "%s", err.message);
  const mien_image *crop = NULL;
  mien_animator_render_crop (anim, rig, &c, &crop, NULL, &err);
  mien_image *part = mien_image_crop (crop, r.x - cr->x, r.y - cr->y,
                                      r.width, r.height, &err);
  CHECK (part && r.width < cr->width && frame_is (frame, photo, part, &r),
         "after the paste a render leaves only its own region (%d×%d of "
         "%d×%d)", r.width, r.height, cr->width, cr->height);
  mien_image_free (part);
  CHECK (mien_animator_paste (anim, patch, frame, NULL, &err) == MIEN_OK
             && mien_animator_restore (anim, frame, &err) == MIEN_OK,
         "%s", err.message);
  CHECK (mien_test_images_equal (frame, photo), "restore after a paste: the photo");

  /* Refusals. */
  mien_image *small = mien_image_new (cr->width - 1, cr->height,
                                      photo->channels, &err);
  CHECK (mien_animator_paste (anim, small, frame, NULL, &err)
             == MIEN_ERR_INVALID, "a paste of the wrong size is refused");
  CHECK (mien_animator_restore (anim, small, &err) == MIEN_ERR_INVALID,
         "a frame of the wrong shape is refused");
  CHECK (mien_test_images_equal (frame, photo), "refusals leave the frame as it was");
  mien_image_free (small);
  mien_image_free (patch);
}

int
main (void)
{
  mien_error err = { 0 };
  test_kth_smallest ();
  mien_landmark_file lm = { 0 };
  mien_image *photo = mien_test_fixture_photo (&lm);
  if (!photo)
    {
      mien_landmark_file_clear (&lm);
      return mien_test_exit_code ();
    }
  mien_generator *rig = mien_rig_new (&err);
  mien_image *frame = mien_image_copy (photo, &err);
  for (int mode = 0; mode < 2; mode++)
    {
      mien_animator *anim = mien_animator_new (photo, &lm.faces[0],
                                               (mien_reswarp_mode)mode, NULL,
                                               &err);
      CHECK (anim != NULL, "%s", err.message);
      if (!anim)
        continue;
      test_output (anim, rig, frame);
      test_changed_region (anim, rig);
      test_render_sequence (anim, rig, photo, frame);
      CHECK (mien_animator_restore (anim, frame, &err) == MIEN_OK, "%s",
             err.message);
      test_paste_restore (anim, rig, photo, frame);
      mien_animator_free (anim);
    }
  mien_image_free (frame);
  mien_generator_free (rig);
  mien_image_free (photo);
  mien_landmark_file_clear (&lm);
  return mien_test_exit_code ();
}
