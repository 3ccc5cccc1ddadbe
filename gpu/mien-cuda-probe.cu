/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <string.h>

#include "mien-cuda-private.h"
#include "mien-cuda.h"

/* Never launched: cudaFuncGetAttributes on it tells whether this binary
 * holds code the device can run (sm_90 machine code, or compute_80 PTX the
 * driver can compile). */
__global__ void
mien_cuda_probe_kernel (int *x)
{
  if (x != nullptr)
    *x = 1;
}

static void
format_version (int v, char *buf, size_t size)
{
  snprintf (buf, size, "%d.%d", v / 1000, (v % 1000) / 10);
}

static mien_status
probe_driver (mien_cuda_device_info *info, mien_error *err)
{
  cudaDriverGetVersion (&info->driver_version);
  cudaRuntimeGetVersion (&info->runtime_version);
  int count = 0;
  cudaError_t e = cudaGetDeviceCount (&count);
  char have[16], need[16];
  format_version (info->driver_version, have, sizeof have);
  format_version (info->runtime_version, need, sizeof need);
  (void)cudaGetLastError ();
  if (info->driver_version == 0) /* what the runtime reports without libcuda */
    return mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                           "no NVIDIA driver (libcuda.so.1 not found)");
  if (e == cudaErrorInsufficientDriver
      || info->driver_version < info->runtime_version)
    return mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                           "the NVIDIA driver supports CUDA %s; this build "
                           "needs %s or newer (update the driver)",
                           have, need);
  if (e == cudaErrorNoDevice || (e == cudaSuccess && count == 0))
    return mien_error_set (err, MIEN_ERR_UNSUPPORTED, "no CUDA device");
  if (e != cudaSuccess)
    return mien_error_set (err, MIEN_ERR_UNSUPPORTED, "CUDA: %s",
                           cudaGetErrorString (e));
  return MIEN_OK;
}

static mien_status
probe_device (mien_cuda_device_info *info, mien_error *err)
{
  cudaDeviceProp prop;
  MIEN_CUDA_TRY (cudaGetDeviceProperties (&prop, 0), "reading device 0");
  snprintf (info->name, sizeof info->name, "%s", prop.name);
  info->cc_major = prop.major;
  info->cc_minor = prop.minor;
  info->sm_count = prop.multiProcessorCount;
  info->total_memory = prop.totalGlobalMem;
  if (prop.major < 8)
    return mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                           "%s has compute capability %d.%d; Mien's kernels "
                           "need 8.0 or newer",
                           prop.name, prop.major, prop.minor);
  MIEN_CUDA_TRY (cudaSetDevice (0), "selecting device 0");
  cudaFuncAttributes attr;
  MIEN_CUDA_TRY (cudaFuncGetAttributes (&attr, mien_cuda_probe_kernel),
                 "loading the kernels");
  size_t free_bytes = 0, total = 0;
  MIEN_CUDA_TRY (cudaMemGetInfo (&free_bytes, &total), "reading free memory");
  info->free_memory = free_bytes;
  return MIEN_OK;
}

extern "C" mien_status
mien_cuda_probe (mien_cuda_device_info *info, mien_error *err)
{
  mien_cuda_device_info local;
  if (info == nullptr)
    info = &local;
  memset (info, 0, sizeof *info);
  mien_status s = probe_driver (info, err);
  if (s != MIEN_OK)
    return s;
  s = probe_device (info, err);
  if (s != MIEN_OK && err != nullptr)
    err->status = MIEN_ERR_UNSUPPORTED; /* whatever went wrong, no device */
  return s == MIEN_OK ? MIEN_OK : MIEN_ERR_UNSUPPORTED;
}

__global__ void
mien_cuda_copy_kernel (const float4 *__restrict__ in, float4 *__restrict__ out,
                       size_t n)
{
  size_t stride = (size_t)gridDim.x * blockDim.x;
  for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += stride)
    out[i] = in[i];
}

extern "C" mien_status
mien_cuda_measure_bandwidth (size_t bytes, int repeats, double *gb_per_s,
                             mien_error *err)
{
  size_t n = bytes / sizeof (float4);
  float4 *a = nullptr, *b = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
  mien_status s = MIEN_OK;
  cudaError_t e;
  float best = 0.0f;
  int sms = 0;
  cudaDeviceGetAttribute (&sms, cudaDevAttrMultiProcessorCount, 0);
  if ((e = cudaMalloc (&a, n * sizeof *a)) != cudaSuccess
      || (e = cudaMalloc (&b, n * sizeof *b)) != cudaSuccess
      || (e = cudaMemset (a, 0, n * sizeof *a)) != cudaSuccess
      || (e = cudaEventCreate (&start)) != cudaSuccess
      || (e = cudaEventCreate (&stop)) != cudaSuccess)
    s = mien_cuda_fail (err, e, "bandwidth test");
  for (int r = 0; s == MIEN_OK && r <= repeats; r++)
    {
      cudaEventRecord (start);
      mien_cuda_copy_kernel<<<sms * 8, 512>>> (a, b, n);
      cudaEventRecord (stop);
      if ((e = cudaEventSynchronize (stop)) != cudaSuccess)
        s = mien_cuda_fail (err, e, "bandwidth test");
      float ms = 0.0f;
      cudaEventElapsedTime (&ms, start, stop);
      if (r > 0 && (best == 0.0f || ms < best)) /* r = 0 warms up */
        best = ms;
    }
  if (s == MIEN_OK)
    *gb_per_s = 2.0 * n * sizeof (float4) / (best * 1e-3) / 1e9;
  cudaFree (a);
  cudaFree (b);
  if (start) cudaEventDestroy (start);
  if (stop) cudaEventDestroy (stop);
  return s;
}
