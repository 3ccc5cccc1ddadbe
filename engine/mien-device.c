/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-device.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef MIEN_HAVE_CUDA
#include "mien-cuda-reswarp.h"
#include "mien-cuda.h"
#endif

static int force_cpu;
static mien_device_log_func log_func;
static void *log_data;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static mien_device_info cuda_probe_result;

const char *
mien_device_kind_to_string (mien_device_kind kind)
{
  return kind == MIEN_DEVICE_CUDA ? "CUDA" : "CPU";
}

void
mien_device_force_cpu (int force)
{
  __atomic_store_n (&force_cpu, force != 0, __ATOMIC_RELEASE);
}

void
mien_device_set_log_func (mien_device_log_func func, void *user_data)
{
  pthread_mutex_lock (&log_lock);
  log_func = func;
  log_data = user_data;
  pthread_mutex_unlock (&log_lock);
}

void
mien_device_log (const char *format, ...)
{
  char line[MIEN_ERROR_MESSAGE_MAX + 64];
  va_list ap;
  va_start (ap, format);
  vsnprintf (line, sizeof line, format, ap);
  va_end (ap);
  pthread_mutex_lock (&log_lock);
  if (log_func != NULL)
    log_func (line, log_data);
  pthread_mutex_unlock (&log_lock);
}

static int
cpu_forced_by_env (void)
{
  const char *v = getenv ("MIEN_CPU");
  return v != NULL && *v != '\0' && strcmp (v, "0") != 0;
}

/* Runs once: the CUDA runtime's own start-up is the slow part. */
static void
probe_cuda (void)
{
  mien_device_info *info = &cuda_probe_result;
  info->kind = MIEN_DEVICE_CPU;
  snprintf (info->description, sizeof info->description, "CPU");
#ifdef MIEN_HAVE_CUDA
  info->cuda_built = 1;
  mien_cuda_device_info dev;
  mien_error err = { 0 };
  if (mien_cuda_probe (&dev, &err) != MIEN_OK)
    {
      snprintf (info->reason, sizeof info->reason, "%s", err.message);
      return;
    }
  info->kind = MIEN_DEVICE_CUDA;
  snprintf (info->description, sizeof info->description,
            "%s (compute %d.%d, %.1f GiB, driver %d.%d)", dev.name,
            dev.cc_major, dev.cc_minor, dev.total_memory / 1073741824.0,
            dev.driver_version / 1000, (dev.driver_version % 1000) / 10);
#else
  snprintf (info->reason, sizeof info->reason,
            "this build has no CUDA backend (meson option cuda)");
#endif
}

mien_device_kind
mien_device_probe (mien_device_info *info)
{
  mien_device_info local;
  if (info == NULL)
    info = &local;
  int forced = __atomic_load_n (&force_cpu, __ATOMIC_ACQUIRE)
               || cpu_forced_by_env ();
  if (forced)
    {
      /* Do not even start the CUDA runtime. */
      memset (info, 0, sizeof *info);
#ifdef MIEN_HAVE_CUDA
      info->cuda_built = 1;
#endif
      snprintf (info->description, sizeof info->description, "CPU");
      snprintf (info->reason, sizeof info->reason,
                "the CPU was asked for (--cpu or MIEN_CPU=1)");
      return MIEN_DEVICE_CPU;
    }
  pthread_once (&probe_once, probe_cuda);
  *info = cuda_probe_result;
  return info->kind;
}

/* ---- ResWarp on the best device ------------------------------------------ */

struct mien_device_reswarp {
  const mien_image *hd;
  int low_w, low_h;
  mien_reswarp_mode mode;
  int residual_fade;
  mien_pool *pool;
  mien_decomposition *cpu; /* built when the CPU is or becomes the device */
#ifdef MIEN_HAVE_CUDA
  mien_cuda_decomposition *cuda;
#endif
};

static mien_status
build_cpu (mien_device_reswarp *rw, mien_error *err)
{
  /* Held beside the pyramid: the HD input and the output frame. */
  uint64_t held = 2 * (uint64_t)rw->hd->width * (uint64_t)rw->hd->height
                  * (uint64_t)rw->hd->channels * sizeof (float);
  if (mien_decomposition_check_memory (rw->hd->width, rw->hd->height,
                                       rw->hd->channels, rw->low_w, rw->low_h,
                                       rw->mode, held, err)
      != MIEN_OK)
    return err ? err->status : MIEN_ERR_NOMEM;
  rw->cpu = mien_decomposition_new (rw->hd, rw->low_w, rw->low_h, rw->mode,
                                    rw->pool, err);
  if (rw->cpu != NULL)
    mien_decomposition_set_residual_fade (rw->cpu, rw->residual_fade);
  return rw->cpu != NULL ? MIEN_OK : err ? err->status : MIEN_ERR_NOMEM;
}

#ifdef MIEN_HAVE_CUDA
/* A CUDA failure that the CPU can make good (not a caller's mistake). */
static int
is_device_failure (mien_status s)
{
  return s == MIEN_ERR_NOMEM || s == MIEN_ERR_UNSUPPORTED;
}
#endif

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
  *rw = (mien_device_reswarp){ .hd = hd, .low_w = low_w, .low_h = low_h,
                               .mode = mode, .pool = pool,
                               .residual_fade
                               = !(flags & MIEN_DEVICE_RESWARP_NO_FADE) };
#ifdef MIEN_HAVE_CUDA
  if (mien_device_probe (NULL) == MIEN_DEVICE_CUDA)
    {
      mien_error cuda_err = { 0 };
      mien_cuda_storage storage = (flags & MIEN_DEVICE_RESWARP_HALF)
                                      ? MIEN_CUDA_STORAGE_HALF
                                      : MIEN_CUDA_STORAGE_FLOAT;
      rw->cuda = mien_cuda_decomposition_new (hd, low_w, low_h, mode, storage,
                                              &cuda_err);
      if (rw->cuda != NULL)
        {
          mien_cuda_decomposition_set_residual_fade (rw->cuda,
                                                     rw->residual_fade);
          return rw;
        }
      if (!is_device_failure (cuda_err.status))
        {
          /* The CPU would refuse the same input: report it as such. */
          if (err != NULL)
            *err = cuda_err;
          free (rw);
          return NULL;
        }
      mien_device_log ("%s; using the CPU", cuda_err.message);
    }
#else
  (void)flags;
#endif
  if (build_cpu (rw, err) != MIEN_OK)
    {
      free (rw);
      return NULL;
    }
  return rw;
}

void
mien_device_reswarp_free (mien_device_reswarp *rw)
{
  if (rw == NULL)
    return;
#ifdef MIEN_HAVE_CUDA
  mien_cuda_decomposition_free (rw->cuda);
#endif
  mien_decomposition_free (rw->cpu);
  free (rw);
}

mien_device_kind
mien_device_reswarp_get_kind (const mien_device_reswarp *rw)
{
#ifdef MIEN_HAVE_CUDA
  if (rw->cuda != NULL)
    return MIEN_DEVICE_CUDA;
#endif
  return MIEN_DEVICE_CPU;
}

const mien_image *
mien_device_reswarp_get_low (const mien_device_reswarp *rw)
{
#ifdef MIEN_HAVE_CUDA
  if (rw->cuda != NULL)
    return mien_cuda_decomposition_get_low (rw->cuda);
#endif
  return mien_decomposition_get_low (rw->cpu);
}

mien_status
mien_device_reswarp_frame (mien_device_reswarp *rw, const mien_image *refined,
                           const mien_image *field, mien_image *out,
                           mien_error *err)
{
#ifdef MIEN_HAVE_CUDA
  if (rw->cuda != NULL)
    {
      mien_error cuda_err = { 0 };
      mien_status s = mien_cuda_reswarp (rw->cuda, refined, field, out,
                                         &cuda_err);
      if (s == MIEN_OK || !is_device_failure (s))
        {
          if (s != MIEN_OK && err != NULL)
            *err = cuda_err;
          return s;
        }
      mien_device_log ("%s; using the CPU from now on", cuda_err.message);
      mien_cuda_decomposition_free (rw->cuda);
      rw->cuda = NULL;
      if (rw->cpu == NULL && build_cpu (rw, err) != MIEN_OK)
        return err ? err->status : MIEN_ERR_NOMEM;
    }
#endif
  return mien_reswarp (rw->cpu, refined, field, out, rw->pool, err);
}
