/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A backend is a table of function pointers plus its private state, as in
 * ggml: the CPU backend here, a CUDA backend later. Slots marked optional may
 * be NULL: a backend without tensor_alloc computes on host memory, and an op
 * a backend does not support (supports_op returns 0) runs on the CPU backend
 * instead. compute_op receives ops that passed mien_nn_op_infer_shape, with
 * the destination already allocated. */
#pragma once

#include "mien-nn-op.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mien_nn_backend mien_nn_backend;

typedef struct mien_nn_backend_iface {
  const char *(*get_name) (mien_nn_backend *backend);
  void (*free) (mien_nn_backend *backend);
  int (*supports_op) (mien_nn_backend *backend, const mien_nn_op *op);
  mien_status (*compute_op) (mien_nn_backend *backend, const mien_nn_op *op,
                             mien_error *err);
  /* Optional: device memory for tensor->device, and copies to and from the
   * host data. */
  mien_status (*tensor_alloc) (mien_nn_backend *backend, mien_tensor *tensor,
                               mien_error *err);
  void (*tensor_release) (mien_nn_backend *backend, mien_tensor *tensor);
  mien_status (*tensor_upload) (mien_nn_backend *backend, mien_tensor *tensor,
                                mien_error *err);
  mien_status (*tensor_download) (mien_nn_backend *backend,
                                  mien_tensor *tensor, mien_error *err);
  /* Optional: waits for queued work. */
  void (*synchronize) (mien_nn_backend *backend);
  /* 1: the backend reads and writes its own copies of tensors
   * (tensor->device, mien-nn-residency.h), and its outputs are left there
   * (host-stale). 0 (the CPU): mien_nn_backend_compute makes the sources'
   * host data current first. */
  int keeps_device_copies;
} mien_nn_backend_iface;

struct mien_nn_backend {
  const mien_nn_backend_iface *iface;
  void *context;
};

const char *mien_nn_backend_name (mien_nn_backend *backend);
int mien_nn_backend_supports_op (mien_nn_backend *backend,
                                 const mien_nn_op *op);
/* Checks the op, then runs it on the backend (which must support it). For
 * a backend that keeps device copies the destination may be left
 * host-stale: read it through mien_tensor_host. */
mien_status mien_nn_backend_compute (mien_nn_backend *backend,
                                     const mien_nn_op *op, mien_error *err);
void mien_nn_backend_free (mien_nn_backend *backend);

#ifdef __cplusplus
}
#endif
