/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The ResWarp backend registry and mien_device_reswarp on top of it
 * (mien-reswarp-backend.h, mien-device.h). */
#include "mien-reswarp-backend.h"

#include <pthread.h>
#include <stdlib.h>

#include "mien-memory.h"

#ifdef MIEN_HAVE_CUDA
/* gpu/mien-cuda-reswarp-backend.cu; the one place the engine names gpu/. */
const mien_reswarp_backend *mien_cuda_reswarp_backend (void);
#endif

/* ---- the CPU backend ------------------------------------------------------ */

typedef struct cpu_state {
  mien_decomposition *dec;
  mien_pool *pool;
} cpu_state;

static void
cpu_destroy (void *state)
{
  cpu_state *s = state;
  if (s == NULL)
    return;
  mien_decomposition_free (s->dec);
  free (s);
}

static void *
cpu_create (const mien_image *hd, int low_w, int low_h,
            mien_reswarp_mode mode, unsigned flags, mien_pool *pool,
            mien_error *err)
{
  /* Held beside the pyramid: the HD input and the output frame. */
  uint64_t held = 2 * (uint64_t)hd->width * (uint64_t)hd->height
                  * (uint64_t)hd->channels * sizeof (float);
  if (mien_decomposition_check_memory (hd->width, hd->height, hd->channels,
                                       low_w, low_h, mode, held, err)
      != MIEN_OK)
    return NULL;
  cpu_state *s = calloc (1, sizeof *s);
  if (s == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  s->pool = pool;
  /* 16-bit residuals for 8-bit photos (issue #22: half the bytes per
   * frame and per photo); a 16-bit or float source keeps float. */
  s->dec = mien_decomposition_new_ex (hd, low_w, low_h, mode,
                                      MIEN_RESIDUAL_AUTO, pool, err);
  if (s->dec == NULL)
    {
      free (s);
      return NULL;
    }
  if (flags & MIEN_DEVICE_RESWARP_NO_FADE)
    mien_decomposition_set_residual_fade (s->dec, 0);
  return s;
}

static const mien_image *
cpu_get_low (void *state)
{
  return mien_decomposition_get_low (((cpu_state *)state)->dec);
}

static mien_status
cpu_frame (void *state, const mien_image *refined, const mien_image *field,
           mien_image *out, mien_error *err)
{
  cpu_state *s = state;
  return mien_reswarp (s->dec, refined, field, out, s->pool, err);
}

static mien_status
cpu_frame_level (void *state, const mien_image *refined,
                 const mien_image *field, int level, const mien_rect *region,
                 const mien_image *level_photo, mien_image *out,
                 mien_error *err)
{
  cpu_state *s = state;
  if (!mien_decomposition_has_level (s->dec, level))
    {
      mien_status st = mien_decomposition_set_level_photo (
          s->dec, level, level_photo, s->pool, err);
      if (st != MIEN_OK)
        return st;
    }
  return mien_reswarp_level (s->dec, refined, field, level, region, out,
                             s->pool, err);
}

static void
cpu_set_residual_fade (void *state, int on)
{
  mien_decomposition_set_residual_fade (((cpu_state *)state)->dec, on);
}

static mien_decomposition *
cpu_decomposition (void *state)
{
  return ((cpu_state *)state)->dec;
}

static const mien_reswarp_backend cpu_backend = {
  .name = "cpu",
  .kind = MIEN_DEVICE_CPU,
  .available = NULL,
  .create = cpu_create,
  .destroy = cpu_destroy,
  .get_low = cpu_get_low,
  .frame = cpu_frame,
  .frame_level = cpu_frame_level,
  .set_residual_fade = cpu_set_residual_fade,
  .cpu_decomposition = cpu_decomposition,
};

const mien_reswarp_backend *
mien_reswarp_backend_cpu (void)
{
  return &cpu_backend;
}

int
mien_reswarp_backend_is_device_failure (mien_status status)
{
  return status == MIEN_ERR_NOMEM || status == MIEN_ERR_UNSUPPORTED;
}

/* ---- the registry ----------------------------------------------------------- */

#define MAX_BACKENDS 8
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static const mien_reswarp_backend *registry[MAX_BACKENDS];
static int registry_n = -1; /* -1: the default, built on first use */

static int
default_backends (const mien_reswarp_backend **list)
{
  int n = 0;
#ifdef MIEN_HAVE_CUDA
  list[n++] = mien_cuda_reswarp_backend ();
#endif
  list[n++] = &cpu_backend;
  return n;
}

int
mien_reswarp_backends_get (const mien_reswarp_backend **list, int max)
{
  pthread_mutex_lock (&registry_lock);
  if (registry_n < 0)
    registry_n = default_backends (registry);
  int n = registry_n < max ? registry_n : max;
  for (int i = 0; i < n; i++)
    list[i] = registry[i];
  pthread_mutex_unlock (&registry_lock);
  return n;
}

void
mien_reswarp_backends_set (const mien_reswarp_backend *const *list, int n)
{
  pthread_mutex_lock (&registry_lock);
  if (list == NULL || n <= 0)
    registry_n = -1;
  else
    {
      registry_n = n < MAX_BACKENDS ? n : MAX_BACKENDS;
      for (int i = 0; i < registry_n; i++)
        registry[i] = list[i];
    }
  pthread_mutex_unlock (&registry_lock);
}

/* ---- mien_device_reswarp ---------------------------------------------------- */

struct mien_device_reswarp {
  const mien_reswarp_backend *backends[MAX_BACKENDS];
  int n_backends;
  int current; /* index into backends */
  void *state;
  mien_image *hd_copy; /* kept while a later backend could be needed */
  int low_w, low_h;
  mien_reswarp_mode mode;
  unsigned flags;
  int fade; /* -1: as created; else the last set_residual_fade */
  mien_pool *pool;
};

/* Creates the state on backends[from …], the first available one that
 * takes hd; a device failure moves on, logged. */
static mien_status
create_from (mien_device_reswarp *rw, const mien_image *hd, int from,
             mien_error *err)
{
  for (int i = from; i < rw->n_backends; i++)
    {
      const mien_reswarp_backend *b = rw->backends[i];
      int last = i + 1 == rw->n_backends;
      if (b->available != NULL && !b->available ())
        continue;
      mien_error local = { 0 };
      void *state = b->create (hd, rw->low_w, rw->low_h, rw->mode, rw->flags,
                               rw->pool, last ? err : &local);
      if (state != NULL)
        {
          rw->current = i;
          rw->state = state;
          if (rw->fade >= 0 && b->set_residual_fade != NULL)
            b->set_residual_fade (state, rw->fade);
          return MIEN_OK;
        }
      if (last)
        return err ? err->status : MIEN_ERR_NOMEM;
      if (!mien_reswarp_backend_is_device_failure (local.status))
        {
          /* The next backend would refuse the same input: say so now. */
          if (err != NULL)
            *err = local;
          return local.status;
        }
      mien_device_log ("%s; using the %s backend", local.message,
                       rw->backends[i + 1]->name);
    }
  return mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                         "no ResWarp backend is available");
}

mien_device_reswarp *
mien_device_reswarp_new (const mien_image *hd, int low_w, int low_h,
                         mien_reswarp_mode mode, unsigned flags,
                         mien_pool *pool, mien_error *err)
{
  mien_device_reswarp *rw = calloc (1, sizeof *rw);
  if (rw == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  rw->n_backends = mien_reswarp_backends_get (rw->backends, MAX_BACKENDS);
  rw->low_w = low_w, rw->low_h = low_h, rw->mode = mode, rw->flags = flags;
  rw->fade = -1;
  rw->pool = pool;
  if (create_from (rw, hd, 0, err) != MIEN_OK)
    {
      free (rw);
      return NULL;
    }
  if (rw->current + 1 < rw->n_backends)
    {
      /* A device failure later rebuilds from this copy. */
      rw->hd_copy = mien_image_copy (hd, err);
      if (rw->hd_copy == NULL)
        {
          mien_device_reswarp_free (rw);
          return NULL;
        }
    }
  return rw;
}

void
mien_device_reswarp_free (mien_device_reswarp *rw)
{
  if (rw == NULL)
    return;
  if (rw->state != NULL)
    rw->backends[rw->current]->destroy (rw->state);
  mien_image_free (rw->hd_copy);
  free (rw);
}

mien_device_kind
mien_device_reswarp_get_kind (const mien_device_reswarp *rw)
{
  return rw->backends[rw->current]->kind;
}

const mien_image *
mien_device_reswarp_get_low (const mien_device_reswarp *rw)
{
  return rw->backends[rw->current]->get_low (rw->state);
}

void
mien_device_reswarp_set_residual_fade (mien_device_reswarp *rw, int on)
{
  rw->fade = on != 0;
  const mien_reswarp_backend *b = rw->backends[rw->current];
  if (b->set_residual_fade != NULL)
    b->set_residual_fade (rw->state, rw->fade);
}

int
mien_device_reswarp_warps_cubic (const mien_device_reswarp *rw)
{
  /* As mien_decomposition_set_residual_fade chooses (and the CUDA
   * backend with it); a decomposition is made with the fade on. */
  return rw->fade != 0 && mien_reswarp_cubic_by_default ();
}

mien_decomposition *
mien_device_reswarp_get_cpu_decomposition (mien_device_reswarp *rw)
{
  const mien_reswarp_backend *b = rw->backends[rw->current];
  return b->cpu_decomposition != NULL ? b->cpu_decomposition (rw->state)
                                      : NULL;
}

/* After a backend's frame failed with s (its message in local): a caller's
 * error is returned as it is (every backend would refuse it alike); a
 * device failure moves to the next backend for this frame and all later
 * ones, logged. Returns MIEN_OK when the frame is to be run again there. */
static mien_status
move_on_after (mien_device_reswarp *rw, mien_status s,
               const mien_error *local, mien_error *err)
{
  if (!mien_reswarp_backend_is_device_failure (s))
    {
      if (err != NULL)
        *err = *local;
      return s;
    }
  int failed = rw->current;
  rw->backends[failed]->destroy (rw->state);
  rw->state = NULL;
  mien_device_log ("%s; using the %s backend from now on", local->message,
                   rw->backends[failed + 1]->name);
  if (create_from (rw, rw->hd_copy, failed + 1, err) != MIEN_OK)
    {
      /* Nothing left to run frames on: keep the object freeable. */
      rw->current = failed;
      return err ? err->status : MIEN_ERR_UNSUPPORTED;
    }
  if (rw->current + 1 == rw->n_backends)
    {
      mien_image_free (rw->hd_copy);
      rw->hd_copy = NULL;
    }
  return MIEN_OK;
}

mien_status
mien_device_reswarp_frame (mien_device_reswarp *rw, const mien_image *refined,
                           const mien_image *field, mien_image *out,
                           mien_error *err)
{
  const mien_reswarp_backend *b = rw->backends[rw->current];
  int last = rw->current + 1 == rw->n_backends || rw->hd_copy == NULL;
  mien_error local = { 0 };
  mien_status s = b->frame (rw->state, refined, field, out,
                            last ? err : &local);
  if (s == MIEN_OK || last)
    return s;
  s = move_on_after (rw, s, &local, err);
  return s != MIEN_OK ? s
                      : mien_device_reswarp_frame (rw, refined, field, out, err);
}

int
mien_device_reswarp_has_frame_level (const mien_device_reswarp *rw)
{
  return rw->backends[rw->current]->frame_level != NULL;
}

mien_status
mien_device_reswarp_frame_level (mien_device_reswarp *rw,
                                 const mien_image *refined,
                                 const mien_image *field, int level,
                                 const mien_rect *region,
                                 const mien_image *level_photo,
                                 mien_image *out, mien_error *err)
{
  const mien_reswarp_backend *b = rw->backends[rw->current];
  if (b->frame_level == NULL)
    return mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                           "the %s ResWarp backend renders no preview levels",
                           b->name);
  int last = rw->current + 1 == rw->n_backends || rw->hd_copy == NULL;
  mien_error local = { 0 };
  mien_status s = b->frame_level (rw->state, refined, field, level, region,
                                  level_photo, out, last ? err : &local);
  if (s == MIEN_OK || last)
    return s;
  s = move_on_after (rw, s, &local, err);
  if (s != MIEN_OK)
    return s;
  return mien_device_reswarp_frame_level (rw, refined, field, level, region,
                                          level_photo, out, err);
}
