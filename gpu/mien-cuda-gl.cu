/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <GL/gl.h>
#include <cuda_gl_interop.h>
#include <stdlib.h>

#include "mien-cuda-gl.h"
#include "mien-cuda-private.h"

#define MAX_TARGETS (MIEN_PYRAMID_MAX_LEVELS + 1)

namespace {

struct target {
  int level; /* -1: the frame */
  int w, h;
  cudaGraphicsResource_t resource;
  float *staging; /* RGBA rows, w * 16 bytes each */
};

} // namespace

struct mien_cuda_gl {
  mien_cuda_decomposition *dec;
  int n_targets;
  target targets[MAX_TARGETS];
};

extern "C" mien_cuda_gl *
mien_cuda_gl_new (mien_cuda_decomposition *dec, mien_error *err)
{
  mien_cuda_gl *gl = (mien_cuda_gl *)calloc (1, sizeof *gl);
  if (gl == nullptr)
    mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  else
    gl->dec = dec;
  return gl;
}

extern "C" void
mien_cuda_gl_free (mien_cuda_gl *gl)
{
  if (gl == nullptr)
    return;
  cudaStreamSynchronize ((cudaStream_t)mien_cuda_decomposition_get_stream (gl->dec));
  for (int i = 0; i < gl->n_targets; i++)
    {
      cudaGraphicsUnregisterResource (gl->targets[i].resource);
      cudaFree (gl->targets[i].staging);
    }
  (void)cudaGetLastError ();
  free (gl);
}

static mien_status
register_target (mien_cuda_gl *gl, int level, int w, int h,
                 unsigned int texture, mien_error *err)
{
  if (gl->n_targets == MAX_TARGETS)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "CUDA–GL: more than %d textures", MAX_TARGETS);
  target t = { level, w, h, nullptr, nullptr };
  MIEN_CUDA_TRY (cudaGraphicsGLRegisterImage (&t.resource, texture,
                                              GL_TEXTURE_2D,
                                              cudaGraphicsRegisterFlagsWriteDiscard),
                 "registering a GL texture");
  cudaError_t e = cudaMalloc (&t.staging, (size_t)w * h * 4 * sizeof (float));
  if (e != cudaSuccess)
    {
      cudaGraphicsUnregisterResource (t.resource);
      return mien_cuda_fail (err, e, "a texture's staging buffer");
    }
  gl->targets[gl->n_targets++] = t;
  return MIEN_OK;
}

extern "C" mien_status
mien_cuda_gl_register_level (mien_cuda_gl *gl, int k, unsigned int texture,
                             mien_error *err)
{
  int w, h;
  mien_cuda_decomposition_get_residual_size (gl->dec, k, &w, &h);
  if (w == 0)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "CUDA–GL: no residual level %d", k);
  return register_target (gl, k, w, h, texture, err);
}

extern "C" mien_status
mien_cuda_gl_register_frame (mien_cuda_gl *gl, unsigned int texture,
                             mien_error *err)
{
  return register_target (gl, -1, mien_cuda_decomposition_get_width (gl->dec),
                          mien_cuda_decomposition_get_height (gl->dec),
                          texture, err);
}

/* The mapped array must be a w × h RGBA float texture. */
static mien_status
check_array (cudaArray_t array, const target *t, mien_error *err)
{
  cudaChannelFormatDesc desc;
  cudaExtent extent;
  unsigned int flags;
  MIEN_CUDA_TRY (cudaArrayGetInfo (&desc, &extent, &flags, array),
                 "reading a texture's format");
  if (desc.f != cudaChannelFormatKindFloat || desc.x != 32 || desc.y != 32
      || desc.z != 32 || desc.w != 32 || (int)extent.width != t->w
      || (int)extent.height != t->h)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "CUDA–GL: texture for %s is %zu×%zu; expected "
                           "%d×%d GL_RGBA32F",
                           t->level < 0 ? "the frame" : "a residual level",
                           extent.width, extent.height, t->w, t->h);
  return MIEN_OK;
}

static mien_status
write_target (mien_cuda_gl *gl, const target *t, cudaStream_t stream,
              mien_error *err)
{
  cudaArray_t array;
  MIEN_CUDA_TRY (cudaGraphicsSubResourceGetMappedArray (&array, t->resource,
                                                        0, 0),
                 "reading a mapped texture");
  mien_status s = check_array (array, t, err);
  if (s != MIEN_OK)
    return s;
  size_t pitch = (size_t)t->w * 4 * sizeof (float);
  s = t->level < 0
          ? mien_cuda_reswarp_device (gl->dec, t->staging, pitch, 4, err)
          : mien_cuda_reswarp_warp_level_device (gl->dec, t->level,
                                                 t->staging, pitch, 4, err);
  if (s != MIEN_OK)
    return s;
  MIEN_CUDA_TRY (cudaMemcpy2DToArrayAsync (array, 0, 0, t->staging, pitch,
                                           pitch, t->h,
                                           cudaMemcpyDeviceToDevice, stream),
                 "writing a texture");
  return MIEN_OK;
}

extern "C" mien_status
mien_cuda_gl_update (mien_cuda_gl *gl, const mien_image *refined,
                     const mien_image *field, mien_error *err)
{
  mien_status s = mien_cuda_reswarp_set_inputs (gl->dec, refined, field, err);
  if (s != MIEN_OK || gl->n_targets == 0)
    return s;
  cudaStream_t stream
      = (cudaStream_t)mien_cuda_decomposition_get_stream (gl->dec);
  cudaGraphicsResource_t resources[MAX_TARGETS];
  for (int i = 0; i < gl->n_targets; i++)
    resources[i] = gl->targets[i].resource;
  MIEN_CUDA_TRY (cudaGraphicsMapResources (gl->n_targets, resources, stream),
                 "mapping the GL textures");
  for (int i = 0; i < gl->n_targets && s == MIEN_OK; i++)
    s = write_target (gl, &gl->targets[i], stream, err);
  /* Unmap even after a failure, so GL gets its textures back. */
  cudaError_t e = cudaGraphicsUnmapResources (gl->n_targets, resources,
                                              stream);
  if (s != MIEN_OK)
    return s;
  MIEN_CUDA_TRY (e, "unmapping the GL textures");
  MIEN_CUDA_TRY (cudaStreamSynchronize (stream), "writing the GL textures");
  return MIEN_OK;
}
