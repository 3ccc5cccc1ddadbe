/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-device.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef MIEN_HAVE_CUDA
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
