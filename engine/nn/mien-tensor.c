/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-tensor.h"
#include "mien-nn-residency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

mien_status
mien_tensor_check_dims (int rank, const int *dims, mien_error *err)
{
  if (rank < 1 || rank > MIEN_TENSOR_MAX_RANK)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "tensor rank %d is outside 1..%d", rank,
                           MIEN_TENSOR_MAX_RANK);
  size_t n = 1;
  for (int i = 0; i < rank; i++)
    {
      if (dims[i] <= 0)
        return mien_error_set (err, MIEN_ERR_INVALID,
                               "tensor dimension %d is %d, not positive", i,
                               dims[i]);
      /* Checked before multiplying, so the product cannot overflow. */
      if ((size_t)dims[i] > MIEN_TENSOR_MAX_ELEMENTS / n)
        return mien_error_set (err, MIEN_ERR_NOMEM,
                               "tensor of more than %zu elements refused",
                               MIEN_TENSOR_MAX_ELEMENTS);
      n *= (size_t)dims[i];
    }
  return MIEN_OK;
}

static mien_tensor *
tensor_alloc (int rank, const int *dims, int zeroed, mien_error *err)
{
  if (mien_tensor_check_dims (rank, dims, err) != MIEN_OK)
    return NULL;
  mien_tensor *t = calloc (1, sizeof *t);
  if (t == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory for a tensor");
      return NULL;
    }
  t->rank = rank;
  memcpy (t->dims, dims, (size_t)rank * sizeof (int));
  size_t bytes = mien_tensor_n_elements (t) * sizeof (float);
  t->data = zeroed ? calloc (1, bytes) : malloc (bytes);
  if (t->data == NULL)
    {
      free (t);
      mien_error_set (err, MIEN_ERR_NOMEM,
                      "out of memory for a tensor of %zu bytes", bytes);
      return NULL;
    }
  return t;
}

mien_tensor *
mien_tensor_new (int rank, const int *dims, mien_error *err)
{
  return tensor_alloc (rank, dims, 0, err);
}

mien_tensor *
mien_tensor_new_zeroed (int rank, const int *dims, mien_error *err)
{
  return tensor_alloc (rank, dims, 1, err);
}

mien_tensor *
mien_tensor_new_4d (int n, int h, int w, int c, mien_error *err)
{
  int dims[4] = { n, h, w, c };
  return tensor_alloc (4, dims, 0, err);
}

mien_tensor *
mien_tensor_copy (const mien_tensor *src, mien_error *err)
{
  if (mien_tensor_host ((mien_tensor *)src, err) == NULL)
    return NULL;
  mien_tensor *t = tensor_alloc (src->rank, src->dims, 0, err);
  if (t != NULL)
    memcpy (t->data, src->data, mien_tensor_n_elements (src) * sizeof (float));
  return t;
}

void
mien_tensor_free (mien_tensor *tensor)
{
  if (tensor == NULL)
    return;
  mien_tensor_drop_device (tensor);
  free (tensor->data);
  free (tensor);
}

float *
mien_tensor_host (mien_tensor *tensor, mien_error *err)
{
  if (tensor->device != NULL && tensor->device->host_stale
      && tensor->device->to_host (tensor->device, err) != MIEN_OK)
    return NULL;
  return tensor->data;
}

void
mien_tensor_drop_device (mien_tensor *tensor)
{
  if (tensor->device != NULL)
    tensor->device->release (tensor->device);
}

size_t
mien_tensor_n_elements (const mien_tensor *tensor)
{
  size_t n = 1;
  for (int i = 0; i < tensor->rank; i++)
    n *= (size_t)tensor->dims[i];
  return n;
}

int
mien_tensor_same_shape (const mien_tensor *a, const mien_tensor *b)
{
  if (a->rank != b->rank)
    return 0;
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i])
      return 0;
  return 1;
}

const char *
mien_tensor_shape_string (const mien_tensor *tensor, char *buf, size_t size)
{
  size_t used = 0;
  used += (size_t)snprintf (buf, size, "[");
  for (int i = 0; i < tensor->rank && used < size; i++)
    used += (size_t)snprintf (buf + used, size - used, "%s%d", i ? "," : "",
                              tensor->dims[i]);
  if (used < size)
    snprintf (buf + used, size - used, "]");
  return buf;
}
