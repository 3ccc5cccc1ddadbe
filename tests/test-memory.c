/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The memory cap before the pyramid (issue #20, "Memory is estimated before
 * decoding and before allocating the pyramid, within 20 % of the real
 * peak"): engine/mien-memory.c and the estimates of mien-reswarp.h and
 * mien-animator.h.
 *  - the estimate of a decomposition (new + its first frame) and of an
 *    animator (new + its first frame with the rig) against the peak measured
 *    in a fresh process (VmHWM), both ResWarp modes, several sizes: within
 *    20 %;
 *  - over the cap, mien_animator_new and mien_device_reswarp refuse with a
 *    message that names the sizes, before allocating (the peak stays flat).
 * Photo loading's own estimate is measured in tests/io/test-formats.c. */
#include <string.h>
#include <unistd.h>

#include "io/mien-landmarks-io.h"
#include "mien-animator.h"
#include "mien-memory.h"
#include "mien-rig.h"
#include "mien-test.h"

static mien_image *
noise_image (int w, int h, int c)
{
  mien_image *im = mien_image_new (w, h, c, NULL);
  if (im)
    for (size_t i = 0; i < mien_image_n_floats (im); i++)
      im->data[i] = mien_test_uniform (0.0f, 1.0f);
  return im;
}

/* The landmark fixture of the 512² test photo, scaled to a size² photo.
 * (Only the landmarks: the fixture's noise photo of mien-test-image.h
 * would move glibc's mmap threshold before the peak is measured.) */
static int
scaled_face (int size, mien_face *face)
{
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  char path[4096];
  snprintf (path, sizeof path, "%s/tests/data/landmarks/astronaut.json",
            root ? root : ".");
  mien_landmark_file lm = { 0 };
  mien_error err = { 0 };
  if (mien_landmark_file_load (path, &lm, &err) != MIEN_OK || lm.n_faces < 1)
    {
      fprintf (stderr, "%s: %s\n", path, err.message);
      return 0;
    }
  *face = lm.faces[0];
  double s = (double)size / lm.width;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    face->landmarks[i].x *= s, face->landmarks[i].y *= s;
  face->box.x *= s, face->box.y *= s, face->box.width *= s,
      face->box.height *= s;
  mien_landmark_file_clear (&lm);
  return 1;
}

/* Child process: what one job allocated at its peak, in bytes (VmHWM after
 * over VmRSS before; a fresh process, since a fork would reuse memory its
 * parent freed). Prints the bytes, or -1. */
static int
peak_main (const char *what, int w, int h, int mode)
{
  mien_pool *pool = mien_pool_new (2);
  mien_error err = { 0 };
  /* The device probe runs once per process (the CUDA runtime's start-up,
   * about 1 MB, in a CUDA build): not the job's, so done before. */
  mien_device_probe (NULL);
  long before = -1, peak = -1;
  if (strcmp (what, "decomposition") == 0)
    {
      mien_image *hd = noise_image (w, h, 3);
      mien_image *out = noise_image (w, h, 3);
      mien_image *refined = noise_image (MIEN_LOW_RES, MIEN_LOW_RES, 3);
      mien_image *field = mien_image_new_zeroed (MIEN_LOW_RES, MIEN_LOW_RES, 2,
                                                 NULL);
      field->data[0] = 0.5f; /* not the identity */
      before = mien_test_status_kb ("VmRSS:");
      mien_decomposition *dec = mien_decomposition_new (
          hd, MIEN_LOW_RES, MIEN_LOW_RES, (mien_reswarp_mode)mode, pool, &err);
      if (dec == NULL
          || mien_reswarp (dec, refined, field, out, pool, &err) != MIEN_OK)
        before = -1;
      peak = mien_test_status_kb ("VmHWM:");
      mien_decomposition_free (dec);
      mien_image_free (hd), mien_image_free (out), mien_image_free (refined),
          mien_image_free (field);
    }
  else
    {
      mien_face face;
      mien_image *photo = noise_image (w, w, 3);
      mien_image *frame = mien_image_copy (photo, NULL);
      mien_generator *rig = mien_rig_new (&err);
      mien_driving c;
      mien_driving_init (&c);
      c.values[MIEN_AU12] = 2.0f, c.values[MIEN_AU26] = 2.0f;
      if (!scaled_face (w, &face) || !rig)
        return 1;
      /* The rig's own working memory (128² fields and maps, kept in the
       * generator across frames) is the generator's, not the animator's:
       * one small frame first brings it in. */
      mien_face small;
      mien_image *tiny = noise_image (256, 256, 3);
      mien_image *tiny_frame = mien_image_copy (tiny, NULL);
      mien_animator *warm = scaled_face (256, &small)
                                ? mien_animator_new (tiny, &small,
                                                     (mien_reswarp_mode)mode,
                                                     pool, &err)
                                : NULL;
      if (warm)
        mien_animator_render (warm, rig, &c, tiny_frame, NULL, &err);
      mien_animator_free (warm);
      mien_image_free (tiny), mien_image_free (tiny_frame);
      before = mien_test_status_kb ("VmRSS:");
      mien_animator *anim
          = mien_animator_new (photo, &face, (mien_reswarp_mode)mode, pool,
                               &err);
      if (anim == NULL
          || mien_animator_render (anim, rig, &c, frame, NULL, &err) != MIEN_OK)
        before = -1;
      peak = mien_test_status_kb ("VmHWM:");
      mien_animator_free (anim);
      mien_generator_free (rig);
      mien_image_free (photo), mien_image_free (frame);
    }
  if (before < 0)
    fprintf (stderr, "%s\n", err.message);
  printf ("%.0f\n", before > 0 && peak > 0 ? (double)(peak - before) * 1024.0
                                           : -1.0);
  mien_pool_free (pool);
  return 0;
}

static double
measured_peak (const char *what, int w, int h, int mode)
{
  char cmd[512];
  snprintf (cmd, sizeof cmd, "/proc/%d/exe --peak %s %d %d %d",
            (int)getpid (), what, w, h, mode);
  FILE *p = popen (cmd, "r");
  double bytes = -1;
  if (p == NULL || fscanf (p, "%lf", &bytes) != 1)
    bytes = -1;
  if (p)
    pclose (p);
  return bytes;
}

static void
test_decomposition_estimates (void)
{
  const int sizes[][2] = { { 1000, 1000 }, { 3840, 2160 }, { 2001, 3001 } };
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    for (int mode = 0; mode < 2; mode++)
      {
        int w = sizes[i][0], h = sizes[i][1];
        double est = (double)mien_decomposition_estimate_bytes (
            w, h, 3, MIEN_LOW_RES, MIEN_LOW_RES, (mien_reswarp_mode)mode);
        double got = measured_peak ("decomposition", w, h, mode);
        printf ("decomposition %d×%d %-10s estimate %6.1f MiB, measured "
                "%6.1f MiB (%+.1f %%)\n",
                w, h, mien_reswarp_mode_to_string ((mien_reswarp_mode)mode),
                est / 1048576.0, got / 1048576.0, 100.0 * (est - got) / got);
        CHECK (got > 0 && fabs (est - got) <= 0.2 * got,
               "decomposition %d×%d mode %d: estimate %.0f, measured %.0f", w,
               h, mode, est, got);
      }
}

static void
test_animator_estimates (void)
{
  const int sizes[] = { 1024, 4096 };
  for (size_t i = 0; i < 2; i++)
    for (int mode = 0; mode < 2; mode++)
      {
        int w = sizes[i];
        mien_face face;
        if (!scaled_face (w, &face))
          {
            CHECK (0, "landmark fixture");
            return;
          }
        /* The estimate reads only the photo's size: an untouched image. */
        mien_image *photo = mien_image_new (w, w, 3, NULL);
        double est = (double)mien_animator_estimate_bytes (
            photo, &face, (mien_reswarp_mode)mode);
        mien_image_free (photo);
        double got = measured_peak ("animator", w, w, mode);
        printf ("animator %d² %-10s estimate %6.1f MiB, measured %6.1f MiB "
                "(%+.1f %%)\n",
                w, mien_reswarp_mode_to_string ((mien_reswarp_mode)mode),
                est / 1048576.0, got / 1048576.0, 100.0 * (est - got) / got);
        CHECK (got > 0 && fabs (est - got) <= 0.2 * got,
               "animator %d² mode %d: estimate %.0f, measured %.0f", w, mode,
               est, got);
      }
}

static void
test_refusal (void)
{
  const int w = 4096;
  mien_face face;
  if (!scaled_face (w, &face))
    return;
  mien_image *photo = mien_image_new (w, w, 3, NULL);
  mien_error err = { 0 };
  uint64_t photo_bytes = (uint64_t)w * w * 3 * 4;
  uint64_t need = mien_animator_estimate_bytes (photo, &face,
                                                MIEN_RESWARP_MULTISCALE);
  /* Just under what the job needs: refused, naming the sizes. */
  mien_memory_set_cap (2 * photo_bytes + need - (1u << 20));
  long before = mien_test_status_kb ("VmHWM:");
  mien_animator *anim = mien_animator_new (photo, &face,
                                           MIEN_RESWARP_MULTISCALE, NULL, &err);
  long after = mien_test_status_kb ("VmHWM:");
  CHECK (anim == NULL && err.status == MIEN_ERR_NOMEM
             && strstr (err.message, "multiscale ResWarp pyramid")
             && strstr (err.message, "memory limit of"),
         "over the cap: refused with the sizes named: %s", err.message);
  CHECK (after - before < 16 * 1024,
         "refused before allocating (peak grew %ld KiB)", after - before);
  printf ("refused: %s\n", err.message);
  mien_animator_free (anim);
  /* Just over it: accepted (untouched photo: the pyramid is built of
   * zeros, cheaply). */
  mien_memory_set_cap (2 * photo_bytes + need + (1u << 20));
  err = (mien_error){ 0 };
  anim = mien_animator_new (photo, &face, MIEN_RESWARP_VANILLA, NULL, &err);
  CHECK (anim != NULL, "under the cap: accepted: %s", err.message);
  mien_animator_free (anim);
  mien_memory_set_cap (0);
  mien_image_free (photo);

  uint64_t b = 0;
  CHECK (mien_parse_byte_size ("2G", &b) && b == 2ull << 30, "2G");
  char buf[32];
  CHECK (strcmp (mien_format_bytes (3ull << 29, buf), "1.5 GiB") == 0,
         "1.5 GiB: %s", buf);
  CHECK (strcmp (mien_format_bytes (1, buf), "1 MiB") == 0, "1 MiB: %s",
         buf);
}

int
main (int argc, char **argv)
{
  if (argc == 6 && strcmp (argv[1], "--peak") == 0)
    return peak_main (argv[2], atoi (argv[3]), atoi (argv[4]),
                      atoi (argv[5]));
  /* Under AddressSanitizer the allocator's shadow and quarantine make RSS
   * say nothing about our allocations; the estimates are checked in the
   * plain builds. */
#if defined(__SANITIZE_ADDRESS__)
  printf ("peaks not measured under AddressSanitizer\n");
#else
  test_decomposition_estimates ();
  test_animator_estimates ();
#endif
  test_refusal ();
  return mien_test_exit_code ();
}
