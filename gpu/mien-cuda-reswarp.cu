/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <cuda_fp16.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <vector>

#include "mien-cuda-private.h"
#include "mien-cuda-reswarp.h"
#include "mien-field.h"
#include "mien-resample.h"

/* ---- device side --------------------------------------------------------- */

__device__ __forceinline__ float
lerp_dev (float a, float b, float w)
{
  return a + w * (b - a); /* mien_lerp; exact at w = 0 */
}

__device__ __forceinline__ float load_res (const float *p) { return *p; }
__device__ __forceinline__ float load_res (const __half *p) { return __half2float (*p); }
__device__ __forceinline__ void store_res (float *p, float v) { *p = v; }
__device__ __forceinline__ void store_res (__half *p, float v) { *p = __float2half_rn (v); }

/* mien-reswarp.c's sample_position, statement for statement. */
__device__ __forceinline__ void
sample_position_dev (int i, float d, int n, int *i0, float *w)
{
  const float bound = (float)n + 1.0f;
  if (!(d >= -bound))
    d = -bound;
  else if (d > bound)
    d = bound;
  int whole = (int)d;
  whole -= (float)whole > d;
  int left = i + whole;
  float frac = d - (float)whole;
  if (left < 0)
    left = 0, frac = 0.0f;
  else if (left >= n - 1)
    left = n - 1, frac = 0.0f;
  *i0 = left;
  *w = frac;
}

/* mien-warp.c's cubic_weights (Keys, a = MIEN_WARP_CUBIC_A). */
__device__ __forceinline__ void
cubic_weights_dev (float t, float w[4])
{
  const float a = MIEN_WARP_CUBIC_A;
  float u = 1.0f - t;
  w[0] = a * t * u * u;
  w[1] = ((a + 2.0f) * t - (a + 3.0f)) * t * t + 1.0f;
  w[2] = ((a + 2.0f) * u - (a + 3.0f)) * u * u + 1.0f;
  w[3] = a * t * t * u;
}

__device__ __forceinline__ int
clamp_index_dev (int i, int n)
{
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/* acc[c] += weight · res(x + dx, y + dy): mien-warp.c's sample_residual. */
template <typename R, int C>
__device__ __forceinline__ void
sample_residual_dev (const R *res, int W, int H, int x, int y, float dx,
                     float dy, float weight, int cubic, float *acc)
{
  int x0, y0;
  float wx, wy;
  sample_position_dev (x, dx, W, &x0, &wx);
  sample_position_dev (y, dy, H, &y0, &wy);
  if (!cubic)
    {
      int x1 = x0 + (x0 < W - 1);
      int y1 = y0 + (y0 < H - 1);
      const R *r0 = res + (size_t)y0 * W * C;
      const R *r1 = res + (size_t)y1 * W * C;
#pragma unroll
      for (int c = 0; c < C; c++)
        {
          float top = lerp_dev (load_res (r0 + x0 * C + c),
                                load_res (r0 + x1 * C + c), wx);
          float bot = lerp_dev (load_res (r1 + x0 * C + c),
                                load_res (r1 + x1 * C + c), wx);
          acc[c] += weight * lerp_dev (top, bot, wy);
        }
      return;
    }
  float kx[4], ky[4];
  cubic_weights_dev (wx, kx);
  cubic_weights_dev (wy, ky);
  int xs[4];
#pragma unroll
  for (int k = 0; k < 4; k++)
    xs[k] = clamp_index_dev (x0 + k - 1, W) * C;
  float sum[C];
#pragma unroll
  for (int c = 0; c < C; c++)
    sum[c] = 0.0f;
#pragma unroll
  for (int j = 0; j < 4; j++)
    {
      const R *r = res + (size_t)clamp_index_dev (y0 + j - 1, H) * W * C;
#pragma unroll
      for (int c = 0; c < C; c++)
        sum[c] += ky[j] * (kx[0] * load_res (r + xs[0] + c)
                           + kx[1] * load_res (r + xs[1] + c)
                           + kx[2] * load_res (r + xs[2] + c)
                           + kx[3] * load_res (r + xs[3] + c));
    }
#pragma unroll
  for (int c = 0; c < C; c++)
    acc[c] += weight * sum[c];
}

struct compose_args {
  const float *coarse; /* NULL: zero (a plain warp) */
  int coarse_w;
  const void *residual; /* W×H×C of R, NULL: none */
  const float *field;   /* 2 channels, NULL: zero */
  const float *gain;    /* 1 channel at the field's size, NULL: 1 */
  /* Texture transport (needs gain): per field node the Jacobian of
   * x → x + F(x) in grid units (xx, xy, yx, yy); NULL: off. */
  const float *jacobian;
  int cubic; /* the residual resampler: Keys cubic, else bilinear */
  int field_w, field_h;
  const mien_lerp_tap *cx, *cy, *fx, *fy;
  float scale_x, scale_y;
  int W, H;
  float *out;
  size_t out_pitch; /* in floats */
  int out_c;
  float pad; /* value of channels beyond C */
};

/* up(coarse) at (x, y): vertical half first, then horizontal, as the CPU's
 * row-at-a-time kernel does. */
template <int C>
__device__ __forceinline__ void
up_sample (const float *coarse, int coarse_w, mien_lerp_tap tx,
           mien_lerp_tap ty, float *value)
{
  const float *c0 = coarse + (size_t)ty.i0 * coarse_w * C;
  const float *c1 = coarse + (size_t)ty.i1 * coarse_w * C;
#pragma unroll
  for (int c = 0; c < C; c++)
    {
      float left = lerp_dev (c0[tx.i0 * C + c], c1[tx.i0 * C + c], ty.w);
      float right = lerp_dev (c0[tx.i1 * C + c], c1[tx.i1 * C + c], ty.w);
      value[c] = lerp_dev (left, right, tx.w);
    }
}

__device__ __forceinline__ float
ramp_dev (float s, float full, float zero)
{
  float t = (s - zero) / (full - zero);
  return t >= 1.0f ? 1.0f : t <= 0.0f ? 0.0f : t;
}

/* mien-warp.c's transport share of a node from its Jacobian (grid units):
 * the squeeze's part of the gain's fade, none where stretched or squeezed
 * past MIEN_TRANSPORT_SQUEEZE_ZERO. */
__device__ __forceinline__ float
transport_share_dev (const float *j)
{
  float p = hypotf (j[0] + j[3], j[2] - j[1]);
  float q = hypotf (j[0] - j[3], j[2] + j[1]);
  float s1 = 0.5f * (p + q), s2 = 0.5f * fabsf (p - q);
  float share = ramp_dev (s2, MIEN_GAIN_STRETCH_FULL, MIEN_GAIN_STRETCH_ZERO)
                * (1.0f - ramp_dev (s1, MIEN_GAIN_SQUEEZE_FULL,
                                    MIEN_GAIN_SQUEEZE_ZERO))
                * ramp_dev (s1, MIEN_TRANSPORT_SQUEEZE_FULL,
                            MIEN_TRANSPORT_SQUEEZE_ZERO);
  return share >= 0.0f ? share : 0.0f;
}

/* mien-warp.c's transport_residual: the four surrounding nodes' rigid
 * motions, blended with the field's bilinear weights and rescaled to keep
 * the energy of uncorrelated copies. The nodes' rotations come from their
 * Jacobians here rather than from a per-level table. */
template <typename R, int C>
__device__ void
transport_residual_dev (const compose_args &a, const R *res, int x, int y,
                        float *acc)
{
  mien_lerp_tap fx = a.fx[x], fy = a.fy[y];
  const int ix[4] = { fx.i0, fx.i1, fx.i0, fx.i1 };
  const int iy[4] = { fy.i0, fy.i0, fy.i1, fy.i1 };
  const float w[4] = { (1.0f - fx.w) * (1.0f - fy.w), fx.w * (1.0f - fy.w),
                       (1.0f - fx.w) * fy.w, fx.w * fy.w };
  float dx[4], dy[4], share = 0.0f;
#pragma unroll
  for (int n = 0; n < 4; n++)
    {
      size_t node = (size_t)iy[n] * a.field_w + ix[n];
      const float *f = a.field + 2 * node;
      const float *j = a.jacobian + 4 * node;
      share += w[n] * transport_share_dev (j);
      float ja = j[0], jb = j[1] * (a.scale_x / a.scale_y);
      float jc = j[2] * (a.scale_y / a.scale_x), jd = j[3];
      float h = hypotf (ja + jd, jc - jb);
      float co = h > 0.0f ? (ja + jd) / h - 1.0f : 0.0f;
      float si = h > 0.0f ? (jc - jb) / h : 0.0f;
      float rx = (float)x - (((float)ix[n] + 0.5f) * a.scale_x - 0.5f);
      float ry = (float)y - (((float)iy[n] + 0.5f) * a.scale_y - 0.5f);
      dx[n] = f[0] * a.scale_x + co * rx - si * ry;
      dy[n] = f[1] * a.scale_y + si * rx + co * ry;
    }
  if (!(share > 0.0f))
    return;
  float energy = 0.0f;
#pragma unroll
  for (int n = 0; n < 4; n++)
    {
      energy += w[n] * w[n];
#pragma unroll
      for (int m = n + 1; m < 4; m++)
        {
          float ex = dx[n] - dx[m], ey = dy[n] - dy[m];
          float q = 1.0f - 0.25f * (ex * ex + ey * ey);
          energy += q > 0.0f ? 2.0f * w[n] * w[m] * q * q : 0.0f;
        }
    }
  float scale = share / sqrtf (energy);
#pragma unroll
  for (int n = 0; n < 4; n++)
    if (w[n] != 0.0f)
      sample_residual_dev<R, C> (res, a.W, a.H, x, y, dx[n], dy[n],
                                 w[n] * scale, a.cubic, acc);
}

template <typename R, int C>
__global__ void
compose_kernel (compose_args a)
{
  int x = blockIdx.x * blockDim.x + threadIdx.x;
  int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= a.W || y >= a.H)
    return;
  float value[C];
  if (a.coarse != nullptr)
    up_sample<C> (a.coarse, a.coarse_w, a.cx[x], a.cy[y], value);
  else
#pragma unroll
    for (int c = 0; c < C; c++)
      value[c] = 0.0f;

  if (a.residual != nullptr)
    {
      const R *res = (const R *)a.residual;
      float u = 0.0f, v = 0.0f, g = 1.0f;
      if (a.field != nullptr)
        {
          mien_lerp_tap fx = a.fx[x], fy = a.fy[y];
          const float *f0 = a.field + (size_t)fy.i0 * a.field_w * 2;
          const float *f1 = a.field + (size_t)fy.i1 * a.field_w * 2;
          u = lerp_dev (lerp_dev (f0[fx.i0 * 2], f1[fx.i0 * 2], fy.w),
                        lerp_dev (f0[fx.i1 * 2], f1[fx.i1 * 2], fy.w), fx.w);
          v = lerp_dev (lerp_dev (f0[fx.i0 * 2 + 1], f1[fx.i0 * 2 + 1], fy.w),
                        lerp_dev (f0[fx.i1 * 2 + 1], f1[fx.i1 * 2 + 1], fy.w),
                        fx.w);
          if (a.gain != nullptr)
            {
              /* As the CPU: the residual gain, up-sampled like the field. */
              const float *g0 = a.gain + (size_t)fy.i0 * a.field_w;
              const float *g1 = a.gain + (size_t)fy.i1 * a.field_w;
              g = lerp_dev (lerp_dev (g0[fx.i0], g1[fx.i0], fy.w),
                            lerp_dev (g0[fx.i1], g1[fx.i1], fy.w), fx.w);
            }
        }
      if (u == 0.0f && v == 0.0f)
        {
          const R *r = res + ((size_t)y * a.W + x) * C;
#pragma unroll
          for (int c = 0; c < C; c++)
            value[c] += g * load_res (r + c);
        }
      else if (g > 0.0f)
        sample_residual_dev<R, C> (res, a.W, a.H, x, y, u * a.scale_x,
                                   v * a.scale_y, g, a.cubic, value);
      if (a.jacobian != nullptr && g < 1.0f)
        transport_residual_dev<R, C> (a, res, x, y, value);
    }
  float *o = a.out + (size_t)y * a.out_pitch + (size_t)x * a.out_c;
#pragma unroll
  for (int c = 0; c < C; c++)
    o[c] = value[c];
  for (int c = C; c < a.out_c; c++)
    o[c] = a.pad;
}

/* residual = fine − up(coarse), the CPU's make_residual in one pass. */
template <typename R, int C>
__global__ void
residual_kernel (const float *fine, const float *coarse, int coarse_w,
                 const mien_lerp_tap *cx, const mien_lerp_tap *cy, int W,
                 int H, R *res)
{
  int x = blockIdx.x * blockDim.x + threadIdx.x;
  int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= W || y >= H)
    return;
  float up[C];
  up_sample<C> (coarse, coarse_w, cx[x], cy[y], up);
  size_t i = ((size_t)y * W + x) * C;
#pragma unroll
  for (int c = 0; c < C; c++)
    store_res (res + i + c, fine[i + c] - up[c]);
}

/* Area average, horizontal pass: tmp (dst_w × src_h) from src. */
__global__ void
area_horizontal_kernel (const float *src, int src_w, int src_h, int C,
                        const int *first, const int *count,
                        const float *weights, int max_taps, float *tmp,
                        int dst_w)
{
  int j = blockIdx.x * blockDim.x + threadIdx.x;
  int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (j >= dst_w || y >= src_h)
    return;
  const float *w = weights + (size_t)j * max_taps;
  const float *p = src + ((size_t)y * src_w + first[j]) * C;
  float *out = tmp + ((size_t)y * dst_w + j) * C;
  int n = count[j];
  for (int c = 0; c < C; c++)
    {
      float acc = 0.0f;
      for (int t = 0; t < n; t++)
        acc += w[t] * p[t * C + c];
      out[c] = acc;
    }
}

/* Vertical pass: dst row j from tmp rows first[j] … first[j] + count[j]. */
__global__ void
area_vertical_kernel (const float *tmp, size_t row_floats, const int *first,
                      const int *count, const float *weights, int max_taps,
                      float *dst, int dst_h)
{
  size_t k = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  int j = blockIdx.y;
  if (k >= row_floats || j >= dst_h)
    return;
  const float *w = weights + (size_t)j * max_taps;
  float acc = 0.0f;
  for (int t = 0; t < count[j]; t++)
    acc += w[t] * tmp[(size_t)(first[j] + t) * row_floats + k];
  dst[(size_t)j * row_floats + k] = acc;
}

template <typename R>
__global__ void
to_float_kernel (const R *in, float *out, size_t n)
{
  size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    out[i] = load_res (in + i);
}

/* ---- host side ------------------------------------------------------------ */

namespace {

struct level {
  int w, h;
  void *residual;     /* float or __half, w × h × C */
  mien_lerp_tap *taps; /* coarse_x[w], coarse_y[h], field_x[w], field_y[h] */
  float *scratch;     /* multiscale result at this level (k > 0) */
};

} // namespace

struct mien_cuda_decomposition {
  mien_reswarp_mode mode;
  mien_cuda_storage storage;
  int width, height, channels;
  int n_sizes;
  mien_level_size sizes[MIEN_PYRAMID_MAX_LEVELS + 1];
  int n_residuals;
  level levels[MIEN_PYRAMID_MAX_LEVELS];
  mien_image *low;
  float *refined_dev, *field_dev; /* low size */
  /* The residual gain (mien_field_residual_gain): computed on the host from
   * the field in set_inputs, uploaded next to it. */
  int residual_fade;
  int transport;   /* texture transport where the gain fades */
  int cubic;       /* Keys cubic residual resampler, else bilinear */
  mien_image *gain_host;
  float *gain_dev;
  float *jacobian_host, *jacobian_dev; /* 4 floats per field node */
  float *out_dev;                 /* host variant's staging frame */
  cudaStream_t stream;
  size_t device_bytes;
};

static mien_status
dev_alloc (mien_cuda_decomposition *dec, void **ptr, size_t bytes,
           const char *what, mien_error *err)
{
  cudaError_t e = cudaMalloc (ptr, bytes);
  if (e != cudaSuccess)
    {
      *ptr = nullptr;
      (void)cudaGetLastError ();
      if (e == cudaErrorMemoryAllocation)
        return mien_error_set (err, MIEN_ERR_NOMEM,
                               "CUDA: out of device memory allocating %zu MiB "
                               "for %s",
                               bytes >> 20, what);
      return mien_cuda_fail (err, e, what);
    }
  dec->device_bytes += bytes;
  return MIEN_OK;
}

static size_t
residual_elem_size (const mien_cuda_decomposition *dec)
{
  return dec->storage == MIEN_CUDA_STORAGE_HALF ? sizeof (__half)
                                                : sizeof (float);
}

/* Rough device memory the decomposition needs at its peak (photo, residual
 * levels, scratch, one temporary level), to refuse up front rather than
 * fail halfway through. */
static size_t
estimate_bytes (const mien_cuda_decomposition *dec)
{
  size_t px = 0;
  for (int k = 0; k < dec->n_sizes; k++)
    px += (size_t)dec->sizes[k].width * dec->sizes[k].height;
  size_t full = (size_t)dec->width * dec->height;
  size_t c = (size_t)dec->channels;
  return c * (px * residual_elem_size (dec) + px * sizeof (float)
              + 3 * full * sizeof (float));
}

/* The CPU's area_axis_init (engine/mien-resample.c), so that the weights
 * are the same floats. */
struct area_axis_host {
  std::vector<int> first, count;
  std::vector<float> weights;
  int max_taps;
};

static void
area_axis_build (area_axis_host *axis, int in_size, int out_size)
{
  double f = (double)in_size / (double)out_size;
  axis->max_taps = (int)ceil (f) + 1;
  axis->first.assign (out_size, 0);
  axis->count.assign (out_size, 0);
  axis->weights.assign ((size_t)out_size * axis->max_taps, 0.0f);
  for (int j = 0; j < out_size; j++)
    {
      double a = j * f, b = (j + 1) * f;
      int lo = (int)floor (a);
      int hi = (int)ceil (b);
      if (hi > in_size)
        hi = in_size;
      int n = 0;
      float *w = axis->weights.data () + (size_t)j * axis->max_taps;
      axis->first[j] = lo;
      for (int i = lo; i < hi; i++)
        {
          double overlap = fmin (b, i + 1.0) - fmax (a, (double)i);
          w[n++] = overlap > 0.0 ? (float)(overlap / f) : 0.0f;
        }
      axis->count[j] = n;
    }
}

/* A temporary device buffer freed at scope exit. */
struct dev_buffer {
  void *p = nullptr;
  ~dev_buffer () { cudaFree (p); }
};

static mien_status
upload_axis (mien_cuda_decomposition *dec, const area_axis_host *axis,
             dev_buffer *buf, int **first, int **count, float **weights,
             mien_error *err)
{
  size_t n = axis->first.size ();
  size_t bytes = 2 * n * sizeof (int) + axis->weights.size () * sizeof (float);
  MIEN_CUDA_TRY (cudaMalloc (&buf->p, bytes), "area-average tables");
  *first = (int *)buf->p;
  *count = *first + n;
  *weights = (float *)(*count + n);
  MIEN_CUDA_TRY (cudaMemcpyAsync (*first, axis->first.data (), n * sizeof (int),
                                  cudaMemcpyHostToDevice, dec->stream),
                 "uploading tables");
  MIEN_CUDA_TRY (cudaMemcpyAsync (*count, axis->count.data (), n * sizeof (int),
                                  cudaMemcpyHostToDevice, dec->stream),
                 "uploading tables");
  MIEN_CUDA_TRY (cudaMemcpyAsync (*weights, axis->weights.data (),
                                  axis->weights.size () * sizeof (float),
                                  cudaMemcpyHostToDevice, dec->stream),
                 "uploading tables");
  /* The host vectors die with the caller's frame: wait for the copies. */
  MIEN_CUDA_TRY (cudaStreamSynchronize (dec->stream), "uploading tables");
  return MIEN_OK;
}

/* dst (dw × dh) = area average of src (sw × sh), both C channels. */
static mien_status
downsample_dev (mien_cuda_decomposition *dec, const float *src, int sw, int sh,
                float *dst, int dw, int dh, mien_error *err)
{
  int C = dec->channels;
  area_axis_host ax, ay;
  area_axis_build (&ax, sw, dw);
  area_axis_build (&ay, sh, dh);
  dev_buffer bx, by, tmp;
  int *xf, *xc, *yf, *yc;
  float *xw, *yw;
  if (upload_axis (dec, &ax, &bx, &xf, &xc, &xw, err) != MIEN_OK
      || upload_axis (dec, &ay, &by, &yf, &yc, &yw, err) != MIEN_OK)
    return err ? err->status : MIEN_ERR_UNSUPPORTED;
  MIEN_CUDA_TRY (cudaMalloc (&tmp.p, (size_t)dw * sh * C * sizeof (float)),
                 "down-sampling");
  dim3 block (32, 8);
  dim3 grid (mien_cuda_blocks (dw, 32), mien_cuda_blocks (sh, 8));
  area_horizontal_kernel<<<grid, block, 0, dec->stream>>> (
      src, sw, sh, C, xf, xc, xw, ax.max_taps, (float *)tmp.p, dw);
  MIEN_CUDA_CHECK_LAUNCH ("down-sampling");
  size_t row = (size_t)dw * C;
  area_vertical_kernel<<<dim3 (mien_cuda_blocks (row, 256), dh), 256, 0,
                         dec->stream>>> ((const float *)tmp.p, row, yf, yc, yw,
                                         ay.max_taps, dst, dh);
  MIEN_CUDA_CHECK_LAUNCH ("down-sampling");
  /* The buffers are freed on return: the kernels must be done with them. */
  MIEN_CUDA_TRY (cudaStreamSynchronize (dec->stream), "down-sampling");
  return MIEN_OK;
}

static mien_status
upload_taps (mien_cuda_decomposition *dec, level *lv, int coarse_w,
             int coarse_h, int field_w, int field_h, mien_error *err)
{
  size_t n = 2 * ((size_t)lv->w + lv->h);
  std::vector<mien_lerp_tap> taps (n);
  mien_lerp_taps_init (taps.data (), coarse_w, lv->w);
  mien_lerp_taps_init (taps.data () + lv->w, coarse_h, lv->h);
  mien_lerp_taps_init (taps.data () + lv->w + lv->h, field_w, lv->w);
  mien_lerp_taps_init (taps.data () + 2 * lv->w + lv->h, field_h, lv->h);
  mien_status s = dev_alloc (dec, (void **)&lv->taps,
                             n * sizeof (mien_lerp_tap), "tap tables", err);
  if (s != MIEN_OK)
    return s;
  /* On dec->stream, not with a plain cudaMemcpy: that one runs on the
   * legacy stream, which a non-blocking stream does not wait for, and it
   * may return before its DMA from pageable memory lands, so the residual
   * kernel could read unwritten taps (an illegal address on the first lent
   * H200, at 8192² multiscale). The vector dies on return: wait. */
  MIEN_CUDA_TRY (cudaMemcpyAsync (lv->taps, taps.data (),
                                  n * sizeof (mien_lerp_tap),
                                  cudaMemcpyHostToDevice, dec->stream),
                 "uploading tap tables");
  MIEN_CUDA_TRY (cudaStreamSynchronize (dec->stream), "uploading tap tables");
  return MIEN_OK;
}

template <typename R>
static void
launch_residual (cudaStream_t stream, int C, const float *fine,
                 const float *coarse, int coarse_w, const level *lv)
{
  dim3 block (32, 8);
  dim3 grid (mien_cuda_blocks (lv->w, 32), mien_cuda_blocks (lv->h, 8));
  const mien_lerp_tap *cx = lv->taps, *cy = lv->taps + lv->w;
  R *res = (R *)lv->residual;
  switch (C)
    {
    case 1: residual_kernel<R, 1><<<grid, block, 0, stream>>> (fine, coarse, coarse_w, cx, cy, lv->w, lv->h, res); break;
    case 2: residual_kernel<R, 2><<<grid, block, 0, stream>>> (fine, coarse, coarse_w, cx, cy, lv->w, lv->h, res); break;
    case 3: residual_kernel<R, 3><<<grid, block, 0, stream>>> (fine, coarse, coarse_w, cx, cy, lv->w, lv->h, res); break;
    default: residual_kernel<R, 4><<<grid, block, 0, stream>>> (fine, coarse, coarse_w, cx, cy, lv->w, lv->h, res); break;
    }
}

/* Level k: its residual from fine (level k, w × h) and coarse (the next
 * size down), and its tap tables. */
static mien_status
build_level (mien_cuda_decomposition *dec, int k, const float *fine,
             const float *coarse, int coarse_w, int coarse_h, mien_error *err)
{
  level *lv = &dec->levels[k];
  lv->w = dec->sizes[k].width;
  lv->h = dec->sizes[k].height;
  mien_level_size low = dec->sizes[dec->n_sizes - 1];
  mien_status s = upload_taps (dec, lv, coarse_w, coarse_h, low.width,
                               low.height, err);
  if (s != MIEN_OK)
    return s;
  size_t n = (size_t)lv->w * lv->h * dec->channels;
  s = dev_alloc (dec, &lv->residual, n * residual_elem_size (dec),
                 "a residual level", err);
  if (s != MIEN_OK)
    return s;
  if (dec->storage == MIEN_CUDA_STORAGE_HALF)
    launch_residual<__half> (dec->stream, dec->channels, fine, coarse,
                             coarse_w, lv);
  else
    launch_residual<float> (dec->stream, dec->channels, fine, coarse, coarse_w,
                            lv);
  MIEN_CUDA_CHECK_LAUNCH ("building a residual level");
  dec->n_residuals = k + 1;
  return MIEN_OK;
}

static mien_status
alloc_level_image (mien_cuda_decomposition *dec, dev_buffer *buf,
                   mien_level_size size, mien_error *err)
{
  size_t bytes = (size_t)size.width * size.height * dec->channels
                 * sizeof (float);
  cudaError_t e = cudaMalloc (&buf->p, bytes);
  if (e == cudaErrorMemoryAllocation)
    {
      (void)cudaGetLastError ();
      return mien_error_set (err, MIEN_ERR_NOMEM,
                             "CUDA: out of device memory for a %d×%d level",
                             size.width, size.height);
    }
  MIEN_CUDA_TRY (e, "allocating a pyramid level");
  return MIEN_OK;
}

static mien_status
decompose (mien_cuda_decomposition *dec, const float *hd_dev, mien_error *err)
{
  mien_level_size low = dec->sizes[dec->n_sizes - 1];
  dev_buffer low_buf;
  mien_status s;
  if (dec->mode == MIEN_RESWARP_VANILLA)
    {
      if ((s = alloc_level_image (dec, &low_buf, low, err)) != MIEN_OK
          || (s = downsample_dev (dec, hd_dev, dec->width, dec->height,
                                  (float *)low_buf.p, low.width, low.height,
                                  err)) != MIEN_OK)
        return s;
      s = build_level (dec, 0, hd_dev, (const float *)low_buf.p, low.width,
                       low.height, err);
      if (s != MIEN_OK)
        return s;
    }
  else
    {
      /* As decompose_multiscale: cascade, except the top level, which is
       * averaged straight from I^h. */
      dev_buffer fine_buf; /* owned level k (NULL for k = 0: hd itself) */
      const float *fine = hd_dev;
      for (int k = 0; k + 1 < dec->n_sizes; k++)
        {
          mien_level_size here = dec->sizes[k], next = dec->sizes[k + 1];
          const float *source = k + 2 == dec->n_sizes ? hd_dev : fine;
          mien_level_size src_size = k + 2 == dec->n_sizes
                                         ? dec->sizes[0] : here;
          dev_buffer coarse_buf;
          if ((s = alloc_level_image (dec, &coarse_buf, next, err)) != MIEN_OK
              || (s = downsample_dev (dec, source, src_size.width,
                                      src_size.height, (float *)coarse_buf.p,
                                      next.width, next.height, err))
                     != MIEN_OK
              || (s = build_level (dec, k, fine, (const float *)coarse_buf.p,
                                   next.width, next.height, err)) != MIEN_OK)
            return s;
          MIEN_CUDA_TRY (cudaStreamSynchronize (dec->stream), "decomposing");
          std::swap (fine_buf.p, coarse_buf.p);
          fine = (const float *)fine_buf.p;
        }
      std::swap (low_buf.p, fine_buf.p);
    }
  size_t n = (size_t)low.width * low.height * dec->channels;
  const float *low_src = low_buf.p != nullptr ? (const float *)low_buf.p
                                              : hd_dev; /* a 128² photo */
  MIEN_CUDA_TRY (cudaMemcpyAsync (dec->low->data, low_src, n * sizeof (float),
                                  cudaMemcpyDeviceToHost, dec->stream),
                 "downloading I");
  MIEN_CUDA_TRY (cudaStreamSynchronize (dec->stream), "decomposing");
  return MIEN_OK;
}

static mien_status
alloc_frame_buffers (mien_cuda_decomposition *dec, mien_error *err)
{
  mien_level_size low = dec->sizes[dec->n_sizes - 1];
  size_t n_low = (size_t)low.width * low.height;
  mien_status s = dev_alloc (dec, (void **)&dec->refined_dev,
                             n_low * dec->channels * sizeof (float),
                             "O^r", err);
  if (s == MIEN_OK)
    s = dev_alloc (dec, (void **)&dec->field_dev, n_low * 2 * sizeof (float),
                   "the motion field", err);
  if (s == MIEN_OK)
    s = dev_alloc (dec, (void **)&dec->gain_dev, n_low * sizeof (float),
                   "the residual gain", err);
  if (s == MIEN_OK
      && (dec->gain_host = mien_image_new (low.width, low.height, 1, err))
             == nullptr)
    s = MIEN_ERR_NOMEM;
  if (s == MIEN_OK)
    s = dev_alloc (dec, (void **)&dec->jacobian_dev, n_low * 4 * sizeof (float),
                   "the field's Jacobians", err);
  if (s == MIEN_OK
      && (dec->jacobian_host = (float *)malloc (n_low * 4 * sizeof (float)))
             == nullptr)
    s = mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  if (dec->mode == MIEN_RESWARP_MULTISCALE)
    for (int k = 1; k < dec->n_residuals && s == MIEN_OK; k++)
      s = dev_alloc (dec, (void **)&dec->levels[k].scratch,
                     (size_t)dec->levels[k].w * dec->levels[k].h
                         * dec->channels * sizeof (float),
                     "a pyramid level", err);
  return s;
}

/* With no residual levels (a photo already at the low size), the frame is
 * O^r through a compose with identity taps; this level holds them. */
static mien_status
ensure_identity_level (mien_cuda_decomposition *dec, mien_error *err)
{
  if (dec->n_residuals > 0 || dec->levels[0].taps != nullptr)
    return MIEN_OK;
  level *lv = &dec->levels[0];
  lv->w = dec->width;
  lv->h = dec->height;
  return upload_taps (dec, lv, dec->width, dec->height, dec->width,
                      dec->height, err);
}

static mien_status
check_device_memory (mien_cuda_decomposition *dec, mien_error *err)
{
  size_t free_bytes = 0, total = 0;
  MIEN_CUDA_TRY (cudaMemGetInfo (&free_bytes, &total), "reading free memory");
  /* MIEN_CUDA_MEMORY_LIMIT_MB caps what we may use: the tests use it to
   * reach the out-of-memory fallback on a GPU with plenty of memory. */
  const char *limit = getenv ("MIEN_CUDA_MEMORY_LIMIT_MB");
  if (limit != nullptr && *limit != '\0')
    {
      size_t cap = (size_t)strtoull (limit, nullptr, 10) << 20;
      free_bytes = cap < free_bytes ? cap : free_bytes;
    }
  size_t need = estimate_bytes (dec);
  if (need > free_bytes)
    return mien_error_set (err, MIEN_ERR_NOMEM,
                           "CUDA: a %d×%d decomposition needs about %zu MiB of "
                           "device memory; %zu MiB are free",
                           dec->width, dec->height, need >> 20,
                           free_bytes >> 20);
  return MIEN_OK;
}

extern "C" mien_cuda_decomposition *
mien_cuda_decomposition_new (const mien_image *hd, int low_w, int low_h,
                             mien_reswarp_mode mode, mien_cuda_storage storage,
                             mien_error *err)
{
  if (low_w <= 0 || low_h <= 0)
    {
      mien_error_set (err, MIEN_ERR_INVALID,
                      "invalid low-resolution size %d×%d", low_w, low_h);
      return nullptr;
    }
  if (mien_image_check_size (hd->width, hd->height, hd->channels, err)
      != MIEN_OK)
    return nullptr;
  mien_cuda_decomposition *dec
      = (mien_cuda_decomposition *)calloc (1, sizeof *dec);
  if (dec == nullptr)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return nullptr;
    }
  dec->mode = mode;
  dec->residual_fade = 1;
  dec->transport = mien_reswarp_transport_by_default ();
  dec->cubic = mien_reswarp_cubic_by_default ();
  dec->storage = storage;
  dec->width = hd->width;
  dec->height = hd->height;
  dec->channels = hd->channels;
  dec->n_sizes = mien_pyramid_level_sizes (hd->width, hd->height, low_w, low_h,
                                           dec->sizes,
                                           MIEN_PYRAMID_MAX_LEVELS + 1);
  if (mode == MIEN_RESWARP_VANILLA)
    {
      /* Vanilla has one level, the photo over I, even when the photo is
       * already at the low size (as the CPU, which then keeps R = 0). */
      dec->sizes[1] = mien_level_size{ low_w, low_h };
      dec->n_sizes = 2;
    }
  mien_status s = MIEN_OK;
  dec->low = mien_image_new (low_w, low_h, hd->channels, err);
  if (dec->low == nullptr)
    s = MIEN_ERR_NOMEM;
  cudaError_t e = cudaSuccess;
  if (s == MIEN_OK
      && (e = cudaStreamCreateWithFlags (&dec->stream, cudaStreamNonBlocking))
             != cudaSuccess)
    s = mien_cuda_fail (err, e, "creating a stream");
  if (s == MIEN_OK)
    s = check_device_memory (dec, err);
  dev_buffer hd_dev;
  size_t hd_bytes = mien_image_n_floats (hd) * sizeof (float);
  if (s == MIEN_OK && (e = cudaMalloc (&hd_dev.p, hd_bytes)) != cudaSuccess)
    s = mien_cuda_fail (err, e, "uploading the photo");
  if (s == MIEN_OK
      && ((e = cudaMemcpyAsync (hd_dev.p, hd->data, hd_bytes,
                                cudaMemcpyHostToDevice, dec->stream))
              != cudaSuccess
          || (e = cudaStreamSynchronize (dec->stream)) != cudaSuccess))
    s = mien_cuda_fail (err, e, "uploading the photo"); /* as upload_taps */
  if (s == MIEN_OK && dec->n_sizes > 1)
    s = decompose (dec, (const float *)hd_dev.p, err);
  else if (s == MIEN_OK)
    memcpy (dec->low->data, hd->data, hd_bytes); /* the photo is I */
  if (s == MIEN_OK)
    s = alloc_frame_buffers (dec, err);
  if (s == MIEN_OK)
    s = ensure_identity_level (dec, err);
  if (s != MIEN_OK)
    {
      mien_cuda_decomposition_free (dec);
      return nullptr;
    }
  return dec;
}

extern "C" void
mien_cuda_decomposition_free (mien_cuda_decomposition *dec)
{
  if (dec == nullptr)
    return;
  if (dec->stream != nullptr)
    cudaStreamSynchronize (dec->stream);
  for (int k = 0; k < MIEN_PYRAMID_MAX_LEVELS; k++)
    {
      cudaFree (dec->levels[k].residual);
      cudaFree (dec->levels[k].taps);
      cudaFree (dec->levels[k].scratch);
    }
  cudaFree (dec->refined_dev);
  cudaFree (dec->field_dev);
  cudaFree (dec->gain_dev);
  cudaFree (dec->jacobian_dev);
  free (dec->jacobian_host);
  cudaFree (dec->out_dev);
  if (dec->stream != nullptr)
    cudaStreamDestroy (dec->stream);
  (void)cudaGetLastError ();
  mien_image_free (dec->low);
  mien_image_free (dec->gain_host);
  free (dec);
}

extern "C" void
mien_cuda_decomposition_set_residual_fade (mien_cuda_decomposition *dec,
                                           int on)
{
  dec->residual_fade = on != 0;
  dec->transport = on && mien_reswarp_transport_by_default ();
  dec->cubic = on && mien_reswarp_cubic_by_default ();
}

extern "C" void
mien_cuda_decomposition_set_texture_transport (mien_cuda_decomposition *dec,
                                               int on)
{
  dec->transport = on != 0;
}

extern "C" void
mien_cuda_decomposition_set_resampler (mien_cuda_decomposition *dec,
                                       mien_warp_resampler resampler)
{
  dec->cubic = resampler == MIEN_WARP_CUBIC;
}

extern "C" int
mien_cuda_decomposition_get_residual_fade (const mien_cuda_decomposition *dec)
{
  return dec->residual_fade;
}

extern "C" mien_reswarp_mode
mien_cuda_decomposition_get_mode (const mien_cuda_decomposition *dec)
{
  return dec->mode;
}

extern "C" const mien_image *
mien_cuda_decomposition_get_low (const mien_cuda_decomposition *dec)
{
  return dec->low;
}

extern "C" int
mien_cuda_decomposition_get_width (const mien_cuda_decomposition *dec)
{
  return dec->width;
}

extern "C" int
mien_cuda_decomposition_get_height (const mien_cuda_decomposition *dec)
{
  return dec->height;
}

extern "C" int
mien_cuda_decomposition_get_channels (const mien_cuda_decomposition *dec)
{
  return dec->channels;
}

extern "C" int
mien_cuda_decomposition_get_n_residuals (const mien_cuda_decomposition *dec)
{
  return dec->n_residuals;
}

extern "C" void
mien_cuda_decomposition_get_residual_size (const mien_cuda_decomposition *dec,
                                           int k, int *width, int *height)
{
  int ok = k >= 0 && k < dec->n_residuals;
  *width = ok ? dec->levels[k].w : 0;
  *height = ok ? dec->levels[k].h : 0;
}

extern "C" size_t
mien_cuda_decomposition_get_device_bytes (const mien_cuda_decomposition *dec)
{
  return dec->device_bytes;
}

extern "C" size_t
mien_cuda_decomposition_get_frame_bytes (const mien_cuda_decomposition *dec)
{
  size_t px = 0;
  for (int k = 0; k < dec->n_residuals; k++)
    px += (size_t)dec->levels[k].w * dec->levels[k].h;
  size_t full = (size_t)dec->width * dec->height;
  return (size_t)dec->channels
         * (px * residual_elem_size (dec) + full * sizeof (float));
}

extern "C" void *
mien_cuda_decomposition_get_stream (mien_cuda_decomposition *dec)
{
  return (void *)dec->stream;
}

extern "C" mien_status
mien_cuda_decomposition_download_residual (mien_cuda_decomposition *dec,
                                           int k, mien_image *out,
                                           mien_error *err)
{
  if (k < 0 || k >= dec->n_residuals || out->width != dec->levels[k].w
      || out->height != dec->levels[k].h || out->channels != dec->channels)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "residual %d: wrong level or output shape", k);
  size_t n = mien_image_n_floats (out);
  dev_buffer tmp;
  MIEN_CUDA_TRY (cudaMalloc (&tmp.p, n * sizeof (float)), "downloading");
  if (dec->storage == MIEN_CUDA_STORAGE_HALF)
    to_float_kernel<__half><<<mien_cuda_blocks (n, 256), 256, 0, dec->stream>>> (
        (const __half *)dec->levels[k].residual, (float *)tmp.p, n);
  else
    to_float_kernel<float><<<mien_cuda_blocks (n, 256), 256, 0, dec->stream>>> (
        (const float *)dec->levels[k].residual, (float *)tmp.p, n);
  MIEN_CUDA_CHECK_LAUNCH ("downloading a residual");
  MIEN_CUDA_TRY (cudaMemcpyAsync (out->data, tmp.p, n * sizeof (float),
                                  cudaMemcpyDeviceToHost, dec->stream),
                 "downloading a residual");
  MIEN_CUDA_TRY (cudaStreamSynchronize (dec->stream), "downloading a residual");
  return MIEN_OK;
}

/* ---- frames ----------------------------------------------------------------- */

template <typename R>
static void
launch_compose (cudaStream_t stream, int C, const compose_args &a)
{
  dim3 block (32, 8);
  dim3 grid (mien_cuda_blocks (a.W, 32), mien_cuda_blocks (a.H, 8));
  switch (C)
    {
    case 1: compose_kernel<R, 1><<<grid, block, 0, stream>>> (a); break;
    case 2: compose_kernel<R, 2><<<grid, block, 0, stream>>> (a); break;
    case 3: compose_kernel<R, 3><<<grid, block, 0, stream>>> (a); break;
    default: compose_kernel<R, 4><<<grid, block, 0, stream>>> (a); break;
    }
}

/* out = [up(coarse)] + warp(residual k, F_k), at level k's size. */
static mien_status
compose_level (mien_cuda_decomposition *dec, int k, const float *coarse,
               int coarse_w, int with_residual, float *out, size_t pitch_floats,
               int out_c, float pad, mien_error *err)
{
  const level *lv = &dec->levels[k];
  mien_level_size low = dec->sizes[dec->n_sizes - 1];
  compose_args a;
  a.coarse = coarse;
  a.coarse_w = coarse_w;
  a.residual = with_residual ? lv->residual : nullptr;
  a.field = dec->field_dev;
  a.gain = dec->residual_fade ? dec->gain_dev : nullptr;
  a.jacobian = dec->residual_fade && dec->transport ? dec->jacobian_dev
                                                    : nullptr;
  a.cubic = dec->cubic;
  a.field_w = low.width;
  a.field_h = low.height;
  a.cx = lv->taps;
  a.cy = lv->taps + lv->w;
  a.fx = lv->taps + lv->w + lv->h;
  a.fy = lv->taps + 2 * lv->w + lv->h;
  /* As the CPU: W_k / field width, computed in float. */
  a.scale_x = (float)lv->w / (float)low.width;
  a.scale_y = (float)lv->h / (float)low.height;
  a.W = lv->w;
  a.H = lv->h;
  a.out = out;
  a.out_pitch = pitch_floats;
  a.out_c = out_c;
  a.pad = pad;
  if (dec->storage == MIEN_CUDA_STORAGE_HALF)
    launch_compose<__half> (dec->stream, dec->channels, a);
  else
    launch_compose<float> (dec->stream, dec->channels, a);
  MIEN_CUDA_CHECK_LAUNCH ("ResWarp level");
  return MIEN_OK;
}

static mien_status
check_out_layout (const mien_cuda_decomposition *dec, int w, size_t pitch,
                  int out_c, mien_error *err)
{
  if (out_c < dec->channels || out_c > 4 || pitch % sizeof (float) != 0
      || pitch < (size_t)w * out_c * sizeof (float))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "CUDA ResWarp: output of %d channels with a pitch "
                           "of %zu bytes cannot hold %d pixels of %d channels",
                           out_c, pitch, w, dec->channels);
  return MIEN_OK;
}

extern "C" mien_status
mien_cuda_reswarp_set_inputs (mien_cuda_decomposition *dec,
                              const mien_image *refined,
                              const mien_image *field, mien_error *err)
{
  mien_status checked = mien_reswarp_check_inputs (
      dec->low, 0, 0, 0, refined, field, NULL, err);
  if (checked != MIEN_OK)
    return checked;
  MIEN_CUDA_TRY (cudaMemcpyAsync (dec->refined_dev, refined->data,
                                  mien_image_n_floats (refined) * sizeof (float),
                                  cudaMemcpyHostToDevice, dec->stream),
                 "uploading O^r");
  MIEN_CUDA_TRY (cudaMemcpyAsync (dec->field_dev, field->data,
                                  mien_image_n_floats (field) * sizeof (float),
                                  cudaMemcpyHostToDevice, dec->stream),
                 "uploading the field");
  /* Uploaded whether or not the fade is on, so that turning it on between
   * set_inputs and a frame never reads a stale (or unwritten) gain; it is
   * 128² floats. */
  mien_status gs = mien_field_residual_gain (field, dec->gain_host, err);
  if (gs != MIEN_OK)
    return gs;
  MIEN_CUDA_TRY (cudaMemcpyAsync (dec->gain_dev, dec->gain_host->data,
                                  mien_image_n_floats (dec->gain_host)
                                      * sizeof (float),
                                  cudaMemcpyHostToDevice, dec->stream),
                 "uploading the residual gain");
  for (int y = 0; y < field->height; y++)
    for (int x = 0; x < field->width; x++)
      {
        mien_jacobian j = mien_field_jacobian (field, x, y);
        float *p = dec->jacobian_host + 4 * ((size_t)y * field->width + x);
        p[0] = j.xx, p[1] = j.xy, p[2] = j.yx, p[3] = j.yy;
      }
  MIEN_CUDA_TRY (cudaMemcpyAsync (dec->jacobian_dev, dec->jacobian_host,
                                  (size_t)field->width * field->height * 4
                                      * sizeof (float),
                                  cudaMemcpyHostToDevice, dec->stream),
                 "uploading the field's Jacobians");
  /* The copies read pageable host memory the caller may change next. */
  MIEN_CUDA_TRY (cudaStreamSynchronize (dec->stream), "uploading inputs");
  return MIEN_OK;
}

extern "C" mien_status
mien_cuda_reswarp_device (mien_cuda_decomposition *dec, float *out_dev,
                          size_t pitch, int out_channels, mien_error *err)
{
  if (check_out_layout (dec, dec->width, pitch, out_channels, err) != MIEN_OK)
    return MIEN_ERR_INVALID;
  size_t out_pitch = pitch / sizeof (float);
  mien_level_size low = dec->sizes[dec->n_sizes - 1];
  if (dec->n_residuals == 0)
    return compose_level (dec, 0, dec->refined_dev, low.width, 0, out_dev,
                          out_pitch, out_channels, 1.0f, err);
  const float *coarse = dec->refined_dev;
  int coarse_w = low.width;
  for (int k = dec->n_residuals - 1; k >= 0; k--)
    {
      level *lv = &dec->levels[k];
      float *dst = k > 0 ? lv->scratch : out_dev;
      size_t dst_pitch = k > 0 ? (size_t)lv->w * dec->channels : out_pitch;
      int dst_c = k > 0 ? dec->channels : out_channels;
      mien_status s = compose_level (dec, k, coarse, coarse_w, 1, dst,
                                     dst_pitch, dst_c, 1.0f, err);
      if (s != MIEN_OK)
        return s;
      coarse = dst;
      coarse_w = lv->w;
    }
  return MIEN_OK;
}

extern "C" mien_status
mien_cuda_reswarp_warp_level_device (mien_cuda_decomposition *dec, int k,
                                     float *out_dev, size_t pitch,
                                     int out_channels, mien_error *err)
{
  if (k < 0 || k >= dec->n_residuals)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "CUDA ResWarp: no residual level %d (%d levels)", k,
                           dec->n_residuals);
  if (check_out_layout (dec, dec->levels[k].w, pitch, out_channels, err)
      != MIEN_OK)
    return MIEN_ERR_INVALID;
  return compose_level (dec, k, nullptr, 0, 1, out_dev,
                        pitch / sizeof (float), out_channels, 0.0f, err);
}

extern "C" mien_status
mien_cuda_decomposition_synchronize (mien_cuda_decomposition *dec,
                                     mien_error *err)
{
  MIEN_CUDA_TRY (cudaStreamSynchronize (dec->stream), "ResWarp");
  return MIEN_OK;
}

extern "C" mien_status
mien_cuda_reswarp (mien_cuda_decomposition *dec, const mien_image *refined,
                   const mien_image *field, mien_image *out, mien_error *err)
{
  if (out->width != dec->width || out->height != dec->height
      || out->channels != dec->channels)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "the output is %d×%d×%d; expected %d×%d×%d",
                           out->width, out->height, out->channels, dec->width,
                           dec->height, dec->channels);
  mien_status s = mien_cuda_reswarp_set_inputs (dec, refined, field, err);
  if (s != MIEN_OK)
    return s;
  size_t bytes = mien_image_n_floats (out) * sizeof (float);
  if (dec->out_dev == nullptr)
    {
      s = dev_alloc (dec, (void **)&dec->out_dev, bytes, "the frame", err);
      if (s != MIEN_OK)
        return s;
    }
  s = mien_cuda_reswarp_device (dec, dec->out_dev,
                                (size_t)dec->width * dec->channels
                                    * sizeof (float),
                                dec->channels, err);
  if (s != MIEN_OK)
    return s;
  MIEN_CUDA_TRY (cudaMemcpyAsync (out->data, dec->out_dev, bytes,
                                  cudaMemcpyDeviceToHost, dec->stream),
                 "downloading the frame");
  return mien_cuda_decomposition_synchronize (dec, err);
}
