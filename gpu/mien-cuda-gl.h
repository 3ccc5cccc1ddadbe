/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CUDA–GL interop: ResWarp's per-frame output written straight into GL
 * textures, with no round trip through host memory.
 *
 * Textures are registered once (cudaGraphicsGLRegisterImage) and written on
 * every mien_cuda_gl_update (map, write, unmap). Each must be a
 * GL_TEXTURE_2D with internal format GL_RGBA32F (CUDA cannot register
 * 3-channel formats) and the size of what it receives:
 *
 *   level k   warp(R_k, F_k), the warped residual of level k (RGB, A = 0)
 *   frame     O^h, the composed frame (RGB, A = 1)
 *
 * How the preview (app/mien-preview.c) would use it: at photo load, create
 * one RGBA32F texture per residual level (sizes from
 * mien_cuda_decomposition_get_residual_size) and register them; on every
 * frame, with the GtkGLArea's context current, call mien_cuda_gl_update,
 * then compose in the shader: O = O^r; for k = n−1 … 0:
 * O = up(O) + level_k, one render-to-texture pass per level (vanilla: one
 * pass). The up-sampling must be done with texelFetch and explicit weights
 * at half-pixel centres (the engine's `up`); GL_LINEAR's 8-bit filter
 * weights on most hardware would blur the residuals' sub-pixel detail.
 * A preview that only needs the finished frame registers one texture as
 * the frame instead and draws it.
 *
 * The GL context that owns the textures must be current on the calling
 * thread for register, update and free. */
#pragma once

#include "mien-cuda-reswarp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mien_cuda_gl mien_cuda_gl;

/* dec must outlive the object. */
mien_cuda_gl *mien_cuda_gl_new (mien_cuda_decomposition *dec, mien_error *err);
/* Unregisters every texture (the textures themselves stay). */
void mien_cuda_gl_free (mien_cuda_gl *gl);

/* k in [0, n_residuals): the texture receives warp(R_k, F_k). */
mien_status mien_cuda_gl_register_level (mien_cuda_gl *gl, int k,
                                         unsigned int texture,
                                         mien_error *err);
/* The texture receives the composed frame O^h. */
mien_status mien_cuda_gl_register_frame (mien_cuda_gl *gl,
                                         unsigned int texture,
                                         mien_error *err);

/* One frame: uploads O^r and F, writes every registered texture, and
 * returns when the writes are done (GL may sample them next). */
mien_status mien_cuda_gl_update (mien_cuda_gl *gl, const mien_image *refined,
                                 const mien_image *field, mien_error *err);

#ifdef __cplusplus
}
#endif
