/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CUDA ResWarp against the CPU's (the reference), both modes, at 128²,
 * 1000×750 and 2048², on random photos in [-1, 1] and smooth random fields.
 *
 * Float residuals: I, every residual level, every frame and every warped
 * level within 1e-5 of the CPU (the kernels mirror the CPU's arithmetic;
 * expected to be 0 or a few ulps). Half residuals: within 1e-3 per level
 * (half's rounding of residuals up to ±2 is at most 2^-10), and on a
 * photo-like image under half an 8-bit step (0.5/255), the quality bar.
 * Every output is checked for NaN, for sentinel floats after its end, and
 * (device variant) for the untouched padding of a pitched RGBA buffer.
 * Frames 0 and 1 use the residual gain (the default; the random fields'
 * still corner and steep sines drive it to 0 in places), frame 2 the paper's
 * equations (fade off on both devices).
 * Skipped (exit 77) without a device. */
#include <cuda_runtime_api.h>

#include "gpu-test.h"
#include "mien-cuda-reswarp.h"
#include "mien-field.h"
#include "mien-reswarp.h"

#define GUARD 64

static float
compare_levels (mien_decomposition *cpu, mien_cuda_decomposition *gpu)
{
  float worst = 0.0f;
  int n = mien_decomposition_get_n_residuals (cpu);
  CHECK (n == mien_cuda_decomposition_get_n_residuals (gpu),
         "level counts differ: %d vs %d", n,
         mien_cuda_decomposition_get_n_residuals (gpu));
  for (int k = 0; k < n; k++)
    {
      const mien_image *r = mien_decomposition_get_residual (cpu, k);
      mien_image *g = mien_image_new (r->width, r->height, r->channels, NULL);
      mien_error err = { 0 };
      CHECK (mien_cuda_decomposition_download_residual (gpu, k, g, &err)
                 == MIEN_OK,
             "%s", err.message);
      float d = mien_image_max_abs_diff (r, g);
      worst = d > worst ? d : worst;
      mien_image_free (g);
    }
  return worst;
}

/* G · warp(R_k, F_k) (+ (1 − G) · T) on the device against the CPU's
 * compose onto zero (G = 1 when the decompositions do not fade). */
static float
compare_warped_levels (mien_decomposition *cpu, mien_cuda_decomposition *gpu,
                       const mien_image *field)
{
  float worst = 0.0f;
  mien_image zero = { 1, 1, 3, (float[3]){ 0, 0, 0 } };
  mien_image *gain = NULL;
  if (mien_decomposition_get_residual_fade (cpu))
    {
      gain = mien_image_new (field->width, field->height, 1, NULL);
      CHECK (mien_field_residual_gain (field, gain, NULL) == MIEN_OK, "gain");
    }
  for (int k = 0; k < mien_decomposition_get_n_residuals (cpu); k++)
    {
      const mien_image *r = mien_decomposition_get_residual (cpu, k);
      zero.channels = r->channels;
      mien_image *want = mien_image_new (r->width, r->height, r->channels, NULL);
      mien_image *got = gpu_test_guarded_image (r->width, r->height,
                                                r->channels, GUARD);
      mien_error err = { 0 };
      /* The CPU decomposition's departures: the gain, the transport where
       * it fades and the resampler (set by the fade, mien-reswarp.h). */
      mien_warp_options options = {
        .gain = gain,
        .resampler = mien_decomposition_get_resampler (cpu),
        .transport = gain != NULL
                     && mien_decomposition_get_texture_transport (cpu),
      };
      mien_warp_compose_ex (&zero, r, field, &options, want, NULL, &err);
      float *dev = NULL;
      size_t bytes = mien_image_n_floats (got) * sizeof (float);
      CHECK (cudaMalloc ((void **)&dev, bytes) == cudaSuccess, "cudaMalloc");
      CHECK (mien_cuda_reswarp_warp_level_device (
                 gpu, k, dev, (size_t)r->width * r->channels * sizeof (float),
                 r->channels, &err)
                 == MIEN_OK,
             "%s", err.message);
      CHECK (mien_cuda_decomposition_synchronize (gpu, &err) == MIEN_OK, "%s",
             err.message);
      cudaMemcpy (got->data, dev, bytes, cudaMemcpyDeviceToHost);
      cudaFree (dev);
      CHECK (mien_image_all_finite (got), "NaN in warped level %d", k);
      CHECK (gpu_test_guard_intact (got, GUARD), "level %d overran", k);
      float d = mien_image_max_abs_diff (want, got);
      worst = d > worst ? d : worst;
      mien_image_free (want);
      free (got->data);
      free (got);
    }
  mien_image_free (gain);
  return worst;
}

/* The frame written into a pitched RGBA device buffer: RGB as the host
 * frame, A = 1, the pitch's slack untouched. */
static void
check_device_frame (mien_cuda_decomposition *gpu, const mien_image *host)
{
  int W = host->width, H = host->height, C = host->channels;
  size_t pitch_floats = (size_t)W * 4 + 5;
  size_t n = pitch_floats * H;
  float *buf = malloc (n * sizeof (float)), *dev = NULL;
  for (size_t i = 0; i < n; i++)
    buf[i] = gpu_test_sentinel;
  CHECK (cudaMalloc ((void **)&dev, n * sizeof (float)) == cudaSuccess,
         "cudaMalloc");
  cudaMemcpy (dev, buf, n * sizeof (float), cudaMemcpyHostToDevice);
  /* The decomposition's stream does not wait for the legacy stream, and
   * the copy from pageable memory may still be landing: wait for it, or
   * the sentinels could overwrite the frame. */
  CHECK (cudaDeviceSynchronize () == cudaSuccess, "cudaDeviceSynchronize");
  mien_error err = { 0 };
  CHECK (mien_cuda_reswarp_device (gpu, dev, pitch_floats * sizeof (float), 4,
                                   &err)
             == MIEN_OK,
         "%s", err.message);
  CHECK (mien_cuda_decomposition_synchronize (gpu, &err) == MIEN_OK, "%s",
         err.message);
  cudaMemcpy (buf, dev, n * sizeof (float), cudaMemcpyDeviceToHost);
  cudaFree (dev);
  int bad_rgb = 0, bad_alpha = 0, bad_slack = 0;
  for (int y = 0; y < H; y++)
    {
      const float *row = buf + (size_t)y * pitch_floats;
      for (int x = 0; x < W; x++)
        {
          for (int c = 0; c < C; c++)
            bad_rgb += row[x * 4 + c] != host->data[((size_t)y * W + x) * C + c];
          for (int c = C; c < 4; c++)
            bad_alpha += row[x * 4 + c] != 1.0f;
        }
      for (size_t i = (size_t)W * 4; i < pitch_floats; i++)
        bad_slack += row[i] != gpu_test_sentinel;
    }
  CHECK (bad_rgb == 0 && bad_alpha == 0 && bad_slack == 0,
         "RGBA device frame: %d colour, %d alpha, %d slack values wrong",
         bad_rgb, bad_alpha, bad_slack);
  free (buf);
}

static void
run_case (int W, int H, mien_reswarp_mode mode, mien_cuda_storage storage,
          const mien_image *hd, float tol, const char *what)
{
  mien_error err = { 0 };
  mien_decomposition *cpu = mien_decomposition_new (hd, 128, 128, mode, NULL,
                                                    &err);
  mien_cuda_decomposition *gpu
      = mien_cuda_decomposition_new (hd, 128, 128, mode, storage, &err);
  CHECK (cpu != NULL && gpu != NULL, "%s", err.message);
  if (cpu == NULL || gpu == NULL)
    return;
  const char *mname = mien_reswarp_mode_to_string (mode);
  const char *sname = storage == MIEN_CUDA_STORAGE_HALF ? "half" : "float";
  float d_low = mien_image_max_abs_diff (mien_decomposition_get_low (cpu),
                                         mien_cuda_decomposition_get_low (gpu));
  float d_res = compare_levels (cpu, gpu);
  int levels = mien_decomposition_get_n_residuals (cpu);
  float level_tol = storage == MIEN_CUDA_STORAGE_HALF ? 1e-3f : 1e-6f;
  CHECK (d_low <= 1e-6f, "%s %d×%d %s: I differs by %g", what, W, H, mname,
         d_low);
  CHECK (d_res <= level_tol, "%s %d×%d %s %s: residuals differ by %g", what, W,
         H, mname, sname, d_res);

  /* Frames with different fields: the resident state must not drift. */
  for (int frame = 0; frame < 3; frame++)
    {
      if (frame == 2)
        {
          mien_decomposition_set_residual_fade (cpu, 0);
          mien_cuda_decomposition_set_residual_fade (gpu, 0);
        }
      mien_image *field = gpu_test_field (128, 128, frame ? 6.0f : 2.0f);
      mien_image *refined = mien_image_copy (mien_decomposition_get_low (cpu),
                                             NULL);
      for (size_t i = 0; i < mien_image_n_floats (refined); i++)
        refined->data[i] += mien_test_uniform (-0.05f, 0.05f);
      mien_image *want = mien_image_new (W, H, hd->channels, NULL);
      mien_image *got = gpu_test_guarded_image (W, H, hd->channels, GUARD);
      CHECK (mien_reswarp (cpu, refined, field, want, NULL, &err) == MIEN_OK,
             "%s", err.message);
      CHECK (mien_cuda_reswarp (gpu, refined, field, got, &err) == MIEN_OK,
             "%s", err.message);
      float d = mien_image_max_abs_diff (want, got);
      printf ("%-6s %4d×%-4d %-10s %-5s frame %d%s: levels %d, I %.2g, "
              "residuals %.2g, frame %.3g (limit %.2g)\n",
              what, W, H, mname, sname, frame, frame == 2 ? " (no fade)" : "",
              levels, d_low, d_res, d,
              tol * (storage == MIEN_CUDA_STORAGE_HALF ? levels : 1));
      CHECK (mien_image_all_finite (got), "NaN in the frame");
      CHECK (gpu_test_guard_intact (got, GUARD), "the frame overran");
      CHECK (d <= tol * (storage == MIEN_CUDA_STORAGE_HALF ? levels : 1),
             "%s %d×%d %s %s frame %d: differs from the CPU by %g", what, W,
             H, mname, sname, frame, d);
      if (storage == MIEN_CUDA_STORAGE_FLOAT)
        {
          float dw = compare_warped_levels (cpu, gpu, field);
          CHECK (dw <= 1e-5f, "warped levels differ by %g", dw);
          check_device_frame (gpu, got);
        }
      if (frame == 1)
        {
          field->data[11] = NAN;
          CHECK (mien_cuda_reswarp (gpu, refined, field, got, &err)
                     == MIEN_ERR_INVALID,
                 "a NaN field must be refused");
        }
      mien_image_free (field);
      mien_image_free (refined);
      mien_image_free (want);
      free (got->data);
      free (got);
    }
  mien_decomposition_free (cpu);
  mien_cuda_decomposition_free (gpu);
}

/* A photo-like image in [0, 1]: smooth shading plus fine texture. */
static mien_image *
photo_like (int w, int h)
{
  mien_image *im = mien_image_new (w, h, 3, NULL);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++)
        im->data[((size_t)y * w + x) * 3 + c]
            = 0.5f + 0.3f * sinf (0.01f * x + c) * cosf (0.013f * y)
              + mien_test_uniform (-0.08f, 0.08f);
  return im;
}

int
main (void)
{
  if (!gpu_test_have_device ())
    return MIEN_TEST_SKIP;
  const int sizes[3][2] = { { 128, 128 }, { 1000, 750 }, { 2048, 2048 } };
  for (int s = 0; s < 3; s++)
    {
      int W = sizes[s][0], H = sizes[s][1];
      mien_image *hd = gpu_test_random_image (W, H, 3, -1.0f, 1.0f);
      for (int m = 0; m < 2; m++)
        {
          run_case (W, H, (mien_reswarp_mode)m, MIEN_CUDA_STORAGE_FLOAT, hd,
                    1e-5f, "random");
          run_case (W, H, (mien_reswarp_mode)m, MIEN_CUDA_STORAGE_HALF, hd,
                    1e-3f, "random");
        }
      mien_image_free (hd);
    }
  /* The quality bar for half storage: under half an 8-bit step in total. */
  mien_image *photo = photo_like (2048, 2048);
  for (int m = 0; m < 2; m++)
    run_case (2048, 2048, (mien_reswarp_mode)m, MIEN_CUDA_STORAGE_HALF, photo,
              0.5f / 255.0f / 5.0f, "photo");
  mien_image_free (photo);

  /* Bad input. */
  mien_image *hd = gpu_test_random_image (300, 200, 3, 0, 1);
  mien_error err = { 0 };
  mien_cuda_decomposition *gpu = mien_cuda_decomposition_new (
      hd, 128, 128, MIEN_RESWARP_VANILLA, MIEN_CUDA_STORAGE_FLOAT, &err);
  mien_image *wrong = mien_image_new (64, 64, 2, NULL);
  mien_image *out = mien_image_new (300, 200, 3, NULL);
  CHECK (gpu != NULL
             && mien_cuda_reswarp (gpu, mien_cuda_decomposition_get_low (gpu),
                                   wrong, out, &err)
                    == MIEN_ERR_INVALID,
         "a field of the wrong size must be refused");
  mien_cuda_decomposition_free (gpu);
  mien_image_free (wrong);
  mien_image_free (out);
  mien_image_free (hd);
  return mien_test_exit_code ();
}
