/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The CUDA backend of engine/nn: cuDNN for convolutions (algorithm found
 * once per shape, FP32 arithmetic: no TF32), cuBLAS for fully connected
 * layers, own kernels for depthwise convolutions, pooling, elementwise ops,
 * padding and softmax. Other ops (transposed convolution, concat, instance
 * norm, resizing, sampling) are not supported and run on the CPU through
 * supports_op.
 *
 * Residency (engine/nn/mien-nn-residency.h): weights (constant tensors)
 * are uploaded the first time an op reads them and stay until the tensor
 * or the backend is freed; each op's output stays on the device and the
 * next CUDA op reads it there. Only host tensors the caller wrote (network
 * inputs, and outputs of ops that ran on the CPU) are copied in, per op.
 * mien_nn copies each output back to the host after its op unless the
 * context has lazy outputs (mien_nn_set_lazy_outputs); ops that run on the
 * CPU copy their device-only inputs back first.
 *
 * On a CUDA failure inside an op, the op is computed by the backend's own
 * CPU backend instead (same result to the stated tolerance), the reason
 * goes to mien_device's log, and after a failure that leaves the device
 * unusable every later op goes to the CPU as well. */
#pragma once

#include "mien-pool.h"
#include "nn/mien-nn-backend.h"
#include "nn/mien-nn-residency.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Needs a device (mien_cuda_probe); pool is for the CPU fallback. */
mien_nn_backend *mien_nn_cuda_backend_new (mien_pool *pool, mien_error *err);
int mien_nn_backend_is_cuda (mien_nn_backend *backend);

/* What moved between host and device so far (for tests and benchmarks). */
typedef struct mien_nn_cuda_stats {
  size_t input_uploads, input_upload_bytes; /* host tensors, per op */
  mien_residency_stats resident;            /* weights, outputs, memory */
} mien_nn_cuda_stats;
void mien_nn_cuda_backend_get_stats (mien_nn_backend *backend,
                                     mien_nn_cuda_stats *stats);

#ifdef __cplusplus
}
#endif
