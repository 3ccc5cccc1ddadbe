/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The warp primitive, below both the generators (O^w = warp(I, F)) and
 * ResWarp (which warps the residuals): one fused kernel that computes
 *
 *   out = up(coarse) + up(gain) · warp(residual, up(field) · (out size / field size))
 *
 * with up() bilinear (mien-resample.h) and warp() a backward bilinear warp,
 * out(x) = in(x + F(x)), positions clamped to the image (border replicate).
 * Sample positions are split into integer and fraction from the
 * displacement alone (not from x + dx), which keeps sub-pixel precision at
 * 4K sides. See docs/ARCHITECTURE.md, "Conventions". */
#pragma once

#include "mien-image.h"
#include "mien-pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The generator's working size (ATW: 128×128). */
#define MIEN_LOW_RES 128

/* The fused kernel. residual may be NULL (out = up(coarse)); field may be
 * NULL (zero); gain (1 channel at the field's size, needs a field) may be
 * NULL (1). coarse and out have the same channels; residual has out's shape;
 * field has 2 channels. */
mien_status mien_warp_compose (const mien_image *coarse,
                               const mien_image *residual,
                               const mien_image *field, const mien_image *gain,
                               mien_image *out, mien_pool *pool,
                               mien_error *err);

/* The residual resampler. Bilinear is DESIGN.md's (and the paper's);
 * cubic is Keys' cubic convolution with a = MIEN_WARP_CUBIC_A, 4×4 taps,
 * chosen by measurement (docs/QUALITY.md, "Residual resampler"): it keeps
 * 0.08–0.12 more of the finest band than bilinear, as much as Lanczos-3 with
 * 16 taps instead of 36, and invents none. */
typedef enum mien_warp_resampler {
  MIEN_WARP_BILINEAR = 0,
  MIEN_WARP_CUBIC = 1,
} mien_warp_resampler;

#define MIEN_WARP_CUBIC_A (-0.75f)

/* A residual stored in 16 bits (issue #22): value = q · MIEN_RESIDUAL16_STEP,
 * q a signed 16-bit integer, channels interleaved, rows tight, as
 * mien_image. The step, 2^-14, is exact in float, so a dequantized value is
 * exactly q / 16384: the vector rows read these taps and compute bit for bit
 * what the general rows compute on the dequantized float image. It covers
 * [−2, 2) in steps of 1/64 of an 8-bit level; a photo in [0, 1] has
 * residuals in [−1, 1]. Half the bytes of float32 for every frame to read. */
typedef struct mien_residual16 {
  int width;
  int height;
  int channels;
  int16_t *data; /* width * height * channels, + 8 spare for the loads */
} mien_residual16;

#define MIEN_RESIDUAL16_STEP (1.0f / 16384.0f)

typedef struct mien_warp_options {
  /* 1 channel at the field's size (needs a field); NULL: 1. */
  const mien_image *gain;
  mien_warp_resampler resampler;
  /* Texture transport (needs gain): where up(gain) g < 1 the residual
   * term becomes g · warp(residual) + up(s) · T. The share s is, per
   * field node, the part of the fade that the squeeze causes, 1 − (the
   * gain's squeeze ramp), where the node is not stretched (the gain's
   * stretch ramp multiplies it), fading to 0 between σ1 =
   * MIEN_TRANSPORT_SQUEEZE_FULL and _ZERO: so g + s = 1 for a moderate
   * squeeze (wrinkled forehead skin keeps its pores), while an opened
   * mouth (a stretch: the residual there belongs to the lips and teeth
   * that moved away, and carried it drew teeth streaks across the
   * opening) and a closed eye (the whole eye squeezed into the lid) still
   * fade to the generator's own picture. T carries the
   * residual with each of the four surrounding field nodes' locally rigid
   * motion x → x + F(p_n) + (R_n − 1)(x − p_n) (R_n the rotation closest to
   * the field's Jacobian at node p_n), blends the four copies with the
   * field's bilinear weights w_n, and divides by
   * sqrt(Σ_nm w_n w_m ρ(|d_n − d_m|)) (d the copies' displacements,
   * ρ(δ) = max(0, 1 − δ²/4)², their correlation, 0 beyond 2 pixels)
   * so that uncorrelated copies keep the residual's energy. Pores keep
   * their size where the field stretches or squeezes them; the low
   * frequencies still follow the field through up(coarse). For a rigid field
   * all copies coincide and T = warp(residual). */
  int transport;
  /* Only these output pixels are written (the rest of out is left as it
   * is); a width or height of 0: all of them. It must lie inside out. The
   * pixels written are the same as a whole-image compose gives there, bit
   * for bit. For the preview (issue #22): the part of a pyramid level the
   * screen shows. */
  mien_rect region;
  /* The residual stored in 16 bits, used when the residual argument is
   * NULL (then it must have out's shape). The vector rows read it directly,
   * with either resampler and the transport; other cases (1 or 2 channels,
   * MIEN_WARP_SCALAR) get a float copy for the call
   * (mien_warp_reads_residual16 says which). */
  const mien_residual16 *residual16;
} mien_warp_options;

#define MIEN_TRANSPORT_SQUEEZE_FULL 3.0f
#define MIEN_TRANSPORT_SQUEEZE_ZERO 4.0f

mien_status mien_warp_compose_ex (const mien_image *coarse,
                                  const mien_image *residual,
                                  const mien_image *field,
                                  const mien_warp_options *options,
                                  mien_image *out, mien_pool *pool,
                                  mien_error *err);

/* Whether mien_warp_compose_ex reads a 16-bit residual in place for an
 * output of `channels` with these options (resampler, transport), rather
 * than through a float copy made for the call. */
int mien_warp_reads_residual16 (int channels,
                                const mien_warp_options *options);

/* mien_residual16 of a float image: q = round(value / step), clamped to
 * the 16-bit range. Returns NULL (MIEN_ERR_NOMEM) when out of memory. */
mien_residual16 *mien_residual16_from_image (const mien_image *image,
                                             mien_pool *pool,
                                             mien_error *err);
/* The float image the 16-bit residual stands for (exactly q · step). */
mien_image *mien_residual16_to_image (const mien_residual16 *residual,
                                      mien_pool *pool, mien_error *err);
void mien_residual16_free (mien_residual16 *residual);

/* The instruction set the kernel's vector rows run with on this machine
 * (chosen when the program loads), for benchmarks and logs: "x86-64-v4"
 * (AVX-512), "x86-64-v3" (AVX2), "x86-64-v2" (SSE4.2) or "baseline". */
const char *mien_warp_vector_isa (void);

/* Backward warp: out(x, y) = src(x + dx, y + dy), bilinear, positions
 * clamped to the image. field has src's size (this is O^w = warp(I, F)). */
mien_status mien_warp_bilinear (const mien_image *src, const mien_image *field,
                                mien_image *out, mien_pool *pool,
                                mien_error *err);

#ifdef __cplusplus
}
#endif
