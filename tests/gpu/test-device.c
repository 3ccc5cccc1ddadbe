/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The device API on whatever this machine has. Without a device (or
 * without a CUDA build) this is the fallback path: the probe says why, the
 * CPU is used, and ResWarp through mien_device gives the CPU's bits. With a
 * device: CUDA is picked, MIEN_CPU=1 and force_cpu override it, and an
 * out-of-memory decomposition (MIEN_CUDA_MEMORY_LIMIT_MB) falls back to the
 * CPU with a message and the same output. */
#include <stdlib.h>
#include <string.h>

#include "mien-device.h"
#include "mien-reswarp.h"
#include "mien-test.h"

#ifdef MIEN_HAVE_CUDA
#include "mien-cuda-reswarp.h"
#include "mien-cuda.h"
#endif

static char last_log[1024];
static int n_logs;

static void
capture_log (const char *message, void *data)
{
  snprintf (last_log, sizeof last_log, "%s", message);
  n_logs++;
}

static mien_image *
random_image (int w, int h, int c)
{
  mien_image *im = mien_image_new (w, h, c, NULL);
  for (size_t i = 0; i < mien_image_n_floats (im); i++)
    im->data[i] = mien_test_uniform (0.0f, 1.0f);
  return im;
}

static mien_image *
smooth_field (int w, int h)
{
  mien_image *f = mien_image_new (w, h, 2, NULL);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        f->data[((size_t)y * w + x) * 2] = 2.5f * sinf (0.07f * x + 0.3f * y);
        f->data[((size_t)y * w + x) * 2 + 1] = -1.5f * cosf (0.05f * y);
      }
  return f;
}

/* ResWarp through mien_device against mien_reswarp on the CPU. Returns the
 * largest difference; *kind says where it ran. */
static float
device_vs_cpu (const mien_image *hd, mien_reswarp_mode mode,
               mien_device_kind *kind)
{
  mien_error err = { 0 };
  mien_decomposition *cpu = mien_decomposition_new (hd, 128, 128, mode, NULL,
                                                    &err);
  mien_device_reswarp *dev = mien_device_reswarp_new (hd, 128, 128, mode, 0,
                                                      NULL, &err);
  CHECK (cpu != NULL && dev != NULL, "%s", err.message);
  if (cpu == NULL || dev == NULL)
    return INFINITY;
  *kind = mien_device_reswarp_get_kind (dev);
  CHECK (mien_image_max_abs_diff (mien_decomposition_get_low (cpu),
                                  mien_device_reswarp_get_low (dev))
             <= 1e-6f,
         "I differs between devices");
  mien_image *field = smooth_field (128, 128);
  mien_image *refined = mien_image_copy (mien_decomposition_get_low (cpu),
                                         NULL);
  mien_image *a = mien_image_new (hd->width, hd->height, hd->channels, NULL);
  mien_image *b = mien_image_new (hd->width, hd->height, hd->channels, NULL);
  CHECK (mien_reswarp (cpu, refined, field, a, NULL, &err) == MIEN_OK, "%s",
         err.message);
  CHECK (mien_device_reswarp_frame (dev, refined, field, b, &err) == MIEN_OK,
         "%s", err.message);
  float d = mien_image_max_abs_diff (a, b);

  /* A NaN in the field is the caller's error on either device. */
  field->data[7] = NAN;
  CHECK (mien_device_reswarp_frame (dev, refined, field, b, &err)
             == MIEN_ERR_INVALID,
         "a NaN field must be refused");
  mien_image_free (a);
  mien_image_free (b);
  mien_image_free (field);
  mien_image_free (refined);
  mien_decomposition_free (cpu);
  mien_device_reswarp_free (dev);
  return d;
}

int
main (void)
{
  mien_device_set_log_func (capture_log, NULL);
  unsetenv ("MIEN_CPU");
  mien_device_info info;
  mien_device_kind kind = mien_device_probe (&info);
  printf ("device: %s (%s)%s%s\n", mien_device_kind_to_string (kind),
          info.description, info.reason[0] ? "; " : "", info.reason);
  CHECK (kind == info.kind, "probe result and info disagree");
  CHECK (kind == MIEN_DEVICE_CUDA || info.reason[0] != '\0',
         "the CPU was chosen without a reason");
#ifdef MIEN_HAVE_CUDA
  CHECK (info.cuda_built, "a CUDA build must say so");
  mien_cuda_device_info cinfo;
  mien_error cerr = { 0 };
  mien_status cs = mien_cuda_probe (&cinfo, &cerr);
  CHECK ((cs == MIEN_OK) == (kind == MIEN_DEVICE_CUDA),
         "engine probe and CUDA probe disagree");
  if (cs != MIEN_OK)
    {
      /* This machine's case (no driver): the CUDA API itself refuses with
       * a message rather than crashing, and mien_device never used it. */
      CHECK (cerr.status == MIEN_ERR_UNSUPPORTED && cerr.message[0],
             "CUDA probe failure must carry a reason");
      mien_image *small = random_image (200, 150, 3);
      mien_error e = { 0 };
      mien_cuda_decomposition *d = mien_cuda_decomposition_new (
          small, 128, 128, MIEN_RESWARP_MULTISCALE, MIEN_CUDA_STORAGE_FLOAT,
          &e);
      CHECK (d == NULL && e.status != MIEN_OK && e.message[0],
             "a CUDA decomposition without a device must fail cleanly");
      printf ("CUDA without a device says: %s\n", e.message);
      mien_cuda_decomposition_free (d);
      mien_image_free (small);
    }
#else
  CHECK (!info.cuda_built && kind == MIEN_DEVICE_CPU, "not a CUDA build");
#endif

  /* Forcing the CPU, by environment and by call. */
  setenv ("MIEN_CPU", "1", 1);
  CHECK (mien_device_probe (&info) == MIEN_DEVICE_CPU
             && strstr (info.reason, "MIEN_CPU") != NULL,
         "MIEN_CPU=1 must force the CPU (%s)", info.reason);
  setenv ("MIEN_CPU", "0", 1);
  CHECK (mien_device_probe (NULL) == kind, "MIEN_CPU=0 must not force");
  unsetenv ("MIEN_CPU");
  mien_device_force_cpu (1);
  CHECK (mien_device_probe (NULL) == MIEN_DEVICE_CPU, "force_cpu ignored");
  mien_device_kind k;
  mien_image *hd = random_image (321, 257, 3);
  for (int m = 0; m < 2; m++)
    {
      float d = device_vs_cpu (hd, (mien_reswarp_mode)m, &k);
      CHECK (k == MIEN_DEVICE_CPU && d == 0.0f,
             "forced CPU: %s differs by %g", m ? "multiscale" : "vanilla", d);
    }
  mien_device_force_cpu (0);
  CHECK (mien_device_probe (NULL) == kind, "force_cpu (0) must undo");

  /* The probed device: the CPU's bits, or CUDA to float rounding. */
  for (int m = 0; m < 2; m++)
    {
      float d = device_vs_cpu (hd, (mien_reswarp_mode)m, &k);
      CHECK (k == kind, "ResWarp ran on %s, the probe said %s",
             mien_device_kind_to_string (k), mien_device_kind_to_string (kind));
      float tol = k == MIEN_DEVICE_CPU ? 0.0f : 1e-5f;
      CHECK (d <= tol, "%s on %s differs from the CPU by %g (limit %g)",
             m ? "multiscale" : "vanilla", mien_device_kind_to_string (k), d,
             tol);
    }

  if (kind == MIEN_DEVICE_CUDA)
    {
      /* Out of device memory: falls back with a message, same output. */
      setenv ("MIEN_CUDA_MEMORY_LIMIT_MB", "1", 1);
      n_logs = 0;
      float d = device_vs_cpu (hd, MIEN_RESWARP_MULTISCALE, &k);
      CHECK (k == MIEN_DEVICE_CPU && d == 0.0f && n_logs == 1
                 && strstr (last_log, "device memory") != NULL,
             "out-of-memory fallback: ran on %s, diff %g, log '%s'",
             mien_device_kind_to_string (k), d, last_log);
      printf ("out-of-memory fallback logged: %s\n", last_log);
      unsetenv ("MIEN_CUDA_MEMORY_LIMIT_MB");
    }
  mien_image_free (hd);
  return mien_test_exit_code ();
}
