/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The ResWarp backend table (engine/mien-reswarp-backend.h, issue #22):
 *  - every frame caller goes through the registry: with a recording backend
 *    installed first, mien_animator_new decomposes on it, and every
 *    mien_animator_render, mien_animator_render_crop and mien_clip_render
 *    frame runs on it, with results bit-identical to the CPU backend's;
 *  - the fallback rules: an unavailable backend is skipped; a device
 *    failure at creation falls through to the next backend (logged), any
 *    other error is returned without trying it; a device failure in a frame
 *    rebuilds on the next backend for that frame and every later one;
 *  - set_residual_fade reaches the backend that runs. */
#include <string.h>

#include "io/mien-landmarks-io.h"
#include "mien-animator.h"
#include "mien-clip.h"
#include "mien-reswarp-backend.h"
#include "mien-rig.h"
#include "mien-test-image.h"
#include "mien-test.h"

/* ---- a recording backend over the CPU one ---------------------------------- */

static struct {
  int creates, frames, destroys, fades, last_fade;
  int fail_create_with;  /* 0, or the status create returns */
  int fail_frame_at;     /* 1-based frame that fails, 0: none */
  int fail_frame_with;
  int unavailable;
} rec;

static const mien_reswarp_backend *cpu;

static int
rec_available (void)
{
  return !rec.unavailable;
}

static void *
rec_create (const mien_image *hd, int low_w, int low_h, mien_reswarp_mode mode,
            unsigned flags, mien_pool *pool, mien_error *err)
{
  rec.creates++;
  if (rec.fail_create_with)
    {
      mien_error_set (err, (mien_status)rec.fail_create_with,
                      "recording backend: refused (status %d)",
                      rec.fail_create_with);
      return NULL;
    }
  return cpu->create (hd, low_w, low_h, mode, flags, pool, err);
}

static void
rec_destroy (void *state)
{
  rec.destroys++;
  cpu->destroy (state);
}

static const mien_image *
rec_get_low (void *state)
{
  return cpu->get_low (state);
}

static mien_status
rec_frame (void *state, const mien_image *refined, const mien_image *field,
           mien_image *out, mien_error *err)
{
  rec.frames++;
  if (rec.fail_frame_at && rec.frames >= rec.fail_frame_at)
    return mien_error_set (err, (mien_status)rec.fail_frame_with,
                           "recording backend: frame %d failed", rec.frames);
  return cpu->frame (state, refined, field, out, err);
}

static void
rec_set_residual_fade (void *state, int on)
{
  rec.fades++;
  rec.last_fade = on;
  cpu->set_residual_fade (state, on);
}

static const mien_reswarp_backend recording = {
  .name = "recording",
  .kind = MIEN_DEVICE_CUDA, /* as a device would be */
  .available = rec_available,
  .create = rec_create,
  .destroy = rec_destroy,
  .get_low = rec_get_low,
  .frame = rec_frame,
  .set_residual_fade = rec_set_residual_fade,
  .cpu_decomposition = NULL,
};

static int log_lines;
static char last_log[512];

static void
on_log (const char *message, void *data)
{
  log_lines++;
  snprintf (last_log, sizeof last_log, "%s", message);
}

static void
use_recording (void)
{
  const mien_reswarp_backend *list[] = { &recording, cpu };
  mien_reswarp_backends_set (list, 2);
  memset (&rec, 0, sizeof rec);
  log_lines = 0;
}

/* ---- the photo, the face, the frames ---------------------------------------- */

static mien_image *photo;
static mien_face face;
static mien_generator *rig;

static int
load_face (void)
{
  mien_landmark_file lm = { 0 };
  photo = mien_test_fixture_photo (&lm);
  if (photo != NULL)
    face = lm.faces[0];
  mien_landmark_file_clear (&lm);
  return photo != NULL;
}

/* Renders what every caller renders: two full frames, a crop, three clip
 * frames; returns the last full frame (the caller frees it). */
static mien_image *
render_all (mien_reswarp_mode mode, mien_image **crop_copy, int *frames_made)
{
  mien_error err = { 0 };
  mien_animator *anim = mien_animator_new (photo, &face, mode, NULL, &err);
  CHECK (anim != NULL, "animator: %s", err.message);
  if (!anim)
    return NULL;
  mien_image *frame = mien_image_copy (photo, &err);
  mien_driving c;
  mien_driving_init (&c);
  c.values[MIEN_AU12] = 3.0f;
  CHECK (mien_animator_render (anim, rig, &c, frame, NULL, &err) == MIEN_OK,
         "render: %s", err.message);
  c.values[MIEN_AU26] = 2.0f;
  CHECK (mien_animator_render (anim, rig, &c, frame, NULL, &err) == MIEN_OK,
         "render: %s", err.message);
  const mien_image *crop = NULL;
  CHECK (mien_animator_render_crop (anim, rig, &c, &crop, NULL, &err)
             == MIEN_OK,
         "render_crop: %s", err.message);
  *crop_copy = crop ? mien_image_copy (crop, &err) : NULL;
  mien_timeline *tl = mien_timeline_new (MIEN_AU_N_CHANNELS, &err);
  mien_driving a;
  mien_driving_init (&a);
  mien_timeline_add_keyframe (tl, 0.0, a.values, MIEN_EASING_LINEAR, &err);
  mien_timeline_add_keyframe (tl, 1.0, c.values, MIEN_EASING_LINEAR, &err);
  mien_clip *clip = mien_clip_new (anim, rig, tl, MIEN_INTERPOLATION_DRIVING,
                                   &err);
  CHECK (clip != NULL, "clip: %s", err.message);
  for (int i = 0; clip && i < 3; i++)
    CHECK (mien_clip_render (clip, 0.25 * (i + 1), frame, NULL, NULL, &err)
               == MIEN_OK,
           "clip frame %d: %s", i, err.message);
  *frames_made = 2 + 1 + 3;
  mien_clip_free (clip);
  mien_timeline_free (tl);
  mien_animator_free (anim);
  return frame;
}

static void
test_every_caller_goes_through_the_table (void)
{
  for (int mode = 0; mode < 2; mode++)
    {
      mien_reswarp_backends_set (NULL, 0);
      mien_image *crop_cpu = NULL, *crop_rec = NULL;
      int n = 0;
      mien_image *ref = render_all ((mien_reswarp_mode)mode, &crop_cpu, &n);

      use_recording ();
      mien_image *got = render_all ((mien_reswarp_mode)mode, &crop_rec, &n);
      printf ("%s: recording backend saw %d create, %d frames (%d rendered), "
              "%d destroy\n",
              mien_reswarp_mode_to_string ((mien_reswarp_mode)mode),
              rec.creates, rec.frames, n, rec.destroys);
      CHECK (rec.creates == 1 && rec.destroys == 1,
             "the animator decomposes on the first backend (%d, %d)",
             rec.creates, rec.destroys);
      CHECK (rec.frames == n,
             "every frame (render, render_crop, clip) runs on it: %d of %d",
             rec.frames, n);
      CHECK (got && ref && crop_rec && crop_cpu
                 && mien_test_images_equal (got, ref)
                 && mien_test_images_equal (crop_rec, crop_cpu),
             "results bit-identical to the CPU backend's");
      mien_image_free (ref), mien_image_free (got);
      mien_image_free (crop_cpu), mien_image_free (crop_rec);
    }
  mien_reswarp_backends_set (NULL, 0);
}

static void
test_fallback_rules (void)
{
  mien_error err = { 0 };
  mien_image *hd = mien_image_crop (photo, 100, 100, 300, 300, &err);
  mien_image *refined = NULL, *field = NULL, *out_ref = NULL, *out = NULL;

  /* Reference: the CPU alone. */
  mien_reswarp_backends_set (NULL, 0);
  mien_device_force_cpu (1);
  mien_device_reswarp *plain = mien_device_reswarp_new (
      hd, 128, 128, MIEN_RESWARP_MULTISCALE, 0, NULL, &err);
  mien_device_force_cpu (0);
  CHECK (plain != NULL && mien_device_reswarp_get_kind (plain) == MIEN_DEVICE_CPU,
         "CPU forced: %s", err.message);
  refined = mien_image_copy (mien_device_reswarp_get_low (plain), &err);
  field = mien_image_new_zeroed (128, 128, 2, &err);
  for (size_t i = 0; i < mien_image_n_floats (field); i++)
    field->data[i] = 0.3f * sinf ((float)i * 0.01f);
  out_ref = mien_image_new (300, 300, 3, &err);
  out = mien_image_new (300, 300, 3, &err);
  CHECK (mien_device_reswarp_frame (plain, refined, field, out_ref, &err)
             == MIEN_OK, "CPU frame: %s", err.message);

  /* Unavailable: skipped, never created. */
  use_recording ();
  rec.unavailable = 1;
  mien_device_reswarp *rw = mien_device_reswarp_new (
      hd, 128, 128, MIEN_RESWARP_MULTISCALE, 0, NULL, &err);
  CHECK (rw && rec.creates == 0
             && mien_device_reswarp_get_kind (rw) == MIEN_DEVICE_CPU,
         "an unavailable backend is skipped");
  mien_device_reswarp_free (rw);

  /* A device failure at creation: the CPU, logged. */
  use_recording ();
  rec.fail_create_with = MIEN_ERR_NOMEM;
  rw = mien_device_reswarp_new (hd, 128, 128, MIEN_RESWARP_MULTISCALE, 0, NULL,
                                &err);
  CHECK (rw && rec.creates == 1
             && mien_device_reswarp_get_kind (rw) == MIEN_DEVICE_CPU
             && log_lines == 1 && strstr (last_log, "using the cpu backend"),
         "out of device memory at creation falls to the CPU (log: %s)",
         last_log);
  mien_device_reswarp_free (rw);

  /* Any other error: returned, the CPU not tried. */
  use_recording ();
  rec.fail_create_with = MIEN_ERR_INVALID;
  err = (mien_error){ 0 };
  rw = mien_device_reswarp_new (hd, 128, 128, MIEN_RESWARP_MULTISCALE, 0, NULL,
                                &err);
  CHECK (rw == NULL && err.status == MIEN_ERR_INVALID
             && strstr (err.message, "recording backend: refused"),
         "a caller's error is returned as is: %s", err.message);

  /* A device failure in the second frame: that frame and the later ones on
   * the CPU, the same pixels. */
  use_recording ();
  rec.fail_frame_at = 2;
  rec.fail_frame_with = MIEN_ERR_UNSUPPORTED;
  err = (mien_error){ 0 };
  rw = mien_device_reswarp_new (hd, 128, 128, MIEN_RESWARP_MULTISCALE, 0, NULL,
                                &err);
  CHECK (rw && mien_device_reswarp_get_kind (rw) == MIEN_DEVICE_CUDA,
         "the first backend runs: %s", err.message);
  mien_image_free (hd); /* not referenced after _new */
  hd = NULL;
  for (int i = 0; rw && i < 3; i++)
    {
      memset (out->data, 0, mien_image_n_floats (out) * sizeof (float));
      CHECK (mien_device_reswarp_frame (rw, refined, field, out, &err)
                 == MIEN_OK,
             "frame %d: %s", i, err.message);
      CHECK (mien_test_images_equal (out, out_ref), "frame %d equals the CPU's", i);
    }
  CHECK (rw && mien_device_reswarp_get_kind (rw) == MIEN_DEVICE_CPU
             && rec.frames == 2 && rec.destroys == 1
             && strstr (last_log, "from now on"),
         "after the device failed, the CPU for good (frames on it %d, log "
         "%s)", rec.frames, last_log);

  /* The fade reaches the running backend. */
  use_recording ();
  mien_device_reswarp *r2 = NULL;
  hd = mien_image_crop (photo, 100, 100, 300, 300, &err);
  r2 = mien_device_reswarp_new (hd, 128, 128, MIEN_RESWARP_VANILLA, 0, NULL,
                                &err);
  mien_device_reswarp_set_residual_fade (r2, 0);
  CHECK (rec.fades == 1 && rec.last_fade == 0,
         "set_residual_fade reaches the backend");
  mien_device_reswarp_free (r2);

  mien_device_reswarp_free (rw);
  mien_device_reswarp_free (plain);
  mien_image_free (hd), mien_image_free (refined), mien_image_free (field);
  mien_image_free (out), mien_image_free (out_ref);
  mien_reswarp_backends_set (NULL, 0);
}

int
main (void)
{
  cpu = mien_reswarp_backend_cpu ();
  mien_device_set_log_func (on_log, NULL);
  mien_error err = { 0 };
  rig = mien_rig_new (&err);
  if (!load_face () || !rig)
    {
      CHECK (0, "fixture: %s", err.message);
      return mien_test_exit_code ();
    }
  test_every_caller_goes_through_the_table ();
  test_fallback_rules ();
  mien_generator_free (rig);
  mien_image_free (photo);
  return mien_test_exit_code ();
}
