/* SPDX-License-Identifier: GPL-3.0-or-later */
/* engine/drive without the face models (issue #23):
 * - the inverse rig solves back known AU vectors from landmarks the rig
 *   itself moved (the real rig, run at each frame's own intensities, read
 *   through its field here with this file's own forward solve), under a
 *   random head translation, roll and scale per frame, in a clip whose
 *   first frames are a smile: the rest must come from the neutral frames;
 * - --strength and --drive-parts act on the solved curves;
 * - a missing stretch holds, then eases to rest;
 * - thinning keeps the curves within the tolerance, and the project's
 *   timeline plays them back;
 * - the video reader: frame count and order at the clip's rate, at twice
 *   and half the rate, a cut with start/end, a file that is not a video;
 * - head pose: the random roll of the moving head comes back as the roll
 *   channel (against the rest, within 1.5°); the rig's generic 3-D face
 *   turned by known yaw, pitch and roll (built here from the channels'
 *   documented axes) comes back within 0.3°, scaled by --strength, off
 *   without "pose" in --drive-parts, clamped to ±20°, and a driving photo
 *   is measured against the driven photo's head;
 * - a head that nods or turns up to 10° without expression solves no AU
 *   (the turn measured on the skull's points and taken off), a 6° nod
 *   reads 6°;
 * - opposing channels acting together cost extra: a smile with its
 *   corners drawn in is solved as AU12 without AU15/18/22/24;
 * - gaze from the driver's iris offsets against its median, a one-frame
 *   jump dropped, a half-shut eye and a faint fit left out, a blink held, shut eyes eased
 *   to 0, strength and parts;
 * - the lids set by the iris model's upper and lower lid against their
 *   medians (a half-lowered upper lid, a half-raised lower one; too few
 *   fits leave the net's lids). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drive/mien-drive.h"
#include "drive/mien-drive-private.h" /* the brows' edge, measured alone */
#include "drive/mien-video-reader.h"
#include "face/mien-iris.h"
#include "io/mien-export.h"
#include "io/mien-landmarks-io.h"
#include "mien-landmarks.h"
#include "mien-rig.h"
#include "mien-test.h"
#include "rig/rig-private.h" /* rig_face_shape: a head with known pose */

#define N_FRAMES 30
#define FPS 10.0

/* An empty track of n frames at fps (the frames zeroed: not found). */
static void
track_alloc (mien_drive_track *t, int n, double fps)
{
  *t = (mien_drive_track){ .n_frames = n, .fps = fps };
  t->frames = calloc ((size_t)n, sizeof *t->frames);
}

/* The truth per frame: a smile first, rest, jaw drop, brows, rest. */
static void
truth_of (int i, mien_driving *c)
{
  mien_driving_init (c);
  if (i < 5)
    c->values[MIEN_AU12] = 4.0f, c->values[MIEN_AU6] = 2.0f;
  else if (i >= 15 && i < 20)
    c->values[MIEN_AU26] = 3.0f;
  else if (i >= 20 && i < 25)
    c->values[MIEN_AU1] = 3.0f, c->values[MIEN_AU2] = 3.0f;
}

static int
is_neutral (int i)
{
  return (i >= 5 && i < 15) || i >= 25;
}

static void
field_at (const mien_image *F, float x, float y, float *fx, float *fy)
{
  x = fminf (fmaxf (x, 0.0f), F->width - 1.001f);
  y = fminf (fmaxf (y, 0.0f), F->height - 1.001f);
  int x0 = (int)x, y0 = (int)y;
  float u = x - x0, v = y - y0;
  float r[2];
  for (int k = 0; k < 2; k++)
    {
      const float *p = F->data + ((size_t)y0 * F->width + x0) * 2 + k;
      r[k] = (1 - v) * ((1 - u) * p[0] + u * p[2])
             + v * ((1 - u) * p[2 * F->width] + u * p[2 * F->width + 2]);
    }
  *fx = r[0], *fy = r[1];
}

/* What each side shows of an AU: bilateral + one-sided, at most 5. */
static float
side_value (const float *v, int au, int side)
{
  float s = v[au];
  for (int k = MIEN_AU_N_BILATERAL; k < MIEN_AU_N_CHANNELS; k++)
    if ((int)mien_au_channels[k].bilateral == au
        && (int)mien_au_channels[k].side == side)
      s += v[k];
  return fminf (s, 5.0f);
}

/* The photo's open mouth (mien_drive_options.photo_mouth): with a photo
 * whose mouth is open between the clip's rest and its jaw drop, the rest
 * frames close it (AU24, the openings 0) and the jaw drop opens it only by
 * what it adds beyond the photo's opening; a closed photo changes nothing.
 * r is the solve without it. */
static void
test_photo_mouth (const mien_drive_track *t, mien_generator *gen,
                  const mien_drive_result *r)
{
  mien_error err = { 0 };
  float open_rest, open_jaw, e, b;
  mien_drive_measure (t->frames[10].lm, &open_rest, &e, &b);
  mien_drive_measure (t->frames[17].lm, &open_jaw, &e, &b);
  mien_drive_options o;
  mien_drive_options_init (&o);
  o.pose_min_cutoff = 0.0f; /* as r was solved */
  o.photo_mouth = 0.4f * open_rest + 0.6f * open_jaw;
  printf ("photo's mouth: the clip's rest opens %.3f iod, its jaw drop "
          "%.3f, the photo %.3f\n", (double)open_rest, (double)open_jaw,
          (double)o.photo_mouth);
  CHECK (o.photo_mouth >= MIEN_DRIVE_PHOTO_MOUTH_MIN,
         "the jaw drop opens the mouth enough to test with (%.3f)",
         (double)o.photo_mouth);
  mien_drive_result m = { 0 };
  CHECK (mien_drive_solve (t, gen, &o, NULL, NULL, &m, &err) == MIEN_OK, "%s",
         err.message);
  const float *rest = m.values + 10 * MIEN_AU_N_CHANNELS;
  float want = MIEN_AU_MAX * (o.photo_mouth - 0.03f - open_rest)
               / (o.photo_mouth - 0.03f);
  printf ("photo's mouth: rest frame AU24 %.2f (want %.2f), AU25 %.2f, "
          "AU26 %.2f, AU27 %.2f\n", (double)rest[MIEN_AU24], (double)want,
          (double)rest[MIEN_AU25], (double)rest[MIEN_AU26],
          (double)rest[MIEN_AU27]);
  CHECK (fabsf (rest[MIEN_AU24] - fmaxf (want, r->values[10 * MIEN_AU_N_CHANNELS
                                                          + MIEN_AU24]))
                 < 1e-4f
             && rest[MIEN_AU24] > 0.5f && rest[MIEN_AU25] == 0.0f
             && rest[MIEN_AU26] == 0.0f && rest[MIEN_AU27] == 0.0f,
         "a closed frame presses the photo's open lips together");
  const float *jaw = m.values + 17 * MIEN_AU_N_CHANNELS;
  const float *jaw0 = r->values + 17 * MIEN_AU_N_CHANNELS;
  float share = jaw[MIEN_AU26] / jaw0[MIEN_AU26];
  printf ("photo's mouth: jaw drop AU26 %.2f of %.2f (%.2f), AU24 %.2f\n",
          (double)jaw[MIEN_AU26], (double)jaw0[MIEN_AU26], (double)share,
          (double)jaw[MIEN_AU24]);
  CHECK (jaw0[MIEN_AU26] > 1.0f && share > 0.15f && share < 0.7f
             && jaw[MIEN_AU24] == jaw0[MIEN_AU24],
         "the jaw drop opens the photo's mouth by the rest only");
  float d = 0.0f;
  mien_drive_result same = { 0 };
  o.photo_mouth = 0.5f * MIEN_DRIVE_PHOTO_MOUTH_MIN;
  CHECK (mien_drive_solve (t, gen, &o, NULL, NULL, &same, &err) == MIEN_OK,
         "%s", err.message);
  for (int i = 0; i < N_FRAMES * MIEN_AU_N_CHANNELS; i++)
    d = fmaxf (d, fabsf (same.values[i] - r->values[i]));
  CHECK (d == 0.0f, "a closed photo's mouth changes nothing (%g)", (double)d);
  mien_drive_result_clear (&same);
  o.photo_mouth = 0.4f * open_rest + 0.6f * open_jaw;
  o.parts = MIEN_DRIVE_BROWS;
  CHECK (mien_drive_solve (t, gen, &o, NULL, NULL, &same, &err) == MIEN_OK,
         "%s", err.message);
  CHECK (same.values[10 * MIEN_AU_N_CHANNELS + MIEN_AU24] == 0.0f,
         "without the mouth in --drive-parts the lips are left alone");
  mien_drive_result_clear (&same);
  mien_drive_result_clear (&m);
}

static void
test_solve (const mien_point *face_lm)
{
  mien_error err = { 0 };
  mien_generator *gen = mien_rig_new (&err);
  CHECK (gen != NULL, "%s", err.message);
  /* The face in a 128 grid, about as the headshot crop places it. */
  float iod = mien_landmarks_iod (face_lm);
  mien_point eyes = { 0, 0 };
  for (int i = 36; i < 48; i++)
    eyes.x += face_lm[i].x / 12, eyes.y += face_lm[i].y / 12;
  mien_point grid[MIEN_N_LANDMARKS];
  float k = 24.0f / iod;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    grid[i] = (mien_point){ 64 + k * (face_lm[i].x - eyes.x),
                            61 + k * (face_lm[i].y - eyes.y) };
  mien_image *grey = mien_image_new (128, 128, 3, &err);
  for (size_t i = 0; i < mien_image_n_floats (grey); i++)
    grey->data[i] = 0.5f;
  mien_generator_output out = { 0 };
  mien_generator_output_init (&out, 128, 128, 3, &err);
  mien_drive_track t;
  track_alloc (&t, N_FRAMES, FPS);
  float roll_of[N_FRAMES];
  for (int f = 0; f < N_FRAMES; f++)
    {
      mien_driving c;
      truth_of (f, &c);
      CHECK (mien_generator_generate (gen, grey, &c, grid, &out, NULL, &err)
                 == MIEN_OK,
             "%s", err.message);
      /* A head that moves: scale, roll and translation per frame. */
      float s = mien_test_uniform (2.0f, 4.0f);
      float a = mien_test_uniform (-0.2f, 0.2f);
      roll_of[f] = a * (float)(180.0 / M_PI);
      float tx = mien_test_uniform (100, 300), ty = mien_test_uniform (100, 300);
      for (int i = 0; i < MIEN_N_LANDMARKS; i++)
        {
          float qx = grid[i].x, qy = grid[i].y, fx, fy;
          for (int it = 0; it < 10; it++)
            {
              field_at (out.field, qx, qy, &fx, &fy);
              qx = grid[i].x - fx, qy = grid[i].y - fy;
            }
          t.frames[f].lm[i] = (mien_point){
            tx + s * (cosf (a) * qx - sinf (a) * qy),
            ty + s * (sinf (a) * qx + cosf (a) * qy) };
        }
      t.frames[f].found = 1;
      t.frames[f].expressions[MIEN_EXPRESSION_NEUTRAL]
          = is_neutral (f) ? 0.9f : 0.05f;
      t.frames[f].expressions[MIEN_EXPRESSION_HAPPY] = f < 5 ? 0.9f : 0.02f;
    }
  mien_drive_options o;
  mien_drive_options_init (&o);
  o.pose_min_cutoff = 0.0f; /* the roll jumps from frame to frame here */
  mien_drive_result r = { 0 };
  CHECK (mien_drive_solve (&t, gen, &o, NULL, NULL, &r, &err) == MIEN_OK,
         "%s", err.message);
  int rest_ok = r.n_rest > 0;
  for (int j = 0; j < r.n_rest; j++)
    rest_ok &= is_neutral (r.rest_frames[j]);
  CHECK (rest_ok, "the rest comes from neutral frames (first %d of %d)",
         r.rest_frames[0], r.n_rest);
  double se = 0.0;
  int n = 0;
  for (int f = 0; f < N_FRAMES; f++)
    {
      mien_driving c;
      truth_of (f, &c);
      const float *v = r.values + (size_t)f * MIEN_AU_N_CHANNELS;
      for (int au = 0; au < MIEN_AU_N_BILATERAL; au++)
        for (int side = 1; side <= 2; side++)
          {
            double e = side_value (v, au, side) - c.values[au];
            se += e * e;
            n++;
          }
    }
  double rms = sqrt (se / n);
  printf ("synthetic solve: RMS %.3f over every AU and side\n", rms);
  CHECK (rms < 0.35, "solved AUs within RMS 0.35 of the truth (%.3f)", rms);
  const float *smile = r.values + 2 * MIEN_AU_N_CHANNELS;
  CHECK (fabsf (side_value (smile, MIEN_AU12, 1) - 4.0f) < 1.2f,
         "the first frames' smile is solved (AU12 %.2f of 4)",
         side_value (smile, MIEN_AU12, 1));
  const float *rest = r.values + 10 * MIEN_AU_N_CHANNELS;
  float most = 0.0f;
  for (int k = 0; k < MIEN_AU_N_CHANNELS; k++)
    if (mien_au_channels[k].region != MIEN_AU_REGION_HEAD)
      most = fmaxf (most, rest[k]);
  CHECK (most < 0.3f, "a neutral frame solves to rest (largest AU %.2f)",
         most);
  /* The head's random roll, frame against frame (the rest's own roll
   * cancels), where the ±20° clamp leaves it alone. */
  float roll_err = 0.0f;
  int n_roll = 0;
  const float *v10 = r.values + 10 * MIEN_AU_N_CHANNELS;
  for (int f = 0; f < N_FRAMES; f++)
    {
      const float *v = r.values + (size_t)f * MIEN_AU_N_CHANNELS;
      if (fabsf (v[MIEN_HEAD_ROLL]) > 19.5f || fabsf (v10[MIEN_HEAD_ROLL]) > 19.5f)
        continue;
      float e = (v[MIEN_HEAD_ROLL] - v10[MIEN_HEAD_ROLL])
                - (roll_of[f] - roll_of[10]);
      roll_err = fmaxf (roll_err, fabsf (e));
      n_roll++;
    }
  printf ("roll driven: worst error %.2f° over %d frames\n", roll_err, n_roll);
  CHECK (n_roll >= N_FRAMES / 2 && roll_err < 1.5f,
         "the head's roll drives the roll channel (worst %.2f° over %d "
         "frames)", roll_err, n_roll);

  /* --strength 0.5 and --drive-parts brows. */
  mien_drive_result half = { 0 }, brows = { 0 };
  o.strength = 0.5f;
  CHECK (mien_drive_solve (&t, gen, &o, NULL, NULL, &half, &err) == MIEN_OK,
         "%s", err.message);
  o.strength = 1.0f;
  o.parts = MIEN_DRIVE_BROWS;
  CHECK (mien_drive_solve (&t, gen, &o, NULL, NULL, &brows, &err) == MIEN_OK,
         "%s", err.message);
  float maxdiff = 0.0f, mouth = 0.0f;
  for (int i = 0; i < N_FRAMES * MIEN_AU_N_CHANNELS; i++)
    {
      maxdiff = fmaxf (maxdiff, fabsf (half.values[i] - 0.5f * r.values[i]));
      if (mien_au_channels[i % MIEN_AU_N_CHANNELS].region
          != MIEN_AU_REGION_BROWS)
        mouth = fmaxf (mouth, brows.values[i]);
    }
  CHECK (maxdiff < 1e-4f, "--strength 0.5 halves every value (%g)",
         maxdiff);
  CHECK (mouth == 0.0f, "--drive-parts brows drives nothing else (%g)",
         mouth);
  float b1 = brows.values[22 * MIEN_AU_N_CHANNELS + MIEN_AU1];
  CHECK (fabsf (b1 - r.values[22 * MIEN_AU_N_CHANNELS + MIEN_AU1]) < 1e-5f
             && b1 > 1.0f,
         "--drive-parts brows keeps the brows (%g)", b1);

  /* The photo's own expression: visible p + a (5 - p) / 5. */
  mien_driving photo;
  mien_driving_init (&photo);
  photo.values[MIEN_AU12] = 2.5f;
  mien_drive_result withp = { 0 };
  CHECK (mien_drive_solve (&t, gen, &o, NULL, &photo, &withp, &err)
             == MIEN_OK,
         "%s", err.message);
  o.parts = MIEN_DRIVE_ALL_PARTS;
  mien_drive_result_clear (&withp);
  CHECK (mien_drive_solve (&t, gen, &o, NULL, &photo, &withp, &err)
             == MIEN_OK,
         "%s", err.message);
  float a12 = r.values[2 * MIEN_AU_N_CHANNELS + MIEN_AU12];
  float w12 = withp.values[2 * MIEN_AU_N_CHANNELS + MIEN_AU12];
  CHECK (fabsf (w12 - a12 * 0.5f) < 1e-4f,
         "a smiling photo gets half the smile's headroom (%g of %g)", w12,
         a12);

  test_photo_mouth (&t, gen, &r);

  /* A missing stretch: hold, then ease to rest. */
  for (int f = 15; f < 30; f++)
    t.frames[f].found = 0;
  mien_drive_result miss = { 0 };
  CHECK (mien_drive_solve (&t, gen, &o, NULL, NULL, &miss, &err) == MIEN_OK,
         "%s", err.message);
  const float *held = miss.values + 14 * MIEN_AU_N_CHANNELS;
  const float *next = miss.values + 16 * MIEN_AU_N_CHANNELS;
  const float *end = miss.values + 29 * MIEN_AU_N_CHANNELS;
  float dh = 0.0f, de = 0.0f;
  for (int k = 0; k < MIEN_AU_N_CHANNELS; k++)
    dh = fmaxf (dh, fabsf (next[k] - held[k])), de = fmaxf (de, end[k]);
  CHECK (dh < 1e-6f, "the last values hold just after the face is lost");
  CHECK (de == 0.0f, "the values reach rest after the ease (%g)", de);

  /* Keyframes: thinned within the tolerance and played back. */
  mien_project p;
  mien_project_init (&p);
  float worst = 0.0f;
  CHECK (mien_drive_to_project (&r, 0.05f, 1000, &p, &worst, &err)
             == MIEN_OK,
         "%s", err.message);
  CHECK (p.n_keyframes >= 2 && p.n_keyframes <= N_FRAMES && worst <= 0.05f,
         "%d keyframes within %.3f", p.n_keyframes, worst);
  mien_timeline *tl = mien_project_build_timeline (&p, &err);
  float back[MIEN_AU_N_CHANNELS];
  float dev = 0.0f;
  for (int f = 0; tl && f < N_FRAMES; f++)
    {
      mien_timeline_sample (tl, f / FPS, back, &err);
      for (int k = 0; k < MIEN_AU_N_CHANNELS; k++)
        {
          /* In AU units: the head's degrees by their share of ±20. */
          float range = mien_au_channels[k].max - mien_au_channels[k].min;
          dev = fmaxf (dev, fabsf (back[k]
                                   - r.values[f * MIEN_AU_N_CHANNELS + k])
                                * MIEN_AU_MAX / range);
        }
    }
  CHECK (tl && dev <= 0.051f, "the project's timeline plays the curves "
         "back (%.3f)", dev);
  CHECK (tl && mien_timeline_get_n_frames (tl, FPS) == N_FRAMES,
         "the timeline has the clip's %d frames (%d)", N_FRAMES,
         tl ? mien_timeline_get_n_frames (tl, FPS) : 0);
  CHECK (mien_drive_to_project (&r, 0.05f, 3, &p, &worst, &err) == MIEN_OK
             && p.n_keyframes <= 3,
         "a keyframe budget is kept by a coarser tolerance (%d, %.2f)",
         p.n_keyframes, worst);
  mien_timeline_free (tl);
  mien_project_clear (&p);
  mien_drive_result_clear (&r);
  mien_drive_result_clear (&half);
  mien_drive_result_clear (&brows);
  mien_drive_result_clear (&withp);
  mien_drive_result_clear (&miss);
  mien_drive_track_clear (&t);
  mien_generator_output_clear (&out);
  mien_image_free (grey);
  mien_generator_free (gen);
}

static void
test_reader (void)
{
  char path[] = "/tmp/mien-test-drive-XXXXXX.mp4";
  int fd = mkstemps (path, 4);
  close (fd);
  mien_error err = { 0 };
  mien_export_options eo;
  mien_export_options_init (&eo);
  eo.fps_num = 10;
  eo.fps_den = 1;
  eo.crf = 0;
  eo.overwrite = 1;
  mien_exporter *ex = mien_exporter_open (path, MIEN_EXPORT_MP4, &eo, 64, 48,
                                          &err);
  CHECK (ex != NULL, "%s", err.message);
  mien_image *img = mien_image_new (64, 48, 3, &err);
  for (int f = 0; ex && f < 20; f++)
    {
      for (size_t i = 0; i < mien_image_n_floats (img); i++)
        img->data[i] = 0.1f + 0.04f * f;
      mien_exporter_add_frame (ex, img, &err);
    }
  CHECK (ex && mien_exporter_finish (ex, &err) == MIEN_OK, "%s", err.message);
  mien_image_free (img);
  struct { double fps, start, end; int n; } cases[] = {
    { 0, 0, 0, 20 }, { 20, 0, 0, 40 }, { 5, 0, 0, 10 }, { 0, 0.5, 1.2, 7 },
  };
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
    {
      mien_video_reader *r = mien_video_reader_open (path, 0, &err);
      CHECK (r != NULL, "%s", err.message);
      if (r == NULL)
        continue;
      const mien_video_info *in = mien_video_reader_get_info (r);
      CHECK (in->width == 64 && in->height == 48 && fabs (in->avg_fps - 10) < 1e-6
                 && !in->has_audio && in->rotation == 0,
             "the clip's info (%dx%d, %g fps)", in->width, in->height,
             in->avg_fps);
      mien_video_reader_set_output (r, cases[c].fps, cases[c].start,
                                    cases[c].end);
      mien_image *frame = NULL;
      int n = 0, eof = 0, order = 1;
      double t, want_step = 1.0 / (cases[c].fps > 0 ? cases[c].fps : 10);
      while (mien_video_reader_read (r, &frame, &t, &eof, &err) == MIEN_OK
             && !eof)
        {
          /* Which source frame: the one nearest the output time (the
           * earlier at a tie). */
          int src = (int)floor ((cases[c].start + t) * 10 + 0.5 - 1e-6);
          if (src > 19)
            src = 19;
          float want = 0.1f + 0.04f * src;
          if (fabsf (frame->data[0] - want) > 0.012f
              || fabs (t - n * want_step) > 1e-9)
            order = 0;
          n++;
        }
      CHECK (eof && n == cases[c].n, "case %zu: %d frames (want %d)", c, n,
             cases[c].n);
      CHECK (order, "case %zu: each output frame is the source frame due "
             "at its time", c);
      mien_image_free (frame);
      mien_video_reader_free (r);
    }
  /* Not a video: a clear error naming the file. */
  FILE *f = fopen (path, "wb");
  fputs ("not a video at all", f);
  fclose (f);
  mien_error e2 = { 0 };
  CHECK (mien_video_reader_open (path, 0, &e2) == NULL
             && strstr (e2.message, path) != NULL,
         "a file that is not a video is refused (%s)", e2.message);
  unlink (path);
}

/* R = Rz(roll) Rx(pitch) Ry(yaw), image axes (y down, z to the camera),
 * as mien-au.h documents the channels: yaw + moves the nose to +x, pitch +
 * moves it up, roll + moves the top of the head to +x. */
static void
pose_matrix (float yaw, float pitch, float roll, float *m)
{
  float a = yaw * (float)(M_PI / 180), b = pitch * (float)(M_PI / 180),
        g = roll * (float)(M_PI / 180);
  float ry[9] = { cosf (a), 0, sinf (a), 0, 1, 0, -sinf (a), 0, cosf (a) };
  float rx[9] = { 1, 0, 0, 0, cosf (b), -sinf (b), 0, sinf (b), cosf (b) };
  float rz[9] = { cosf (g), -sinf (g), 0, sinf (g), cosf (g), 0, 0, 0, 1 };
  float t[9];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      t[3 * i + j] = rx[3 * i] * ry[j] + rx[3 * i + 1] * ry[3 + j]
                     + rx[3 * i + 2] * ry[6 + j];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      m[3 * i + j] = rz[3 * i] * t[j] + rz[3 * i + 1] * t[3 + j]
                     + rz[3 * i + 2] * t[6 + j];
}

/* The generic face turned by (yaw, pitch, roll), 40 px per iod, at (300,
 * 200): exactly what the rig's fit models. */
static void
posed_face (float yaw, float pitch, float roll, mien_point *lm)
{
  float m[9];
  pose_matrix (yaw, pitch, roll, m);
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    {
      const float *X = rig_face_shape[i];
      lm[i] = (mien_point){ 300 + 40 * (m[0] * X[0] + m[1] * X[1] + m[2] * X[2]),
                            200 + 40 * (m[3] * X[0] + m[4] * X[1] + m[5] * X[2]) };
    }
}

static void
test_pose (void)
{
  static const float poses[][3] = {
    { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 },
    { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 },
    { 15, 0, 0 }, { -15, 0, 0 }, { 0, 10, 0 }, { 0, -10, 0 }, { 0, 0, 12 },
    { 0, 0, -12 }, { 10, 8, -6 }, { -12, -5, 9 }, { 30, 0, 0 }, { 5, 3, 2 },
  };
  enum { N = sizeof poses / sizeof *poses };
  mien_error err = { 0 };
  mien_generator *gen = mien_rig_new (&err);
  mien_drive_track t;
  track_alloc (&t, N, FPS);
  for (int f = 0; f < N; f++)
    {
      posed_face (poses[f][0], poses[f][1], poses[f][2], t.frames[f].lm);
      t.frames[f].found = 1;
      t.frames[f].expressions[MIEN_EXPRESSION_NEUTRAL] = f < 10 ? 0.9f : 0.1f;
    }
  mien_drive_options o;
  mien_drive_options_init (&o);
  o.pose_min_cutoff = 0.0f; /* each frame another pose: the fit alone */
  mien_drive_result r = { 0 }, half = { 0 }, nopose = { 0 };
  CHECK (mien_drive_solve (&t, gen, &o, NULL, NULL, &r, &err) == MIEN_OK,
         "%s", err.message);
  o.strength = 0.5f;
  CHECK (mien_drive_solve (&t, gen, &o, NULL, NULL, &half, &err) == MIEN_OK,
         "%s", err.message);
  o.strength = 1.0f;
  o.parts = MIEN_DRIVE_ALL_PARTS & ~(unsigned)MIEN_DRIVE_POSE;
  CHECK (mien_drive_solve (&t, gen, &o, NULL, NULL, &nopose, &err) == MIEN_OK,
         "%s", err.message);
  float worst = 0.0f, worst_half = 0.0f, off = 0.0f;
  for (int f = 0; r.values && f < N; f++)
    for (int k = 0; k < 3; k++)
      {
        float want = poses[f][k] > 20 ? 20 : poses[f][k];
        size_t at = (size_t)f * MIEN_AU_N_CHANNELS + MIEN_HEAD_YAW + k;
        worst = fmaxf (worst, fabsf (r.values[at] - want));
        float want_half = fminf (0.5f * poses[f][k], 20.0f);
        worst_half = fmaxf (worst_half, fabsf (half.values[at] - want_half));
        off = fmaxf (off, fabsf (nopose.values[at]));
      }
  printf ("pose driven: worst %.3f°, at strength 0.5 %.3f°, without pose "
          "%.3f°\n", worst, worst_half, off);
  CHECK (worst < 0.3f, "yaw, pitch and roll come back within 0.3° (worst "
         "%.3f°; 30° clamped to 20)", worst);
  CHECK (worst_half < 0.3f, "--strength 0.5 halves the turn (%.3f°)",
         worst_half);
  CHECK (off == 0.0f, "--drive-parts without pose leaves the head (%g)", off);

  /* A driving photo against the driven photo's own head: the driven face
   * looks 10° to the left, the driver 12° to the right: turn by 22 → 20. */
  mien_point photo_face[MIEN_N_LANDMARKS];
  posed_face (-10, 0, 0, photo_face);
  mien_drive_track one;
  track_alloc (&one, 1, 1);
  posed_face (12, 4, 0, one.frames[0].lm);
  one.frames[0].found = 1;
  mien_drive_result pr = { 0 };
  mien_drive_options_init (&o);
  CHECK (mien_drive_solve (&one, gen, &o, photo_face, NULL, &pr, &err)
             == MIEN_OK,
         "%s", err.message);
  float py = pr.values ? pr.values[MIEN_HEAD_YAW] : 0.0f;
  float pp = pr.values ? pr.values[MIEN_HEAD_PITCH] : 0.0f;
  CHECK (fabsf (py - 20.0f) < 0.3f && fabsf (pp - 4.0f) < 0.6f,
         "a driving photo turns the head to the driver's (yaw %.2f of 20, "
         "pitch %.2f of about 4)", py, pp);
  mien_drive_result_clear (&r);
  mien_drive_result_clear (&half);
  mien_drive_result_clear (&nopose);
  mien_drive_result_clear (&pr);
  mien_drive_track_clear (&t);
  mien_drive_track_clear (&one);
  mien_generator_free (gen);
}


/* The turn's own filter (filter_pose): a head held still whose fitted
 * pitch shakes by up to ±0.5° a frame (as the fit on real landmarks does)
 * shakes far less once filtered, and a quick 15° turn is still followed. */
static void
test_pose_filter (void)
{
  enum { N_STILL = 50, N_TURN = 8, N = N_STILL + N_TURN + 20 };
  const double fps = 25.0;
  mien_error err = { 0 };
  mien_generator *gen = mien_rig_new (&err);
  mien_drive_track t;
  track_alloc (&t, N, fps);
  for (int f = 0; f < N; f++)
    {
      float yaw = f < N_STILL ? 0.0f
                  : f < N_STILL + N_TURN
                      ? 15.0f * (float)(f - N_STILL) / N_TURN
                      : 15.0f;
      posed_face (yaw, mien_test_uniform (-0.5f, 0.5f), 0, t.frames[f].lm);
      t.frames[f].found = 1;
      t.frames[f].expressions[MIEN_EXPRESSION_NEUTRAL] = f < 10 ? 0.9f : 0.2f;
    }
  mien_drive_options o;
  mien_drive_options_init (&o);
  mien_drive_result on = { 0 }, off = { 0 };
  CHECK (mien_drive_solve (&t, gen, &o, NULL, NULL, &on, &err) == MIEN_OK,
         "%s", err.message);
  o.pose_min_cutoff = 0.0f;
  CHECK (mien_drive_solve (&t, gen, &o, NULL, NULL, &off, &err) == MIEN_OK,
         "%s", err.message);
  double shake_on = 0.0, shake_off = 0.0;
  for (int f = 11; on.values && off.values && f < N_STILL; f++)
    {
      size_t a = (size_t)f * MIEN_AU_N_CHANNELS + MIEN_HEAD_PITCH;
      size_t b = a - MIEN_AU_N_CHANNELS;
      shake_on += fabsf (on.values[a] - on.values[b]);
      shake_off += fabsf (off.values[a] - off.values[b]);
    }
  shake_on /= N_STILL - 11, shake_off /= N_STILL - 11;
  float lag = 0.0f;
  for (int f = N_STILL + N_TURN + 5; on.values && f < N; f++)
    lag = fmaxf (lag, fabsf (on.values[(size_t)f * MIEN_AU_N_CHANNELS
                                       + MIEN_HEAD_YAW] - 15.0f));
  int end = N_STILL + N_TURN - 1; /* the turn's last frame: 13.1° */
  float during = on.values ? on.values[(size_t)end * MIEN_AU_N_CHANNELS
                                       + MIEN_HEAD_YAW]
                           : 0.0f;
  float truth = 15.0f * (float)(N_TURN - 1) / N_TURN;
  printf ("pose filter: pitch moves %.3f° a frame on a still head (%.3f° "
          "unfiltered); a 15° turn in 0.32 s: %.2f° of %.2f at its last "
          "frame, within %.2f° of 15 0.2 s later\n", shake_on, shake_off,
          (double)during, (double)truth, (double)lag);
  CHECK (fabsf (during - truth) < 2.0f,
         "the turn is followed while it happens (%.2f° of %.2f)",
         (double)during, (double)truth);
  CHECK (shake_on < shake_off / 3.0,
         "the filter takes the shake out of a still head's pitch (%.3f° "
         "against %.3f° a frame)", shake_on, shake_off);
  CHECK (lag < 1.0f, "a quick turn is followed (within %.2f° of 15 after "
         "0.2 s)", (double)lag);
  mien_drive_result_clear (&on);
  mien_drive_result_clear (&off);
  mien_drive_track_clear (&t);
  mien_generator_free (gen);
}

/* Issue #23, the MEAD check: a head that nods or turns between the rest
 * and a frame is not an expression. The generic face, no AU, turned by up
 * to 10° (the MEAD clips sit 5-10° more chin-down than their performer's
 * neutral clip): the solve takes the turn off on the skull's points, so no
 * lid or jaw AU comes up (without it: AU5, AU26, AU27 ... up to the value
 * printed). */
static void
test_turn_not_expression (void)
{
  static const float poses[][2] = { { 0, -8 }, { 0, -5 }, { 0, 6 },
                                    { 10, 0 }, { -10, 0 }, { 8, -6 } };
  enum { N_REST = 10, N = N_REST + sizeof poses / sizeof *poses };
  mien_error err = { 0 };
  mien_generator *gen = mien_rig_new (&err);
  mien_drive_track t;
  track_alloc (&t, N, FPS);
  for (int f = 0; f < N; f++)
    {
      float yaw = f < N_REST ? 0 : poses[f - N_REST][0];
      float pitch = f < N_REST ? 0 : poses[f - N_REST][1];
      posed_face (yaw, pitch, 0, t.frames[f].lm);
      t.frames[f].found = 1;
      t.frames[f].expressions[MIEN_EXPRESSION_NEUTRAL]
          = f < N_REST ? 0.9f : 0.1f;
    }
  mien_drive_options o;
  mien_drive_options_init (&o);
  mien_drive_result r = { 0 };
  CHECK (mien_drive_solve (&t, gen, &o, NULL, NULL, &r, &err) == MIEN_OK,
         "%s", err.message);
  float worst = 0.0f;
  int worst_ch = 0;
  for (int f = N_REST; r.values && f < N; f++)
    for (int k = 0; k < MIEN_GAZE_H; k++)
      if (r.values[(size_t)f * MIEN_AU_N_CHANNELS + k] > worst)
        worst = r.values[(size_t)f * MIEN_AU_N_CHANNELS + k], worst_ch = k;
  printf ("a turned head without expression: largest AU %.3f (%s)\n", worst,
          mien_au_channels[worst_ch].name);
  CHECK (worst < 0.3f, "a nod or turn of up to 10° solves no AU above 0.3 "
         "(%s %.2f)", mien_au_channels[worst_ch].name, worst);

  /* The turn measured on the skull's points comes back (the generic face's
   * own depths, so exactly up to the small-angle model). */
  inverse_rig *ir = malloc (sizeof *ir);
  mien_point rest[MIEN_N_LANDMARKS], turned[MIEN_N_LANDMARKS];
  posed_face (0, 0, 0, rest);
  posed_face (0, -6, 0, turned);
  CHECK (drive_build_inverse_rig (ir, gen, rest, NULL, 0.03f, &err)
             == MIEN_OK, "%s", err.message);
  CHECK (ir->n_turn == 2, "the rest's head is fitted (%d)", ir->n_turn);
  frame2 rf = drive_frame_of (rest);
  mien_point n[MIEN_N_LANDMARKS];
  drive_normalise (turned, rest, &rf, n);
  float d[2 * MIEN_N_LANDMARKS], pitch, yaw;
  for (int p = 0; p < MIEN_N_LANDMARKS; p++)
    {
      mien_point q = drive_to_frame (&rf, rest[p]);
      d[2 * p] = n[p].x - q.x, d[2 * p + 1] = n[p].y - q.y;
    }
  drive_remove_turn (ir, d, &pitch, &yaw);
  float left = 0.0f;
  for (int r2 = 0; r2 < 2 * MIEN_N_LANDMARKS; r2++)
    left = fmaxf (left, fabsf (d[r2]));
  printf ("a 6° nod: measured %.2f°, yaw %.2f°, largest move left %.4f "
          "iod\n", pitch, yaw, left);
  CHECK (fabsf (fabsf (pitch) - 6.0f) < 0.6f && fabsf (yaw) < 0.3f,
         "a 6° nod reads 6° (%.2f, yaw %.2f)", pitch, yaw);
  CHECK (left < 0.01f, "nothing of the nod is left for the AUs (%.4f iod)",
         left);
  free (ir);
  mien_drive_result_clear (&r);
  mien_drive_track_clear (&t);
  mien_generator_free (gen);
}

/* Opposing rig moves acting together cost extra (add_pair_costs in
 * mien-drive-solve.c): a smile whose corners also come in a little (a move
 * outside the rig's span, as a performer's lips make) is solved as a
 * smile, not as AU12
 * with AU22/AU18/AU15 pulling the mouth back (a pout on the photo). */
static void
test_opposing_pairs (void)
{
  mien_error err = { 0 };
  mien_generator *gen = mien_rig_new (&err);
  inverse_rig *ir = malloc (sizeof *ir);
  mien_point rest[MIEN_N_LANDMARKS];
  posed_face (0, 0, 0, rest);
  CHECK (drive_build_inverse_rig (ir, gen, rest, NULL, 0.03f, &err)
             == MIEN_OK, "%s", err.message);
  /* The pair cost is there for AU12 against AU15 (corners up, down). */
  int j12 = -1, j15 = -1;
  for (int j = 0; j < ir->n; j++)
    {
      if (ir->ch[j].channel == MIEN_AU12)
        j12 = j;
      if (ir->ch[j].channel == MIEN_AU15)
        j15 = j;
    }
  CHECK (j12 >= 0 && j15 >= 0, "AU12 and AU15 are solved");
  double plain = 0.0;
  for (int r = 0; j12 >= 0 && j15 >= 0 && r < 2 * MIEN_N_LANDMARKS; r++)
    plain += (double)drive_landmark_weight (r / 2) * ir->J[r][j12]
             * ir->J[r][j15];
  CHECK (j12 >= 0 && j15 >= 0 && ir->A[j12][j15] > plain + 1e-9,
         "AU12 with AU15 costs more than their moves' product (%.3g vs "
         "%.3g)", j12 >= 0 && j15 >= 0 ? ir->A[j12][j15] : 0.0, plain);
  /* A track: rest, then a smile (AU12 3 as the rig moves the landmarks)
   * with the mouth's corners 0.04 iod nearer each other. */
  frame2 rf = drive_frame_of (rest);
  enum { N_REST = 10, N = 12 };
  mien_drive_track t;
  track_alloc (&t, N, FPS);
  for (int f = 0; f < N; f++)
    {
      memcpy (t.frames[f].lm, rest, sizeof rest);
      t.frames[f].found = 1;
      t.frames[f].expressions[MIEN_EXPRESSION_NEUTRAL]
          = f < N_REST ? 0.9f : 0.1f;
      if (f < N_REST)
        continue;
      for (int p = 0; p < MIEN_N_LANDMARKS; p++)
        {
          float dx = 3.0f * ir->J[2 * p][j12], dy = 3.0f * ir->J[2 * p + 1][j12];
          if (p == 48 || p == 60)
            dx += 0.04f;
          if (p == 54 || p == 64)
            dx -= 0.04f;
          /* The face frame is the image's (no roll), rf.iod px per iod. */
          t.frames[f].lm[p].x += rf.iod * dx;
          t.frames[f].lm[p].y += rf.iod * dy;
        }
    }
  mien_drive_options o;
  mien_drive_options_init (&o);
  mien_drive_result r = { 0 };
  CHECK (mien_drive_solve (&t, gen, &o, NULL, NULL, &r, &err) == MIEN_OK,
         "%s", err.message);
  const float *v = r.values ? r.values + (size_t)(N - 1) * MIEN_AU_N_CHANNELS
                            : NULL;
  float smile = v ? side_value (v, MIEN_AU12, MIEN_AU_SIDE_LEFT) : 0.0f;
  float against = 0.0f;
  static const int opp[] = { MIEN_AU15, MIEN_AU18, MIEN_AU22, MIEN_AU24 };
  for (size_t k = 0; v && k < sizeof opp / sizeof *opp; k++)
    against += side_value (v, opp[k], MIEN_AU_SIDE_LEFT);
  printf ("a smile with its corners in: AU12 %.2f, AU15+18+22+24 %.2f\n",
          smile, against);
  CHECK (smile > 2.0f, "the smile is solved (AU12 %.2f)", smile);
  CHECK (against < 0.3f, "no pair pulls against it (AU15+18+22+24 %.2f)",
         against);
  free (ir);
  mien_drive_result_clear (&r);
  mien_drive_track_clear (&t);
  mien_generator_free (gen);
}

/* What is left of a held value frames after the last one read (MISSING_HOLD
 * 0.25 s, MISSING_EASE 0.5 s in mien-drive-solve.c), at FPS. */
static float
keep_after (int frames)
{
  double gone = frames / FPS - 0.25;
  double u = gone <= 0.0 ? 0.0 : gone >= 0.5 ? 1.0 : gone / 0.5;
  return (float)(1.0 - u * u * (3.0 - 2.0 * u));
}

/* Gaze from the driver's iris offsets (what mien_drive_track_video
 * stores per frame): against the clip's own median per eye, the mean over
 * the eyes, in mien_iris_move's units (gaze_h = 0.5 d / 0.25, gaze_v =
 * 0.5 d / 0.10); a fit that jumps for one frame is dropped, an eye open
 * under 0.85 of its median or an iris under 0.6 of its median contrast is
 * left out; a blink holds;
 * eyes shut for 1 s ease to 0; --strength and --drive-parts apply. The
 * filter is off here, so the numbers are exact. */
static void
test_gaze (void)
{
  enum { N = 40 };
  mien_error err = { 0 };
  mien_generator *gen = mien_rig_new (&err);
  mien_drive_track t;
  track_alloc (&t, N, FPS);
  /* The driver's own straight ahead is not the openings' centres. */
  const float rest_h[2] = { 0.05f, -0.03f }, rest_v[2] = { -0.1f, -0.12f };
  for (int f = 0; f < N; f++)
    {
      posed_face (0, 0, 0, t.frames[f].lm);
      t.frames[f].found = 1;
      t.frames[f].expressions[MIEN_EXPRESSION_NEUTRAL] = 0.9f;
      float dh = f >= 10 && f < 22 ? 0.25f : f >= 24 && f < 30 ? -0.2f : 0.0f;
      float dv = f >= 24 && f < 30 ? 0.05f : 0.0f;
      int shut = (f >= 22 && f < 24) || f >= 30;
      for (int side = 0; side < 2; side++)
        {
          t.frames[f].iris_status[side] = shut ? MIEN_IRIS_EYE_CLOSED
                                               : MIEN_IRIS_FOUND;
          t.frames[f].iris_h[side] = shut ? 0.0f : rest_h[side] + dh;
          t.frames[f].iris_v[side] = shut ? 0.0f : rest_v[side] + dv;
          t.frames[f].eye_open[side] = shut ? 0.05f : 0.3f;
          t.frames[f].iris_contrast[side] = shut ? 0.0f : 0.4f;
        }
    }
  t.frames[15].iris_h[0] = -0.9f; /* the fit took the lash line */
  /* The right eye half shut for three frames (a median cannot drop them),
   * its fit astray: left out, the left eye alone gives the gaze. */
  for (int f = 5; f < 8; f++)
    t.frames[f].eye_open[0] = 0.2f, t.frames[f].iris_h[0] = 0.8f;
  /* A faint "iris" (the lash line of an eye the landmarks give open) in
   * the left eye for three frames: left out, the right eye alone. */
  for (int f = 12; f < 15; f++)
    t.frames[f].iris_contrast[1] = 0.1f, t.frames[f].iris_h[1] = -0.7f;
  mien_drive_options o;
  mien_drive_options_init (&o);
  o.filter.min_cutoff = 0.0f;
  mien_drive_result r = { 0 }, half = { 0 }, noeyes = { 0 };
  CHECK (mien_drive_solve (&t, gen, &o, NULL, NULL, &r, &err) == MIEN_OK,
         "%s", err.message);
  o.strength = 0.5f;
  CHECK (mien_drive_solve (&t, gen, &o, NULL, NULL, &half, &err) == MIEN_OK,
         "%s", err.message);
  o.strength = 1.0f;
  o.parts = MIEN_DRIVE_ALL_PARTS & ~(unsigned)MIEN_DRIVE_EYES;
  CHECK (mien_drive_solve (&t, gen, &o, NULL, NULL, &noeyes, &err)
             == MIEN_OK,
         "%s", err.message);
  float worst = 0.0f, worst_half = 0.0f, off = 0.0f;
  int bad = -1;
  for (int f = 0; r.values && half.values && noeyes.values && f < N; f++)
    {
      /* right 0.25 of half a width = 0.5; left -0.2 = -0.4, down 0.05 =
       * 0.25. A frame beside shut ones on one side only is not read (21,
       * 24, 29): from the last frame read (20, 28) the gaze holds 0.25 s
       * and eases to 0 over 0.5 s (smoothstep), through the 0.2 s blink
       * and the shut end. */
      float want_h = f < 10   ? 0.0f
                     : f < 21 ? 0.5f
                     : f < 25 ? 0.5f * keep_after (f - 20)
                     : f < 29 ? -0.4f
                              : -0.4f * keep_after (f - 28);
      float want_v = f >= 25 && f < 29 ? 0.25f
                     : f >= 29 ? 0.25f * keep_after (f - 28) : 0.0f;
      const float *v = r.values + (size_t)f * MIEN_AU_N_CHANNELS;
      const float *h = half.values + (size_t)f * MIEN_AU_N_CHANNELS;
      const float *z = noeyes.values + (size_t)f * MIEN_AU_N_CHANNELS;
      off = fmaxf (off, fabsf (z[MIEN_GAZE_H]) + fabsf (z[MIEN_GAZE_V]));
      float e = fmaxf (fabsf (v[MIEN_GAZE_H] - want_h),
                       fabsf (v[MIEN_GAZE_V] - want_v));
      if (e > worst)
        worst = e;
      if (e > 1e-4f && bad < 0)
        bad = f;
      worst_half = fmaxf (worst_half,
                          fmaxf (fabsf (h[MIEN_GAZE_H] - 0.5f * want_h),
                                 fabsf (h[MIEN_GAZE_V] - 0.5f * want_v)));
    }
  printf ("gaze driven: worst %.5f (first off at frame %d), at strength 0.5 "
          "%.5f, without eyes %g; read on %d frames, rest %.3f %.3f\n",
          worst, bad, worst_half, off, r.n_gaze, r.rest_iris_h[0],
          r.rest_iris_h[1]);
  CHECK (worst < 1e-4f && bad < 0, "gaze from the irises: worst %.5f, "
         "first off at frame %d", worst, bad);
  CHECK (r.n_gaze == 25, "gaze read on the 25 frames with an iris and a "
         "readable neighbour each side (%d)", r.n_gaze);
  CHECK (fabsf (r.rest_iris_h[0] - rest_h[0]) < 1e-6f
             && fabsf (r.rest_iris_v[1] - rest_v[1]) < 1e-6f,
         "the rest is the driver's median (%.3f, %.3f)", r.rest_iris_h[0],
         r.rest_iris_v[1]);
  CHECK (worst_half < 1e-4f, "--strength 0.5 halves the gaze (%.5f)",
         worst_half);
  CHECK (off == 0.0f, "--drive-parts without eyes drives no gaze (%g)", off);
  mien_drive_result_clear (&r);
  mien_drive_result_clear (&half);
  mien_drive_result_clear (&noeyes);
  mien_drive_track_clear (&t);
  mien_generator_free (gen);
}

static void
test_parts (void)
{
  unsigned parts = 0;
  mien_error err = { 0 };
  CHECK (mien_drive_parts_parse ("eyes,mouth", &parts, &err) == MIEN_OK
             && parts == (MIEN_DRIVE_EYES | MIEN_DRIVE_MOUTH),
         "eyes,mouth");
  CHECK (mien_drive_parts_parse ("brows,pose", &parts, &err) == MIEN_OK
             && parts == (MIEN_DRIVE_BROWS | MIEN_DRIVE_POSE),
         "brows,pose");
  CHECK (mien_drive_parts_parse ("ears", &parts, &err) != MIEN_OK
             && strstr (err.message, "ears"),
         "an unknown part is named (%s)", err.message);
  CHECK (mien_drive_parts_parse ("", &parts, &err) != MIEN_OK, "no part");
}


/* The brows from the image (mien-drive-brows.c): a face of flat skin whose
 * brows are dark bands drawn a known distance above the landmark net's
 * brow points. The edge is found where it was drawn; a band drawn 0.1 iod
 * higher on one frame moves that frame's brow points up 0.1 iod and no
 * other frame's; a face without brows (no edge) keeps the net's points. */
#define BROW_IOD 40.0f
static void
brow_face (mien_image *img, const mien_point *lm, float above, int brows)
{
  for (size_t i = 0; i < mien_image_n_floats (img); i++)
    img->data[i] = 0.7f;
  if (!brows)
    return;
  for (int k = 17; k <= 26; k++)
    {
      /* The band's top edge `above` iod over the point, 0.15 iod thick. */
      int y0 = (int)lroundf (lm[k].y - above * BROW_IOD);
      int y1 = y0 + (int)(0.15f * BROW_IOD);
      for (int y = y0; y < y1; y++)
        for (int x = (int)lm[k].x - 4; x <= (int)lm[k].x + 4; x++)
          for (int c = 0; c < 3; c++)
            img->data[((size_t)y * img->width + x) * 3 + c] = 0.25f;
    }
}

/* The rig's generic face, iod pixels between the eyes, about (100, 90). */
static void
generic_face (mien_point *lm, float iod)
{
  for (int p = 0; p < MIEN_N_LANDMARKS; p++)
    lm[p] = (mien_point){ 100.0f + iod * rig_face_shape[p][0],
                          90.0f + iod * rig_face_shape[p][1] };
}

static void
test_brows (void)
{
  mien_error err = { 0 };
  mien_point lm[MIEN_N_LANDMARKS];
  generic_face (lm, BROW_IOD);
  float iod = mien_landmarks_iod (lm);
  mien_image *img = mien_image_new (200, 200, 3, &err);
  CHECK (img != NULL, "%s", err.message);
  if (img == NULL)
    return;
  /* The edge's place: drawn 0.1 iod above each point (the band is drawn
   * in pixels of BROW_IOD; the face's own iod is the eyes' centres'). */
  float e[MIEN_DRIVE_BROW_POINTS];
  int found;
  brow_face (img, lm, 0.1f, 1);
  drive_brow_edges (img, lm, e, &found);
  float worst = 0.0f;
  for (int k = 0; k < MIEN_DRIVE_BROW_POINTS; k++)
    {
      /* Between the last skin row and the band's first (bilinear). */
      mien_point p = lm[17 + k];
      float top = lroundf (p.y - 0.1f * BROW_IOD) - 0.5f;
      float want = (top - p.y) / iod;
      worst = fmaxf (worst, fabsf (e[k] - want));
    }
  CHECK (found == (1 << MIEN_DRIVE_BROW_POINTS) - 1 && worst < 0.025f,
         "the brows' upper edge is found where it was drawn (mask %#x, "
         "worst %.3f iod off)", found, worst);
  brow_face (img, lm, 0.1f, 0);
  drive_brow_edges (img, lm, e, &found);
  CHECK (found == 0, "no brow, no edge (mask %#x)", found);

  /* Frames 0, 2, 3: band 0.1 over the points; frame 1: 0.2 (raised);
   * frame 4: no brows at all. The net's points are the same in all. */
  mien_drive_track t = { .n_frames = 5, .fps = FPS };
  mien_drive_frame fr[5];
  memset (fr, 0, sizeof fr);
  t.frames = fr;
  for (int i = 0; i < 5; i++)
    {
      memcpy (fr[i].lm, lm, sizeof lm);
      fr[i].found = 1;
      brow_face (img, lm, i == 1 ? 0.2f : 0.1f, i != 4);
      drive_brow_edges (img, lm, fr[i].brow_edge, &fr[i].brow_found);
    }
  mien_one_euro_params off = { 0.0f, 0.0f, 1.0f };
  drive_brows_apply (&t, &off);
  float still = 0.0f, raised = 0.0f, low = 1e9f;
  for (int k = 17; k <= 26; k++)
    {
      for (int i = 0; i < 5; i++)
        if (i != 1)
          still = fmaxf (still, hypotf (fr[i].lm[k].x - lm[k].x,
                                        fr[i].lm[k].y - lm[k].y));
      float up = (lm[k].y - fr[1].lm[k].y) / BROW_IOD;
      raised = fmaxf (raised, up), low = fminf (low, up);
    }
  CHECK (still < 0.02f * iod, "frames whose brows did not move keep the "
         "net's points (%.2f px)", still);
  CHECK (low > 0.08f && raised < 0.12f, "the raised frame's brow points "
         "go up 0.1 iod (%.3f to %.3f)", low, raised);
  mien_image_free (img);
}

/* The lids from the iris model (mien-drive-lids.c): 20 frames whose net
 * lids never move; the contour reads the right eye's upper lid 0.3 of the
 * width above the corners' line on every frame but frame 10 (0.255, 0.85
 * of its usual: a blink's start) and its lower lid 0.15 below on every
 * frame but frame 12 (0.1275: a squint), and has no fit on frame 15; on
 * frame 7 it reads the upper lid at 0.2775 (0.925 of its usual); the left
 * eye has a fit on 5 frames only. The contour reports 0.3 of a lid's move
 * (LID_READ_GAIN), so without the filter frame 10's right upper lid points
 * come down to half their height over the corners' line, frame 12's lower
 * ones up to half their depth and frame 7's upper ones to 0.75 of their
 * height, and every other point keeps the net's place (the left eye, too
 * few fits, keeps the net's lids). */
static float
lid_height (const mien_point *lm, int p)
{
  /* Distance from the right eye's corners' line (36-39). */
  float ux = lm[39].x - lm[36].x, uy = lm[39].y - lm[36].y;
  float w = hypotf (ux, uy);
  return fabsf ((lm[p].x - lm[36].x) * -uy / w + (lm[p].y - lm[36].y) * ux / w);
}

static void
test_lids (void)
{
  mien_point lm[MIEN_N_LANDMARKS];
  generic_face (lm, 60.0f);
  enum { N = 20 };
  mien_drive_track t = { .n_frames = N, .fps = FPS };
  mien_drive_frame fr[N];
  memset (fr, 0, sizeof fr);
  t.frames = fr;
  for (int i = 0; i < N; i++)
    {
      memcpy (fr[i].lm, lm, sizeof lm);
      fr[i].found = 1;
      /* The contour's readings: the upper lid at 0.85 and 0.925 of its
       * usual, the lower at 0.85. */
      fr[i].lid_up[0] = i == 10   ? 0.255f
                        : i == 15 ? NAN
                        : i == 7  ? 0.2775f
                                  : 0.3f;
      fr[i].lid_low[0] = i == 12 ? 0.1275f : i == 15 ? NAN : 0.15f;
      fr[i].lid_up[1] = fr[i].lid_low[1] = i < 5 ? 0.2f : NAN;
    }
  mien_one_euro_params off = { 0.0f, 0.0f, 1.0f };
  unsetenv ("MIEN_DRIVE_LIDS"); /* on by default */
  drive_lids_apply (&t, &off);
  float moved = 0.0f, worst = 0.0f;
  for (int i = 0; i < N; i++)
    for (int p = 0; p < MIEN_N_LANDMARKS; p++)
      if (!(((i == 10 || i == 7) && (p == 37 || p == 38))
            || (i == 12 && (p == 40 || p == 41))))
        moved = fmaxf (moved, hypotf (fr[i].lm[p].x - lm[p].x,
                                      fr[i].lm[p].y - lm[p].y));
  static const int half[4][2] = { { 10, 37 }, { 10, 38 }, { 12, 41 },
                                  { 12, 40 } };
  for (int k = 0; k < 4; k++)
    {
      int i = half[k][0], p = half[k][1];
      worst = fmaxf (worst, fabsf (lid_height (fr[i].lm, p)
                                   / lid_height (lm, p) - 0.5f));
    }
  /* The contour reports LID_READ_GAIN (0.3, mien-drive-lids.c) of a
   * lid's move: read 0.15 below its usual, a lid is half way down. */
  CHECK (worst < 1e-3f, "an upper lid read 0.15 lower and a lower lid read "
         "0.15 higher than usual halve the right eye's points' heights (off "
         "by %.4f)", worst);
  float lowered = fmaxf (
      fabsf (lid_height (fr[7].lm, 37) / lid_height (lm, 37) - 0.75f),
      fabsf (lid_height (fr[7].lm, 38) / lid_height (lm, 38) - 0.75f));
  CHECK (lowered < 1e-3f, "an upper lid read at 0.925 of its usual puts "
         "the points at 0.75 (off by %.4f)", lowered);
  /* MIEN_DRIVE_LIDS=net keeps the net's lids. */
  for (int i = 0; i < N; i++)
    memcpy (fr[i].lm, lm, sizeof lm);
  setenv ("MIEN_DRIVE_LIDS", "net", 1);
  drive_lids_apply (&t, &off);
  unsetenv ("MIEN_DRIVE_LIDS");
  float kept = 0.0f;
  for (int i = 0; i < N; i++)
    for (int p = 0; p < MIEN_N_LANDMARKS; p++)
      kept = fmaxf (kept, hypotf (fr[i].lm[p].x - lm[p].x,
                                  fr[i].lm[p].y - lm[p].y));
  CHECK (kept == 0.0f, "MIEN_DRIVE_LIDS=net leaves every point (%.5f px)",
         kept);
  CHECK (moved < 1e-4f, "every other point keeps the net's place: frames "
         "with the usual lids or no fit, an eye fitted too rarely (%.5f px)",
         moved);
}

/* drive_lids_open_rest: a rest with the upper lids lower than usual (a
 * glance down) gets the usual height; a rest wider than usual keeps its
 * own. */
static void
test_rest_lids (void)
{
  mien_point lm[MIEN_N_LANDMARKS];
  generic_face (lm, 60.0f);
  enum { N = 9 };
  mien_drive_track t = { .n_frames = N, .fps = FPS };
  mien_drive_frame fr[N];
  memset (fr, 0, sizeof fr);
  t.frames = fr;
  for (int i = 0; i < N; i++)
    {
      fr[i].found = 1;
      for (int p = 0; p < MIEN_N_LANDMARKS; p++)
        /* Moved and scaled: each frame is aligned onto the reference. */
        fr[i].lm[p] = (mien_point){ 20.0f * i + 1.1f * lm[p].x,
                                    5.0f * i + 1.1f * lm[p].y };
    }
  /* Two frames looking down: the upper lids 40 % lower. */
  mien_point low[MIEN_N_LANDMARKS];
  memcpy (low, lm, sizeof low);
  static const int upper[4] = { 37, 38, 43, 44 };
  for (int k = 0; k < 4; k++)
    {
      int p = upper[k], c = p < 42 ? 36 : 42;
      float mid = 0.5f * (lm[c].y + lm[c + 3].y);
      low[p].y = mid + 0.6f * (lm[p].y - mid);
    }
  for (int i = 0; i < 2; i++)
    for (int p = 0; p < MIEN_N_LANDMARKS; p++)
      fr[i].lm[p] = (mien_point){ 20.0f * i + 1.1f * low[p].x,
                                  5.0f * i + 1.1f * low[p].y };
  mien_point rest[MIEN_N_LANDMARKS];
  memcpy (rest, low, sizeof rest);
  drive_lids_open_rest (&t, lm, rest);
  /* Each lid point's distance from its eye's corners' line. */
  float off = 0.0f;
  static const int lids[8] = { 37, 38, 40, 41, 43, 44, 46, 47 };
  for (int k = 0; k < 8; k++)
    {
      int p = lids[k], c = p < 42 ? 36 : 42;
      float ux = lm[c + 3].x - lm[c].x, uy = lm[c + 3].y - lm[c].y;
      float w = hypotf (ux, uy);
      float hr = ((rest[p].x - lm[c].x) * -uy + (rest[p].y - lm[c].y) * ux) / w;
      float hl = ((lm[p].x - lm[c].x) * -uy + (lm[p].y - lm[c].y) * ux) / w;
      off = fmaxf (off, fabsf (hr - hl));
    }
  CHECK (off < 0.01f, "a rest looking down gets the clip's usual lids "
         "(%.4f px off)", off);
  /* A rest wider than usual (the clip squints most of the time) keeps its
   * lids. */
  mien_point wide[MIEN_N_LANDMARKS];
  memcpy (wide, lm, sizeof wide);
  for (int k = 0; k < 4; k++)
    wide[upper[k]].y -= 2.0f;
  memcpy (rest, wide, sizeof rest);
  drive_lids_open_rest (&t, lm, rest);
  float kept = 0.0f;
  for (int p = 0; p < MIEN_N_LANDMARKS; p++)
    kept = fmaxf (kept, hypotf (rest[p].x - wide[p].x, rest[p].y - wide[p].y));
  CHECK (kept < 1e-3f, "a rest wider than usual keeps its lids (%.4f px)",
         kept);
}

int
main (void)
{
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  char path[4096];
  snprintf (path, sizeof path, "%s/tests/data/landmarks/astronaut.json",
            root ? root : ".");
  mien_landmark_file lf = { 0 };
  mien_error err = { 0 };
  test_parts ();
  test_reader ();
  test_pose ();
  test_pose_filter ();
  test_turn_not_expression ();
  test_opposing_pairs ();
  test_gaze ();
  test_brows ();
  test_lids ();
  test_rest_lids ();
  if (mien_landmark_file_load (path, &lf, &err) == MIEN_OK && lf.n_faces > 0)
    test_solve (lf.faces[0].landmarks);
  else
    CHECK (0, "%s", err.message);
  mien_landmark_file_clear (&lf);
  return mien_test_exit_code ();
}
