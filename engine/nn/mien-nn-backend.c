/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-nn-backend.h"
#include "mien-nn-residency.h"

#include <string.h>

const char *
mien_nn_backend_name (mien_nn_backend *backend)
{
  return backend->iface->get_name (backend);
}

int
mien_nn_backend_supports_op (mien_nn_backend *backend, const mien_nn_op *op)
{
  return backend->iface->supports_op (backend, op);
}

mien_status
mien_nn_backend_compute (mien_nn_backend *backend, const mien_nn_op *op,
                         mien_error *err)
{
  int rank, dims[MIEN_TENSOR_MAX_RANK];
  if (mien_nn_op_infer_shape (op, &rank, dims, err) != MIEN_OK)
    return err ? err->status : MIEN_ERR_INVALID;
  if (op->dst == NULL || op->dst->rank != rank
      || memcmp (op->dst->dims, dims, (size_t)rank * sizeof (int)) != 0)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "%s: destination has the wrong shape",
                           mien_nn_op_type_name (op->type));
  if (!backend->iface->supports_op (backend, op))
    return mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                           "%s: not supported by the %s backend",
                           mien_nn_op_type_name (op->type),
                           mien_nn_backend_name (backend));
  /* Host backends read data: sources another backend left on its device
   * are copied back first (no-op for host tensors). */
  if (!backend->iface->keeps_device_copies)
    for (int i = 0; i < 3; i++)
      {
        mien_tensor_device *d = op->src[i] != NULL ? op->src[i]->device : NULL;
        mien_status s;
        if (d != NULL && d->host_stale
            && (s = d->to_host (d, err)) != MIEN_OK)
          return s;
      }
  if (!backend->iface->keeps_device_copies && op->dst->device != NULL)
    mien_tensor_drop_device (op->dst); /* written on the host now */
  return backend->iface->compute_op (backend, op, err);
}

void
mien_nn_backend_free (mien_nn_backend *backend)
{
  if (backend != NULL)
    backend->iface->free (backend);
}
