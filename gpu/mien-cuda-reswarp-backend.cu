/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The CUDA ResWarp backend (engine/mien-reswarp-backend.h): the table of
 * functions mien_device_reswarp calls, over gpu/mien-cuda-reswarp.h. First
 * in the registry when built; available when mien_device_probe says CUDA
 * (a usable GPU, and the CPU not forced by --cpu, MIEN_CPU or the
 * preference). Its device failures (out of device memory, any CUDA error)
 * fall through to the CPU backend. */
#include "mien-cuda-reswarp.h"
#include "mien-reswarp-backend.h"

static int
cuda_available (void)
{
  return mien_device_probe (NULL) == MIEN_DEVICE_CUDA;
}

static void *
cuda_create (const mien_image *hd, int low_w, int low_h,
             mien_reswarp_mode mode, unsigned flags, mien_pool *pool,
             mien_error *err)
{
  (void)pool;
  mien_cuda_storage storage = (flags & MIEN_DEVICE_RESWARP_HALF)
                                  ? MIEN_CUDA_STORAGE_HALF
                                  : MIEN_CUDA_STORAGE_FLOAT;
  mien_cuda_decomposition *dec
      = mien_cuda_decomposition_new (hd, low_w, low_h, mode, storage, err);
  if (dec != NULL)
    mien_cuda_decomposition_set_residual_fade (
        dec, !(flags & MIEN_DEVICE_RESWARP_NO_FADE));
  return dec;
}

static void
cuda_destroy (void *state)
{
  mien_cuda_decomposition_free ((mien_cuda_decomposition *)state);
}

static const mien_image *
cuda_get_low (void *state)
{
  return mien_cuda_decomposition_get_low ((mien_cuda_decomposition *)state);
}

static mien_status
cuda_frame (void *state, const mien_image *refined, const mien_image *field,
            mien_image *out, mien_error *err)
{
  return mien_cuda_reswarp ((mien_cuda_decomposition *)state, refined, field,
                            out, err);
}

static void
cuda_set_residual_fade (void *state, int on)
{
  mien_cuda_decomposition_set_residual_fade ((mien_cuda_decomposition *)state,
                                             on);
}

extern "C" const mien_reswarp_backend *
mien_cuda_reswarp_backend (void)
{
  static mien_reswarp_backend backend;
  backend.name = "cuda";
  backend.kind = MIEN_DEVICE_CUDA;
  backend.available = cuda_available;
  backend.create = cuda_create;
  backend.destroy = cuda_destroy;
  backend.get_low = cuda_get_low;
  backend.frame = cuda_frame;
  backend.set_residual_fade = cuda_set_residual_fade;
  backend.cpu_decomposition = nullptr;
  return &backend;
}
