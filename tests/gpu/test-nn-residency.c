/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The residency's bookkeeping (engine/nn/mien-nn-residency.h) on a fake
 * device made of host memory, so that it runs in every build: weights
 * uploaded once, outputs left host-stale until mien_tensor_host, buffers
 * pooled and reused by size, copies released with their tensors and
 * detached (with stale values copied back) when the backend goes, another
 * owner's copy taken over, allocation retried after trimming the pool, and
 * the CPU backend reading a device-only source through
 * mien_nn_backend_compute. The fake device keeps its own values (a tensor's
 * host data and its copy differ until a copy is made), so a missed or
 * extra copy changes the numbers the checks read. */
#include <stdlib.h>
#include <string.h>

#include "mien-test.h"
#include "nn/mien-nn-residency.h"
#include "nn/mien-nn.h"
#include "nn/mien-weights.h"

typedef struct fake {
  size_t budget;          /* bytes the device holds at most */
  size_t used;            /* bytes allocated now */
  int n_alloc, n_free, n_up, n_down;
  int fail_download;
} fake;

/* Each buffer carries its size in front, for the budget. */
static void *
fake_alloc (void *ctx, size_t bytes)
{
  fake *f = ctx;
  if (f->used + bytes > f->budget)
    return NULL;
  size_t *p = malloc (sizeof (size_t) + bytes);
  if (p == NULL)
    return NULL;
  p[0] = bytes;
  f->used += bytes;
  f->n_alloc++;
  return p + 1;
}

static void
fake_free (void *ctx, void *ptr)
{
  fake *f = ctx;
  size_t *p = (size_t *)ptr - 1;
  f->used -= p[0];
  f->n_free++;
  free (p);
}

static mien_status
fake_upload (void *ctx, void *dst, const float *src, size_t bytes,
             mien_error *err)
{
  ((fake *)ctx)->n_up++;
  memcpy (dst, src, bytes);
  return MIEN_OK;
}

static mien_status
fake_download (void *ctx, float *dst, const void *src, size_t bytes,
               mien_error *err)
{
  fake *f = ctx;
  if (f->fail_download)
    return mien_error_set (err, MIEN_ERR_UNSUPPORTED, "device lost");
  f->n_down++;
  memcpy (dst, src, bytes);
  return MIEN_OK;
}

static const mien_residency_ops fake_ops = { fake_alloc, fake_free,
                                             fake_upload, fake_download };

static mien_tensor *
filled (int n, float v)
{
  mien_tensor *t = mien_tensor_new (1, (int[]){ n }, NULL);
  for (int i = 0; i < n; i++)
    t->data[i] = v + (float)i;
  return t;
}

/* What an op on the fake device does: writes values into t's copy. */
static void
device_write (void *ptr, int n, float v)
{
  float *p = ptr;
  for (int i = 0; i < n; i++)
    p[i] = v + (float)i;
}

static void
test_constants_and_outputs (void)
{
  fake f = { .budget = 1 << 20 };
  mien_error err = { 0 };
  mien_residency *r = mien_residency_new (&fake_ops, &f, 1 << 16, &err);
  mien_tensor *w = filled (64, 1.0f);
  w->constant = 1;
  void *p1 = mien_residency_constant (r, w, &err);
  void *p2 = mien_residency_constant (r, w, &err);
  CHECK (p1 != NULL && p1 == p2 && f.n_up == 1, "weight uploaded %d times",
         f.n_up);
  CHECK (p1 != NULL && memcmp (p1, w->data, 64 * sizeof (float)) == 0,
         "weight's copy differs");
  CHECK (mien_residency_find (r, w) == w->device && !w->device->host_stale,
         "weight's copy not found or stale");

  /* An output: host-stale until asked for, copied back once. */
  mien_tensor *y = filled (100, 0.0f);
  void *py = mien_residency_output (r, y, &err);
  CHECK (py != NULL && y->device != NULL && y->device->host_stale,
         "output not left on the device");
  device_write (py, 100, 500.0f);
  CHECK (y->data[7] == 7.0f, "host data touched before it was asked for");
  CHECK (mien_tensor_host (y, &err) == y->data && y->data[7] == 507.0f
             && f.n_down == 1,
         "mien_tensor_host: %g after %d copies", y->data[7], f.n_down);
  CHECK (mien_tensor_host (y, &err) == y->data && f.n_down == 1,
         "a current tensor was copied again");
  /* A copy of a stale tensor reads the device's values. */
  mien_tensor *z = filled (100, 0.0f);
  void *pz = mien_residency_output (r, z, &err);
  device_write (pz, 100, 900.0f);
  mien_tensor *zc = mien_tensor_copy (z, &err);
  CHECK (zc != NULL && zc->data[3] == 903.0f && zc->device == NULL,
         "mien_tensor_copy of a stale tensor: %g", zc ? zc->data[3] : -1.0f);
  mien_tensor_free (zc);

  mien_residency_stats st;
  mien_residency_get_stats (r, &st);
  CHECK (st.live_copies == 3 && st.constant_uploads == 1
             && st.constant_upload_bytes == 64 * sizeof (float)
             && st.downloads == 2 && st.allocs == 3,
         "stats: %zu live, %zu uploads, %zu downloads, %zu allocs",
         st.live_copies, st.constant_uploads, st.downloads, st.allocs);

  /* Freeing a tensor pools its buffer; the next of that size reuses it. */
  mien_tensor_free (y);
  mien_residency_get_stats (r, &st);
  CHECK (st.live_copies == 2 && st.pooled_buffers == 1
             && st.pooled_bytes == 100 * sizeof (float) && f.n_free == 0,
         "after free: %zu live, %zu pooled", st.live_copies,
         st.pooled_buffers);
  mien_tensor *y2 = filled (100, 0.0f);
  void *py2 = mien_residency_output (r, y2, &err);
  mien_residency_get_stats (r, &st);
  CHECK (py2 == py && st.allocs == 3 && st.pooled_buffers == 0,
         "same-size buffer not reused (%zu allocs)", st.allocs);
  /* Another size allocates. */
  mien_tensor *u = filled (10, 0.0f);
  CHECK (mien_residency_output (r, u, &err) != py && f.n_alloc == 4,
         "%d allocations", f.n_alloc);

  /* Dropping a copy after a host write: the next constant use uploads
   * the new values (a weight the caller changed on purpose). */
  w->data[0] = -5.0f;
  mien_tensor_drop_device (w);
  CHECK (w->device == NULL, "copy not dropped");
  float *pw = mien_residency_constant (r, w, &err);
  CHECK (pw != NULL && pw[0] == -5.0f && f.n_up == 2, "re-upload: %g, %d",
         pw ? pw[0] : 0.0f, f.n_up);

  /* The backend goes first: stale outputs are copied back, every copy is
   * detached, all device memory is freed; the tensors live on. */
  device_write (py2, 100, 300.0f);
  mien_residency_free (r);
  CHECK (y2->device == NULL && z->device == NULL && u->device == NULL
             && w->device == NULL,
         "copies still attached after the backend went");
  CHECK (y2->data[2] == 302.0f && z->data[2] == 902.0f,
         "stale outputs not copied back: %g %g", y2->data[2], z->data[2]);
  CHECK (f.used == 0 && f.n_alloc == f.n_free, "device memory leaked: %zu B",
         f.used);
  /* Freeing them now touches no backend (ASan would see it). */
  mien_tensor_free (y2);
  mien_tensor_free (z);
  mien_tensor_free (u);
  mien_tensor_free (w);
}

/* A freed tensor's address reused by a new one finds no old copy. */
static void
test_address_reuse (void)
{
  fake f = { .budget = 1 << 20 };
  mien_residency *r = mien_residency_new (&fake_ops, &f, 1 << 16, NULL);
  int reused = 0;
  for (int i = 0; i < 50; i++)
    {
      mien_tensor *w = filled (32, (float)i);
      w->constant = 1;
      float *p = mien_residency_constant (r, w, NULL);
      CHECK (p != NULL && p[0] == (float)i, "round %d: copy holds %g", i,
             p ? p[0] : -1.0f);
      static const mien_tensor *last;
      reused += w == last;
      last = w;
      mien_tensor_free (w);
    }
  printf ("address reuse: %d of 50 tensors at the previous one's address, "
          "%d uploads\n", reused, f.n_up);
  CHECK (f.n_up == 50, "%d uploads for 50 tensors", f.n_up);
  mien_residency_free (r);
  CHECK (f.used == 0, "leaked %zu B", f.used);
}

/* Out of memory: the pool is trimmed and the allocation retried; over the
 * pool limit, released buffers are freed at once. */
static void
test_memory_pressure (void)
{
  fake f = { .budget = 1000 * sizeof (float) };
  mien_error err = { 0 };
  mien_residency *r = mien_residency_new (&fake_ops, &f,
                                          700 * sizeof (float), &err);
  mien_tensor *a = filled (600, 0), *b = filled (300, 0), *c = filled (900, 0);
  CHECK (mien_residency_output (r, a, &err) != NULL
             && mien_residency_output (r, b, &err) != NULL,
         "%s", err.message);
  mien_tensor_free (a); /* pooled: 600 ≤ 700 */
  mien_tensor_free (b); /* over the limit: freed */
  mien_residency_stats st;
  mien_residency_get_stats (r, &st);
  CHECK (st.pooled_buffers == 1 && f.n_free == 1, "%zu pooled, %d freed",
         st.pooled_buffers, f.n_free);
  /* 900 floats fit only once the pooled 600 are freed. */
  CHECK (mien_residency_output (r, c, &err) != NULL,
         "not retried after trimming: %s", err.message);
  mien_tensor *d = filled (200, 0);
  mien_error e2 = { 0 };
  CHECK (mien_residency_output (r, d, &e2) == NULL
             && e2.status == MIEN_ERR_NOMEM && d->device == NULL,
         "over the budget: %s", mien_status_to_string (e2.status));
  mien_tensor_free (c);
  mien_tensor_free (d);
  mien_residency_free (r);
  CHECK (f.used == 0, "leaked %zu B", f.used);
}

/* Two backends: a weight moves to the one using it; a source left stale
 * on a device is copied back before the CPU backend computes with it. */
static void
test_owners_and_cpu (void)
{
  fake f1 = { .budget = 1 << 20 }, f2 = { .budget = 1 << 20 };
  mien_error err = { 0 };
  mien_residency *r1 = mien_residency_new (&fake_ops, &f1, 1 << 16, &err);
  mien_residency *r2 = mien_residency_new (&fake_ops, &f2, 1 << 16, &err);
  mien_tensor *w = filled (16, 0);
  w->constant = 1;
  mien_residency_constant (r1, w, &err);
  CHECK (mien_residency_find (r2, w) == NULL, "r2 found r1's copy");
  mien_residency_constant (r2, w, &err);
  mien_residency_stats s1, s2;
  mien_residency_get_stats (r1, &s1);
  mien_residency_get_stats (r2, &s2);
  CHECK (mien_residency_find (r2, w) != NULL && s1.live_copies == 0
             && s2.live_copies == 1,
         "weight not taken over: %zu / %zu", s1.live_copies, s2.live_copies);

  /* x on the device (values 100 + i), y on the host (i): the CPU's add
   * must read x's device values. */
  mien_tensor *x = filled (16, 0), *y = filled (16, 0);
  device_write (mien_residency_output (r1, x, &err), 16, 100.0f);
  mien_nn_backend *cpu = mien_nn_cpu_backend_new (NULL, 1, &err);
  mien_tensor *out = filled (16, 0);
  mien_nn_op op = { .type = MIEN_NN_OP_ADD, .src = { x, y }, .dst = out };
  CHECK (mien_nn_backend_compute (cpu, &op, &err) == MIEN_OK, "%s",
         err.message);
  CHECK (out->data[5] == 110.0f && f1.n_down == 1 && !x->device->host_stale,
         "CPU add read %g (want 110), %d copies back", out->data[5],
         f1.n_down);
  /* A device that cannot copy back fails the op instead of reading stale
   * host values. */
  mien_tensor *x2 = filled (16, 0);
  device_write (mien_residency_output (r1, x2, &err), 16, 100.0f);
  f1.fail_download = 1;
  op.src[0] = x2;
  mien_error e2 = { 0 };
  CHECK (mien_nn_backend_compute (cpu, &op, &e2) != MIEN_OK
             && strstr (e2.message, "device lost") != NULL,
         "stale source used: %s", e2.message);
  f1.fail_download = 0;
  mien_nn_backend_free (cpu);
  mien_tensor_free (x);
  mien_tensor_free (x2);
  mien_tensor_free (y);
  mien_tensor_free (out);
  mien_tensor_free (w);
  mien_residency_free (r1);
  mien_residency_free (r2);
  CHECK (f1.used == 0 && f2.used == 0, "leaked %zu + %zu B", f1.used,
         f2.used);
}

/* mien_weights marks its tensors constant; mien_tensor_new does not. */
static void
test_weights_constant (void)
{
  mien_error err = { 0 };
  mien_weights *wts = mien_weights_new (&err);
  mien_tensor *t = filled (4, 0);
  CHECK (t->constant == 0 && t->device == NULL, "new tensor: constant %d",
         t->constant);
  CHECK (mien_weights_add (wts, "w", t, &err) == MIEN_OK, "%s", err.message);
  CHECK (t->constant == 1, "weights tensor not marked constant");
  mien_weights_free (wts);
}

int
main (void)
{
  test_constants_and_outputs ();
  test_address_reuse ();
  test_memory_pressure ();
  test_owners_and_cpu ();
  test_weights_constant ();
  printf ("%d checks\n", mien_test_checks);
  return mien_test_exit_code ();
}
