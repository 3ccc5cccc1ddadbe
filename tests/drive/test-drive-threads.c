/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Video tracking on two threads (issue #23 speed): a frame's expressions
 * run on a helper analyzer beside the next frame's landmarks
 * (mien-drive-track.c). This checks
 * - the face API it stands on: describe with MIEN_FACE_LANDMARKS_ONLY and
 *   then mien_face_analyzer_expressions on an expression-only analyzer
 *   give describe's landmarks and expressions bit for bit; the
 *   expression-only analyzer refuses detect and describe; landmarks alone
 *   are refused for a face the robust search found;
 * - tracking: a clip made here (the astronaut moving, then gone for 8
 *   frames, then back) and, where ../shared/data/driving is there,
 *   liveportrait-d19's first 2 s give the same frames bit for bit (every
 *   landmark, expression, iris offset (gaze) and flag, the missing and
 *   re-detection counts) on
 *   two threads as on one, and two threads were used.
 * Skips (77) without the face models. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drive/mien-drive.h"
#include "face/mien-face-analyzer.h"
#include "io/mien-export.h"
#include "io/mien-image-io.h"
#include "mien-test.h"

static char models[1100], root_dir[1024];
/* 0 where the nets run on a GPU: no expression-only analyzer, and
 * tracking stays on one thread (mien_face_analyzer_new_expressions). */
static int helper_possible = 1;

static void
test_face_api (mien_face_analyzer *fa, const mien_image *img)
{
  mien_error err = { 0 };
  mien_face *faces = NULL;
  int n = 0;
  mien_face_options single = { .search = MIEN_FACE_SEARCH_SINGLE };
  CHECK (mien_face_analyzer_detect (fa, img, &single, &faces, &n, &err)
             == MIEN_OK && n >= 1,
         "astronaut: %d faces (%s)", n, err.message);
  if (n < 1)
    return;
  mien_face whole = faces[0], split = faces[0];
  CHECK (mien_face_analyzer_describe_ex (fa, img, &whole,
                                         MIEN_FACE_NO_DESCRIPTOR, &err)
             == MIEN_OK,
         "describe: %s", err.message);
  CHECK (mien_face_analyzer_describe_ex (fa, img, &split,
                                         MIEN_FACE_LANDMARKS_ONLY, &err)
             == MIEN_OK,
         "landmarks alone: %s", err.message);
  CHECK (memcmp (whole.landmarks, split.landmarks, sizeof whole.landmarks)
             == 0,
         "landmarks alone differ from describe's");
  float zero[MIEN_N_EXPRESSIONS] = { 0 };
  CHECK (memcmp (split.expressions, zero, sizeof zero) == 0,
         "landmarks alone left expressions");
  mien_face_analyzer *ex = mien_face_analyzer_new_expressions (fa, NULL, &err);
  if (ex == NULL && err.status == MIEN_ERR_UNSUPPORTED)
    {
      printf ("the face nets run on a GPU: %s; tracking stays on one "
              "thread\n", err.message);
      helper_possible = 0;
    }
  else
    CHECK (ex != NULL, "expression-only analyzer: %s", err.message);
  if (ex)
    {
      CHECK (mien_face_analyzer_expressions (ex, img, &split, &err)
                 == MIEN_OK,
             "expressions: %s", err.message);
      CHECK (memcmp (whole.expressions, split.expressions,
                     sizeof whole.expressions)
                 == 0,
             "expressions on the helper differ from describe's (neutral "
             "%.9g against %.9g)",
             (double)split.expressions[MIEN_EXPRESSION_NEUTRAL],
             (double)whole.expressions[MIEN_EXPRESSION_NEUTRAL]);
      mien_face *f2 = NULL;
      int n2 = 0;
      mien_error e2 = { 0 };
      CHECK (mien_face_analyzer_detect (ex, img, NULL, &f2, &n2, &e2)
                 == MIEN_ERR_INVALID && strstr (e2.message, "expression"),
             "detect on the expression-only analyzer: '%s'", e2.message);
      mien_faces_free (f2);
      mien_face d = faces[0];
      e2 = (mien_error){ 0 };
      CHECK (mien_face_analyzer_describe_ex (ex, img, &d, 0, &e2)
                 == MIEN_ERR_INVALID,
             "describe on the expression-only analyzer: '%s'", e2.message);
      mien_face_analyzer_free (ex);
    }
  mien_faces_free (faces);
  /* A face found only by the robust search's other sizes is refined from
   * its landmarks: landmarks alone are refused. */
  mien_face other = whole;
  other.found_by = 1; /* FOUND_OTHER_SIZE */
  mien_error e3 = { 0 };
  CHECK (mien_face_analyzer_describe_ex (fa, img, &other,
                                         MIEN_FACE_LANDMARKS_ONLY, &e3)
             == MIEN_ERR_INVALID,
         "landmarks alone on a refined face: '%s'", e3.message);
}

/* frames 0-13 the astronaut's face moving (a 256² window sliding 3 px a
 * frame, growing 2 px a frame), 14-21 a grey frame, 22-35 the face again. */
static int
make_clip (const mien_image *photo, const char *path)
{
  mien_error err = { 0 };
  mien_export_options eo;
  mien_export_options_init (&eo);
  eo.fps_num = 12;
  eo.fps_den = 1;
  eo.overwrite = 1;
  const int S = 256;
  mien_exporter *ex = mien_exporter_open (path, MIEN_EXPORT_MP4, &eo, S, S,
                                          &err);
  mien_image *frame = mien_image_new (S, S, 3, &err);
  if (ex == NULL || frame == NULL)
    {
      printf ("cannot make the clip: %s\n", err.message);
      mien_exporter_abort (ex);
      mien_image_free (frame);
      return 0;
    }
  int ok = 1;
  for (int i = 0; i < 36 && ok; i++)
    {
      int grey = i >= 14 && i < 22;
      int win = 300 + 2 * (i % 14), x0 = 60 + 3 * (i % 14), y0 = 20 + i % 14;
      for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++)
          for (int c = 0; c < 3; c++)
            {
              int sx = x0 + x * win / S, sy = y0 + y * win / S;
              if (sx >= photo->width)
                sx = photo->width - 1;
              if (sy >= photo->height)
                sy = photo->height - 1;
              frame->data[((size_t)y * S + x) * 3 + c]
                  = grey ? 0.5f
                         : photo->data[((size_t)sy * photo->width + sx)
                                           * photo->channels
                                       + (c < photo->channels ? c : 0)];
            }
      ok = mien_exporter_add_frame (ex, frame, &err) == MIEN_OK;
    }
  ok = ok && mien_exporter_finish (ex, &err) == MIEN_OK;
  if (!ok)
    printf ("cannot make the clip: %s\n", err.message);
  mien_image_free (frame);
  return ok;
}

static void
compare_tracks (mien_face_analyzer *fa, const char *clip, double end,
                int want_missing)
{
  mien_drive_options o;
  mien_drive_options_init (&o);
  o.end = end;
  mien_drive_track one, two;
  mien_error err = { 0 };
  o.track_threads = 1;
  mien_status s1 = mien_drive_track_video (fa, clip, &o, NULL, NULL, &one,
                                           &err);
  CHECK (s1 == MIEN_OK, "%s on one thread: %s", clip, err.message);
  o.track_threads = 2;
  mien_status s2 = mien_drive_track_video (fa, clip, &o, NULL, NULL, &two,
                                           &err);
  CHECK (s2 == MIEN_OK, "%s on two threads: %s", clip, err.message);
  if (s1 != MIEN_OK || s2 != MIEN_OK)
    return;
  CHECK (one.track_threads == 1 && two.track_threads == 1 + helper_possible,
         "%s: threads used %d and %d", clip, one.track_threads,
         two.track_threads);
  CHECK (one.n_frames == two.n_frames && one.n_frames > 0,
         "%s: %d against %d frames", clip, one.n_frames, two.n_frames);
  CHECK (one.n_missing == two.n_missing && one.n_redetect == two.n_redetect,
         "%s: missing %d/%d, re-detections %d/%d", clip, one.n_missing,
         two.n_missing, one.n_redetect, two.n_redetect);
  if (want_missing)
    CHECK (one.n_missing >= 8, "%s: %d missing frames, 8 grey ones", clip,
           one.n_missing);
  int same = 0, first_bad = -1;
  for (int i = 0; i < one.n_frames && i < two.n_frames; i++)
    {
      const mien_drive_frame *a = &one.frames[i], *b = &two.frames[i];
      int eq = memcmp (a->lm, b->lm, sizeof a->lm) == 0
               && memcmp (a->expressions, b->expressions,
                          sizeof a->expressions)
                      == 0
               && a->found == b->found
               /* the driver's irises (gaze), found on the caller's thread */
               && memcmp (a->iris_h, b->iris_h, sizeof a->iris_h) == 0
               && memcmp (a->iris_v, b->iris_v, sizeof a->iris_v) == 0
               && memcmp (a->iris_status, b->iris_status,
                          sizeof a->iris_status)
                      == 0
               && memcmp (a->eye_open, b->eye_open, sizeof a->eye_open) == 0
               && memcmp (a->iris_size, b->iris_size, sizeof a->iris_size)
                      == 0
               && memcmp (a->iris_contrast, b->iris_contrast,
                          sizeof a->iris_contrast)
                      == 0;
      same += eq;
      if (!eq && first_bad < 0)
        first_bad = i;
    }
  CHECK (same == one.n_frames, "%s: %d of %d frames the same (first "
         "difference at frame %d)", clip, same, one.n_frames, first_bad);
  /* The irises were looked for and found (not all frames equal by being
   * empty). */
  CHECK (one.n_iris == two.n_iris && one.n_iris > 0,
         "%s: irises found on %d/%d frames", clip, one.n_iris, two.n_iris);
  /* Not all zero: the expressions were filled in. */
  float sum = 0.0f;
  for (int i = 0; i < two.n_frames; i++)
    for (int k = 0; k < MIEN_N_EXPRESSIONS; k++)
      sum += two.frames[i].expressions[k];
  CHECK (sum > 0.9f * (float)two.n_frames,
         "%s: the expressions sum to %g over %d frames", clip, (double)sum,
         two.n_frames);
  printf ("%s: %d frames the same on one and two threads (%d missing, %d "
          "re-detections, irises on %d; track %.2f s against %.2f s)\n",
          clip, same, one.n_missing, one.n_redetect, one.n_iris, one.t_track,
          two.t_track);
  mien_drive_track_clear (&one);
  mien_drive_track_clear (&two);
}

int
main (void)
{
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  snprintf (root_dir, sizeof root_dir, "%s", root ? root : ".");
  snprintf (models, sizeof models, "%s/data/models/face-api", root_dir);
  if (access (models, R_OK) != 0)
    {
      printf ("SKIP: %s missing (run scripts/setup.sh)\n", models);
      return 77;
    }
  mien_error err = { 0 };
  mien_face_analyzer *fa = mien_face_analyzer_new (models, NULL, &err);
  char path[1200];
  snprintf (path, sizeof path, "%s/data/samples/astronaut.png", root_dir);
  mien_image *photo = fa ? mien_image_load (path, &err) : NULL;
  if (photo == NULL)
    {
      CHECK (0, "set-up: %s", err.message);
      mien_face_analyzer_free (fa);
      return mien_test_exit_code ();
    }
  test_face_api (fa, photo);

  char dir[] = "/tmp/mien-test-drive-threads-XXXXXX";
  if (mkdtemp (dir) != NULL)
    {
      char clip[1100];
      snprintf (clip, sizeof clip, "%s/moving.mp4", dir);
      if (make_clip (photo, clip))
        compare_tracks (fa, clip, 0.0, 1);
      else
        CHECK (0, "no clip");
      unlink (clip);
      rmdir (dir);
    }
  snprintf (path, sizeof path, "%s/../shared/data/driving/liveportrait-d19.mp4",
            root_dir);
  if (access (path, R_OK) == 0)
    compare_tracks (fa, path, 2.0, 0);
  else
    printf ("liveportrait-d19 not there: only the clip made here\n");
  mien_image_free (photo);
  mien_face_analyzer_free (fa);
  return mien_test_exit_code ();
}
