/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-nn-device.h"

#include "../mien-device.h"
#include "mien-nn-cpu.h"

#ifdef MIEN_HAVE_CUDA
#include "mien-cuda-nn.h"
#endif

mien_nn_backend *
mien_nn_backend_new_default (mien_pool *pool, mien_error *err)
{
#ifdef MIEN_HAVE_CUDA
  if (mien_device_probe (NULL) == MIEN_DEVICE_CUDA)
    {
      mien_error cuda_err = { 0 };
      mien_nn_backend *b = mien_nn_cuda_backend_new (pool, &cuda_err);
      if (b != NULL)
        return b;
      mien_device_log ("%s; networks run on the CPU", cuda_err.message);
    }
#endif
  return mien_nn_cpu_backend_new (pool, 0, err);
}
