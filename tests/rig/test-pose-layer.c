/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The layered head (issue #24, engine/rig/rig-pose.c layer_field and
 * engine/mien-animator-head.c; opt-in, MIEN_POSE_LAYERED=1):
 *   - mien_image_fill_holes keeps known pixels bit for bit, fills a hole
 *     in a constant image with the constant and a hole across an edge with
 *     values between the two sides, and leaves an image with nothing known
 *     alone;
 *   - a pose frame says it moved the head as a layer (and only with the
 *     switch on); an expression frame does not, and is the same bit for bit
 *     with the switch on or off;
 *   - the level-0 preview is the frame bit for bit, level 1 finite;
 *   - in the frame, where the head was (the soft region is 1) and surely
 *     is no more (the grown region, read at x + F(x), is 0),
 *     the pixel is the background's fill, not the photo's head; where
 *     neither the photo nor the turned head has any head, it is the photo
 *     bit for bit; and the turned head does cover background somewhere.
 * Skips (77) without the astronaut. */
#include "mien-animator-private.h"
#include "mien-test-matte.h"
#include "rig-astronaut.h"

static void
test_fill_holes (void)
{
  mien_error err = { 0 };
  int w = 37, h = 23;
  mien_image *im = mien_image_new (w, h, 3, &err);
  float *known = malloc (sizeof (float) * (size_t)w * (size_t)h);
  /* A constant with a hole: the constant back. */
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        int hole = x > 8 && x < 30 && y > 4 && y < 19;
        float *p = mien_image_row (im, y) + 3 * x;
        p[0] = hole ? 9.0f : 0.25f, p[1] = hole ? -9.0f : 0.5f;
        p[2] = hole ? 3.0f : 0.75f;
        known[(size_t)y * w + x] = hole ? 0.0f : 1.0f;
      }
  CHECK (mien_image_fill_holes (im, known, &err) == MIEN_OK, "%s", err.message);
  float worst = 0.0f;
  for (int i = 0; i < w * h; i++)
    for (int k = 0; k < 3; k++)
      worst = fmaxf (worst, fabsf (im->data[3 * i + k] - 0.25f * (float)(k + 1)));
  printf ("fill: a constant's hole off by %.2g\n", worst);
  CHECK (worst < 1e-6f, "a constant's hole is filled with it (%.3g off)", worst);
  /* An edge across the hole: known pixels bit for bit, the hole between
   * the two sides, rising from the dark side to the bright one. */
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        float *p = mien_image_row (im, y) + 3 * x;
        int hole = x > 8 && x < 30 && y > 4 && y < 19;
        p[0] = p[1] = p[2] = hole ? 5.0f : (x < w / 2 ? 0.1f : 0.9f);
        known[(size_t)y * w + x] = hole ? 0.0f : 1.0f;
      }
  mien_image *before = mien_image_copy (im, &err);
  CHECK (mien_image_fill_holes (im, known, &err) == MIEN_OK, "%s", err.message);
  int kept = 1, between = 1;
  for (int i = 0; i < w * h; i++)
    {
      if (known[i] >= 1.0f)
        kept &= memcmp (im->data + 3 * i, before->data + 3 * i,
                        3 * sizeof (float)) == 0;
      else
        between &= im->data[3 * i] >= 0.1f - 1e-6f
                   && im->data[3 * i] <= 0.9f + 1e-6f;
    }
  float left = mien_image_row (im, 11)[3 * 10], right = mien_image_row (im, 11)[3 * 28];
  printf ("fill: across an edge, %.3f near the dark side, %.3f near the bright\n",
          left, right);
  CHECK (kept, "known pixels are kept bit for bit");
  CHECK (between, "the hole is filled between the two sides");
  CHECK (left < 0.4f && right > 0.6f, "the fill follows the sides (%.3f, %.3f)",
         left, right);
  /* Nothing known: unchanged. */
  memset (known, 0, sizeof (float) * (size_t)w * (size_t)h);
  memcpy (before->data, im->data, sizeof (float) * mien_image_n_floats (im));
  CHECK (mien_image_fill_holes (im, known, &err) == MIEN_OK
             && memcmp (im->data, before->data,
                        sizeof (float) * mien_image_n_floats (im)) == 0,
         "nothing known: the image is left alone");
  mien_image_free (before), mien_image_free (im), free (known);
}

/* The crop rendered for spec with the layered head on or off; a copy. */
static mien_image *
render (astronaut_rig *r, const char *spec, int layered, int *said_layered)
{
  mien_error err = { 0 };
  mien_driving c;
  mien_driving_init (&c);
  CHECK (mien_driving_parse (&c, spec, &err) == MIEN_OK, "%s: %s", spec,
         err.message);
  setenv ("MIEN_POSE_LAYERED", layered ? "1" : "0", 1);
  const mien_image *crop = NULL;
  const mien_generator_output *g = NULL;
  CHECK (mien_animator_render_crop (r->anim, r->gen, &c, &crop, &g, &err)
             == MIEN_OK,
         "%s: %s", spec, err.message);
  *said_layered = mien_generator_get_head_layered (r->gen, NULL);
  return crop ? mien_image_copy (crop, &err) : NULL;
}

static float
sample1 (const mien_image *im, float x, float y)
{
  float v[4];
  mien_image_sample_bilinear (im, x, y, v);
  return v[0];
}

int
main (void)
{
  test_fill_holes ();
  astronaut_rig r;
  int skip = astronaut_rig_open (&r);
  if (skip)
    return skip;
  mien_error err = { 0 };
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  mien_face_analyzer *fa = mien_test_matte_analyzer (root ? root : ".");
  if (fa && mien_face_analyzer_head (fa, r.photo, r.lf.faces[0].landmarks,
                                     &r.lf.faces[0].head, &err) == MIEN_OK
      && r.lf.faces[0].head.ok)
    {
      mien_animator_free (r.anim);
      r.anim = mien_animator_new (r.photo, &r.lf.faces[0],
                                  MIEN_RESWARP_MULTISCALE, NULL, &err);
      CHECK (r.anim != NULL, "%s", err.message);
    }

  int said;
  mien_image *smile_off = render (&r, "12=4,26=3", 0, &said);
  mien_image *smile_on = render (&r, "12=4,26=3", 1, &said);
  CHECK (!said, "an expression frame does not move the head as a layer");
  CHECK (smile_off && smile_on
             && memcmp (smile_off->data, smile_on->data,
                        sizeof (float) * mien_image_n_floats (smile_on)) == 0,
         "an expression frame is the same with the layered head on or off");
  mien_image *plain = render (&r, "roll=20", 0, &said);
  CHECK (!said, "switched off, a pose frame keeps the outline");
  mien_image *frame = render (&r, "roll=20", 1, &said);
  CHECK (said, "switched on, a pose frame moves the head as a layer");
  if (!frame || !plain || !said)
    return mien_test_exit_code ();

  /* The frame's grid field and region, and the fill, as the animator has
   * them after the frame. */
  mien_head_alpha head = mien_animator_head_alpha (r.anim, r.gen);
  CHECK (head.region && head.layered && head.fill && head.soft && head.grown,
         "the region, the fill and the soft and grown regions are there");
  if (!head.region || !head.fill || !head.soft || !head.grown)
    return mien_test_exit_code ();
  const mien_rect *crop = mien_animator_get_crop (r.anim);
  const mien_image *photo = r.photo;
  int W = crop->width, H = crop->height, pc = frame->channels;
  float to_gx = (float)head.gw / (float)W, to_gy = (float)head.gh / (float)H;
  /* The picture the fill's texture is read from, as keep_photo_in sets it. */
  head.src = photo, head.src_x = (float)crop->x, head.src_y = (float)crop->y;
  head.src_sx = (float)W / (float)head.gw, head.src_sy = (float)H / (float)head.gh;
  head.src_w = (float)W, head.src_h = (float)H;
  long textured = 0;
  long uncovered = 0, filled_ok = 0, untouched = 0, untouched_ok = 0;
  long covered = 0;
  float worst_fill = 0.0f;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        float gx = ((float)x + 0.5f) * to_gx - 0.5f;
        float gy = ((float)y + 0.5f) * to_gy - 0.5f;
        float f[2];
        mien_image_sample_bilinear (head.field, gx, gy, f);
        float A = sample1 (head.soft, gx, gy);
        float a = sample1 (head.soft, gx + f[0], gy + f[1]);
        float grown_src = sample1 (head.grown, gx + f[0], gy + f[1]);
        float grown_here = sample1 (head.grown, gx, gy);
        const float *out = mien_image_row (frame, y) + (size_t)x * pc;
        const float *ph = mien_image_row (photo, crop->y + y)
                          + (size_t)(crop->x + x) * pc;
        if (A >= 1.0f && grown_src <= 0.0f)
          {
            /* Surely uncovered: the fill, exactly as sampled. */
            float fill[4];
            mien_animator_head_fill_at (&head, gx, gy, fill);
            float d = 0.0f;
            for (int k = 0; k < 3; k++)
              d = fmaxf (d, fabsf (out[k] - fill[k]));
            worst_fill = fmaxf (worst_fill, d);
            float smooth[4];
            mien_image_sample_bilinear (head.fill,
                                        (gx + 0.5f) * head.fill_sx - 0.5f,
                                        (gy + 0.5f) * head.fill_sy - 0.5f,
                                        smooth);
            textured += fabsf (fill[0] - smooth[0]) > 1e-4f;
            uncovered++, filled_ok += d < 1e-5f;
          }
        if (grown_here <= 0.0f && grown_src <= 0.0f)
          untouched++, untouched_ok += memcmp (out, ph, sizeof (float) * 3) == 0;
        if (A <= 0.0f && a >= 1.0f)
          covered++;
      }
  printf ("roll 20, layered: %ld pixels uncovered (fill within %.2g, %ld "
          "with the background's texture), %ld background pixels the turned "
          "head covers, %ld of %ld pixels without head before or after are "
          "the photo's\n",
          uncovered, worst_fill, textured, covered, untouched_ok, untouched);
  CHECK (uncovered > 0, "roll 20 uncovers some of the photo's head");
  CHECK (filled_ok == uncovered, "where the head surely went, the fill shows "
         "(%ld of %ld)", filled_ok, uncovered);
  CHECK (textured > 0, "the fill has the background's texture somewhere "
         "(%ld pixels)", textured);
  CHECK (covered > 0, "the turned head covers background beyond its region");
  CHECK (untouched > 0 && untouched_ok == untouched,
         "without head before or after, the photo bit for bit (%ld of %ld)",
         untouched_ok, untouched);
  /* The preview (issue #22) lays the head the same way: at level 0 it is
   * the frame bit for bit; at a coarser level every pixel is finite and
   * the head moved. */
  setenv ("MIEN_POSE_LAYERED", "1", 1);
  mien_driving roll;
  mien_driving_init (&roll);
  CHECK (mien_driving_parse (&roll, "roll=20", &err) == MIEN_OK, "%s",
         err.message);
  const mien_image *level0 = NULL;
  CHECK (mien_animator_render_preview (r.anim, r.gen, &roll, 0, NULL, &level0,
                                       &err) == MIEN_OK,
         "level 0: %s", err.message);
  CHECK (level0 && memcmp (level0->data, frame->data,
                           sizeof (float) * mien_image_n_floats (frame)) == 0,
         "the level-0 preview of a layered head is the frame bit for bit");
  if (mien_animator_get_n_levels (r.anim) > 1)
    {
      const mien_image *level1 = NULL;
      CHECK (mien_animator_render_preview (r.anim, r.gen, &roll, 1, NULL,
                                           &level1, &err) == MIEN_OK,
             "level 1: %s", err.message);
      CHECK (level1 && mien_image_all_finite (level1),
             "the level-1 preview of a layered head is finite");
    }
  /* Without the switch the frame differs where the head moved away. */
  long differ = 0;
  for (size_t i = 0; i < mien_image_n_floats (frame); i++)
    differ += frame->data[i] != plain->data[i];
  CHECK (differ > 0, "the layered frame is not the plain one");
  mien_image_free (smile_off), mien_image_free (smile_on);
  mien_image_free (plain), mien_image_free (frame);
  mien_face_analyzer_free (fa);
  astronaut_rig_close (&r);
  return mien_test_exit_code ();
}
