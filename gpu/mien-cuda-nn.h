/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The CUDA backend of engine/nn: cuDNN for convolutions (algorithm found
 * once per shape, FP32 arithmetic: no TF32), cuBLAS for fully connected
 * layers, own kernels for depthwise convolutions, pooling, elementwise ops,
 * padding and softmax. Other ops (transposed convolution, concat, instance
 * norm, resizing, sampling) are not supported and run on the CPU through
 * supports_op.
 *
 * Tensors stay host tensors (no tensor_alloc): each op uploads its inputs
 * and downloads its output. That is correct and simple, and costs a copy
 * per op; device-resident activations are the next step.
 *
 * On a CUDA failure inside an op, the op is computed by the backend's own
 * CPU backend instead (same result to the stated tolerance), the reason
 * goes to mien_device's log, and after a failure that leaves the device
 * unusable every later op goes to the CPU as well. */
#pragma once

#include "mien-pool.h"
#include "nn/mien-nn-backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Needs a device (mien_cuda_probe); pool is for the CPU fallback. */
mien_nn_backend *mien_nn_cuda_backend_new (mien_pool *pool, mien_error *err);
int mien_nn_backend_is_cuda (mien_nn_backend *backend);

#ifdef __cplusplus
}
#endif
