/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tensors resident on a device: the bookkeeping a backend with its own
 * memory (CUDA) keeps, in plain C so that it is tested without a device
 * (tests/gpu/test-nn-residency.c).
 *
 * A backend's copy of a tensor is a mien_tensor_device, hung on
 * tensor->device. Two kinds:
 *   - constants (tensor->constant: weights) are uploaded the first time an
 *     op reads them and stay until the tensor is freed or the backend goes;
 *   - outputs: an op's destination lives on the device, its host data is
 *     stale (host_stale) until mien_tensor_host copies it back, and the next
 *     op on the same backend reads the device copy without a copy.
 * Other host tensors (inputs the caller wrote) get no copy: the backend
 * uploads them into scratch memory for each op, since the caller may change
 * them between ops.
 *
 * Lifetimes: mien_tensor_free releases the tensor's copy (its memory goes
 * to a pool of free buffers, reused by size); mien_residency_free copies
 * host-stale outputs back, then detaches every copy (tensor->device = NULL)
 * and frees the memory. So tensors may outlive the backend and the other
 * way round, and a new tensor at a freed tensor's address never finds the
 * old copy. Not thread-safe: one backend, one thread, as engine/nn. */
#pragma once

#include <stddef.h>

#include "mien-tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mien_residency mien_residency;

/* The device's memory functions; ctx is passed back. alloc returns NULL
 * when out of memory. download must have finished when it returns. */
typedef struct mien_residency_ops {
  void *(*alloc) (void *ctx, size_t bytes);
  void (*free) (void *ctx, void *ptr);
  mien_status (*upload) (void *ctx, void *dst, const float *src,
                         size_t bytes, mien_error *err);
  mien_status (*download) (void *ctx, float *dst, const void *src,
                           size_t bytes, mien_error *err);
} mien_residency_ops;

struct mien_tensor_device {
  /* What mien_tensor_host and mien_tensor_free call (function pointers,
   * so that mien-tensor.c links without this file). */
  mien_status (*to_host) (mien_tensor_device *dev, mien_error *err);
  void (*release) (mien_tensor_device *dev);
  mien_residency *owner;
  mien_tensor *tensor;
  void *ptr;      /* device memory, bytes long */
  size_t bytes;
  int host_stale; /* 1: the device holds values tensor->data lacks */
  mien_tensor_device *prev, *next; /* the owner's live copies */
};

typedef struct mien_residency_stats {
  size_t constant_uploads, constant_upload_bytes;
  size_t downloads, download_bytes;
  size_t allocs;          /* calls of ops->alloc (the pool missed) */
  size_t live_copies, live_bytes;
  size_t pooled_buffers, pooled_bytes;
} mien_residency_stats;

/* pool_limit: most bytes kept in free buffers for reuse. */
mien_residency *mien_residency_new (const mien_residency_ops *ops, void *ctx,
                                    size_t pool_limit, mien_error *err);
void mien_residency_free (mien_residency *r);

/* t's copy in r, or NULL (no copy, or another owner's). */
mien_tensor_device *mien_residency_find (mien_residency *r,
                                         const mien_tensor *t);
/* The device pointer of a constant tensor, uploaded the first time. */
void *mien_residency_constant (mien_residency *r, mien_tensor *t,
                               mien_error *err);
/* A device buffer for t (an op's destination, which has no copy yet),
 * attached to t and marked host-stale. */
void *mien_residency_output (mien_residency *r, mien_tensor *t,
                             mien_error *err);
/* Device memory not tied to a tensor, from the same pool; give it back
 * with mien_residency_put. */
void *mien_residency_get (mien_residency *r, size_t bytes, mien_error *err);
void mien_residency_put (mien_residency *r, void *ptr, size_t bytes);
/* Frees the pooled buffers (before an allocation is retried, say). */
void mien_residency_trim (mien_residency *r);
void mien_residency_get_stats (const mien_residency *r,
                               mien_residency_stats *stats);

/* Copies the device's values to the host (dev->to_host). */
mien_status mien_tensor_device_to_host (mien_tensor_device *dev,
                                        mien_error *err);
/* Detaches and frees the copy (dev->release). */
void mien_tensor_device_release (mien_tensor_device *dev);

#ifdef __cplusplus
}
#endif
