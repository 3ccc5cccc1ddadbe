/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-nn-residency.h"

#include <stdlib.h>

typedef struct pooled {
  void *ptr;
  size_t bytes;
} pooled;

struct mien_residency {
  mien_residency_ops ops;
  void *ctx;
  size_t pool_limit;
  mien_tensor_device *live; /* doubly linked list of copies */
  pooled *pool;
  int n_pool, cap_pool;
  mien_residency_stats stats;
};

mien_residency *
mien_residency_new (const mien_residency_ops *ops, void *ctx,
                    size_t pool_limit, mien_error *err)
{
  mien_residency *r = calloc (1, sizeof *r);
  if (r == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  r->ops = *ops;
  r->ctx = ctx;
  r->pool_limit = pool_limit;
  return r;
}

static void
unlink_copy (mien_residency *r, mien_tensor_device *d)
{
  if (d->prev != NULL)
    d->prev->next = d->next;
  else
    r->live = d->next;
  if (d->next != NULL)
    d->next->prev = d->prev;
  d->prev = d->next = NULL;
  r->stats.live_copies--;
  r->stats.live_bytes -= d->bytes;
}

void
mien_residency_trim (mien_residency *r)
{
  for (int i = 0; i < r->n_pool; i++)
    r->ops.free (r->ctx, r->pool[i].ptr);
  r->n_pool = 0;
  r->stats.pooled_buffers = 0;
  r->stats.pooled_bytes = 0;
}

void
mien_residency_free (mien_residency *r)
{
  if (r == NULL)
    return;
  while (r->live != NULL)
    {
      mien_tensor_device *d = r->live;
      /* The tensor outlives its backend: keep its values (best effort; a
       * failed copy leaves the host data as it was). */
      if (d->host_stale)
        mien_tensor_device_to_host (d, NULL);
      unlink_copy (r, d);
      d->tensor->device = NULL;
      r->ops.free (r->ctx, d->ptr);
      free (d);
    }
  mien_residency_trim (r);
  free (r->pool);
  free (r);
}

void *
mien_residency_get (mien_residency *r, size_t bytes, mien_error *err)
{
  if (bytes == 0)
    bytes = 1;
  /* The most recently pooled buffer of exactly this size: networks run
   * the same shapes again and again. */
  for (int i = r->n_pool - 1; i >= 0; i--)
    if (r->pool[i].bytes == bytes)
      {
        void *p = r->pool[i].ptr;
        r->pool[i] = r->pool[--r->n_pool];
        r->stats.pooled_buffers--;
        r->stats.pooled_bytes -= bytes;
        return p;
      }
  r->stats.allocs++;
  void *p = r->ops.alloc (r->ctx, bytes);
  if (p == NULL && r->n_pool > 0)
    {
      mien_residency_trim (r);
      r->stats.allocs++;
      p = r->ops.alloc (r->ctx, bytes);
    }
  if (p == NULL)
    mien_error_set (err, MIEN_ERR_NOMEM,
                    "out of device memory for %zu bytes", bytes);
  return p;
}

void
mien_residency_put (mien_residency *r, void *ptr, size_t bytes)
{
  if (ptr == NULL)
    return;
  if (bytes == 0)
    bytes = 1;
  if (r->stats.pooled_bytes + bytes > r->pool_limit)
    {
      r->ops.free (r->ctx, ptr);
      return;
    }
  if (r->n_pool == r->cap_pool)
    {
      int cap = r->cap_pool ? 2 * r->cap_pool : 32;
      pooled *p = realloc (r->pool, (size_t)cap * sizeof *p);
      if (p == NULL)
        {
          r->ops.free (r->ctx, ptr);
          return;
        }
      r->pool = p;
      r->cap_pool = cap;
    }
  r->pool[r->n_pool++] = (pooled){ ptr, bytes };
  r->stats.pooled_buffers++;
  r->stats.pooled_bytes += bytes;
}

mien_tensor_device *
mien_residency_find (mien_residency *r, const mien_tensor *t)
{
  return t->device != NULL && t->device->owner == r ? t->device : NULL;
}

static mien_tensor_device *
attach (mien_residency *r, mien_tensor *t, mien_error *err)
{
  mien_tensor_device *d = calloc (1, sizeof *d);
  if (d == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  d->bytes = mien_tensor_n_elements (t) * sizeof (float);
  d->ptr = mien_residency_get (r, d->bytes, err);
  if (d->ptr == NULL)
    {
      free (d);
      return NULL;
    }
  d->to_host = mien_tensor_device_to_host;
  d->release = mien_tensor_device_release;
  d->owner = r;
  d->tensor = t;
  d->next = r->live;
  if (r->live != NULL)
    r->live->prev = d;
  r->live = d;
  r->stats.live_copies++;
  r->stats.live_bytes += d->bytes;
  t->device = d;
  return d;
}

void *
mien_residency_constant (mien_residency *r, mien_tensor *t, mien_error *err)
{
  mien_tensor_device *d = mien_residency_find (r, t);
  if (d != NULL)
    return d->ptr;
  if (t->device != NULL) /* another backend's copy: this one makes its own */
    {
      if (t->device->host_stale
          && mien_tensor_device_to_host (t->device, err) != MIEN_OK)
        return NULL;
      mien_tensor_drop_device (t);
    }
  if ((d = attach (r, t, err)) == NULL)
    return NULL;
  if (r->ops.upload (r->ctx, d->ptr, t->data, d->bytes, err) != MIEN_OK)
    {
      mien_tensor_device_release (d);
      return NULL;
    }
  r->stats.constant_uploads++;
  r->stats.constant_upload_bytes += d->bytes;
  return d->ptr;
}

void *
mien_residency_output (mien_residency *r, mien_tensor *t, mien_error *err)
{
  if (t->device != NULL)
    mien_tensor_drop_device (t);
  mien_tensor_device *d = attach (r, t, err);
  if (d == NULL)
    return NULL;
  d->host_stale = 1;
  return d->ptr;
}

void
mien_residency_get_stats (const mien_residency *r, mien_residency_stats *stats)
{
  *stats = r->stats;
}

mien_status
mien_tensor_device_to_host (mien_tensor_device *d, mien_error *err)
{
  mien_residency *r = d->owner;
  mien_status s = r->ops.download (r->ctx, d->tensor->data, d->ptr, d->bytes,
                                   err);
  if (s != MIEN_OK)
    return s;
  d->host_stale = 0;
  r->stats.downloads++;
  r->stats.download_bytes += d->bytes;
  return MIEN_OK;
}

void
mien_tensor_device_release (mien_tensor_device *d)
{
  mien_residency *r = d->owner;
  unlink_copy (r, d);
  d->tensor->device = NULL;
  mien_residency_put (r, d->ptr, d->bytes);
  free (d);
}
