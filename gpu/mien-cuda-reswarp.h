/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ResWarp on a CUDA device: the same decomposition and per-frame kernel as
 * engine/mien-reswarp.h, kept resident on the device across frames.
 *
 * The kernels mirror the CPU code operation by operation (same tap tables,
 * built on the host by the CPU's own functions; same order of the vertical
 * and horizontal halves of each bilinear; positions split into integer and
 * fraction from the displacement alone; the exact read where the
 * displacement is zero), compiled without FMA contraction, so with float
 * residuals the result is the CPU's to float rounding (the tests hold it to
 * 1e-5). With MIEN_CUDA_STORAGE_HALF the residuals are stored as IEEE half
 * (10-bit mantissa): half the memory traffic per frame, at an error the
 * test measures and bounds.
 *
 * All calls on one decomposition run on its own CUDA stream; one frame at a
 * time per decomposition. Errors are values: out of device memory gives
 * MIEN_ERR_NOMEM, any other CUDA failure MIEN_ERR_UNSUPPORTED; callers fall
 * back to the CPU (engine/mien-device.h does). */
#pragma once

#include <stddef.h>

#include "mien-image.h"
#include "mien-reswarp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mien_cuda_storage {
  MIEN_CUDA_STORAGE_FLOAT = 0,
  MIEN_CUDA_STORAGE_HALF = 1,
} mien_cuda_storage;

typedef struct mien_cuda_decomposition mien_cuda_decomposition;

/* Uploads hd, decomposes it on the device (the photo itself is not kept)
 * and downloads I. Needs a device (mien_cuda_probe). */
mien_cuda_decomposition *mien_cuda_decomposition_new (
    const mien_image *hd, int low_w, int low_h, mien_reswarp_mode mode,
    mien_cuda_storage storage, mien_error *err);
void mien_cuda_decomposition_free (mien_cuda_decomposition *dec);

mien_reswarp_mode mien_cuda_decomposition_get_mode (
    const mien_cuda_decomposition *dec);
/* I = down(I^h), on the host. */
const mien_image *mien_cuda_decomposition_get_low (
    const mien_cuda_decomposition *dec);
int mien_cuda_decomposition_get_width (const mien_cuda_decomposition *dec);
int mien_cuda_decomposition_get_height (const mien_cuda_decomposition *dec);
int mien_cuda_decomposition_get_channels (const mien_cuda_decomposition *dec);
/* As mien_decomposition_get_n_residuals. */
int mien_cuda_decomposition_get_n_residuals (
    const mien_cuda_decomposition *dec);
/* Size of residual k (k = 0 full size). */
void mien_cuda_decomposition_get_residual_size (
    const mien_cuda_decomposition *dec, int k, int *width, int *height);
/* Device memory held (residuals, scratch, tables), in bytes. */
size_t mien_cuda_decomposition_get_device_bytes (
    const mien_cuda_decomposition *dec);
/* Bytes a frame must read and write at least: every residual level once
 * plus the output once (what the bandwidth-bound target is measured on). */
size_t mien_cuda_decomposition_get_frame_bytes (
    const mien_cuda_decomposition *dec);
/* Copies residual k to the host (as float), for tests. */
mien_status mien_cuda_decomposition_download_residual (
    mien_cuda_decomposition *dec, int k, mien_image *out, mien_error *err);
/* The cudaStream_t the decomposition queues its work on. */
void *mien_cuda_decomposition_get_stream (mien_cuda_decomposition *dec);

/* The residual gain, as mien_decomposition_set_residual_fade: on for a new
 * decomposition. Takes effect at the next frame (set_inputs always uploads
 * the gain). */
void mien_cuda_decomposition_set_residual_fade (mien_cuda_decomposition *dec,
                                                int on);
int mien_cuda_decomposition_get_residual_fade (
    const mien_cuda_decomposition *dec);
/* As mien_decomposition_set_texture_transport / _set_resampler (the fade
 * sets both; these set them apart, after it). */
void mien_cuda_decomposition_set_texture_transport (
    mien_cuda_decomposition *dec, int on);
void mien_cuda_decomposition_set_resampler (mien_cuda_decomposition *dec,
                                            mien_warp_resampler resampler);

/* One frame, host in and host out: the same contract as mien_reswarp
 * (refined and field at the low size; out full size; a field with NaN or
 * infinite values is refused). Returns when out is written. */
mien_status mien_cuda_reswarp (mien_cuda_decomposition *dec,
                               const mien_image *refined,
                               const mien_image *field, mien_image *out,
                               mien_error *err);

/* Uploads O^r and F into the decomposition's device buffers (and checks
 * them as mien_cuda_reswarp does); the device variants below read them. */
mien_status mien_cuda_reswarp_set_inputs (mien_cuda_decomposition *dec,
                                          const mien_image *refined,
                                          const mien_image *field,
                                          mien_error *err);

/* One frame into device memory: out_dev holds height rows of pitch bytes,
 * out_channels floats per pixel (the photo's channels, or 4 for an RGBA
 * texture: missing channels are written as 1). Queued on the stream; does
 * not wait. */
mien_status mien_cuda_reswarp_device (mien_cuda_decomposition *dec,
                                      float *out_dev, size_t pitch,
                                      int out_channels, mien_error *err);

/* warp(R_k, F_k) alone (no up-sampled coarse image added), into device
 * memory as above at residual k's size; missing channels are written as 0.
 * This is what the preview's shader composes (gpu/mien-cuda-gl.h). */
mien_status mien_cuda_reswarp_warp_level_device (mien_cuda_decomposition *dec,
                                                 int k, float *out_dev,
                                                 size_t pitch,
                                                 int out_channels,
                                                 mien_error *err);

/* Waits for the stream; reports an error a kernel met. */
mien_status mien_cuda_decomposition_synchronize (mien_cuda_decomposition *dec,
                                                 mien_error *err);

#ifdef __cplusplus
}
#endif
