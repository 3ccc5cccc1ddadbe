/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-reswarp.h"

#include "mien-field.h"
#include "mien-memory.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "mien-resample.h"

struct mien_decomposition {
  mien_reswarp_mode mode;
  int width, height, channels;
  int n_sizes; /* pyramid sizes, full to low */
  mien_level_size sizes[MIEN_PYRAMID_MAX_LEVELS + 1];
  mien_image *low;
  int n_residuals;
  /* Each residual is held in one storage: float (residuals[k]) or 16 bits
   * (residuals16[k]); the other pointer is NULL. */
  mien_image *residuals[MIEN_PYRAMID_MAX_LEVELS];
  mien_residual16 *residuals16[MIEN_PYRAMID_MAX_LEVELS];
  int fixed16; /* the residuals are (to be) stored in 16 bits */
  /* Multiscale intermediate results per level, kept across frames so that the
   * hot path does not fault in fresh pages for every frame. */
  mien_image *scratch[MIEN_PYRAMID_MAX_LEVELS];
  /* The residual gain (mien_field_residual_gain), on unless turned off. */
  int residual_fade;
  int transport;                  /* texture transport where the gain fades */
  mien_warp_resampler resampler;  /* of the residual warp */
  mien_image *gain; /* low size, 1 channel; rebuilt every frame */
  /* Vanilla previews: the residual of the photo at one coarser level
   * (mien_decomposition_set_level_photo), or NULL. */
  mien_image *level_residual;
  int level_residual_k;
};

const char *
mien_reswarp_mode_to_string (mien_reswarp_mode mode)
{
  return mode == MIEN_RESWARP_MULTISCALE ? "multiscale" : "vanilla";
}

int
mien_reswarp_mode_from_string (const char *name)
{
  if (name == NULL)
    return -1;
  if (strcmp (name, "vanilla") == 0)
    return MIEN_RESWARP_VANILLA;
  if (strcmp (name, "multiscale") == 0)
    return MIEN_RESWARP_MULTISCALE;
  return -1;
}

static int
halve_side (int side, int low)
{
  int half = (side + 1) / 2;
  return half < low ? low : half;
}

int
mien_pyramid_level_sizes (int width, int height, int low_w, int low_h,
                          mien_level_size *sizes, int max_sizes)
{
  int n = 0;
  int w = width, h = height;
  sizes[n++] = (mien_level_size){ w, h };
  while ((w >= 2 * low_w || h >= 2 * low_h) && n < max_sizes - 1)
    {
      w = halve_side (w, low_w);
      h = halve_side (h, low_h);
      sizes[n++] = (mien_level_size){ w, h };
    }
  if ((w != low_w || h != low_h) && n < max_sizes)
    sizes[n++] = (mien_level_size){ low_w, low_h };
  return n;
}

/* ---- one level: the fused kernel of mien-warp ----------------------------- */

mien_status
mien_reswarp_compose_level (const mien_image *coarse,
                            const mien_image *residual,
                            const mien_image *field, mien_image *out,
                            mien_pool *pool, mien_error *err)
{
  return mien_warp_compose (coarse, residual, field, NULL, out, pool, err);
}

mien_status
mien_reswarp_compose_level_gain (const mien_image *coarse,
                                 const mien_image *residual,
                                 const mien_image *field,
                                 const mien_image *gain, mien_image *out,
                                 mien_pool *pool, mien_error *err)
{
  return mien_warp_compose (coarse, residual, field, gain, out, pool, err);
}

/* ---- decomposition ------------------------------------------------------- */

typedef struct subtract_job {
  const mien_image *a;
  mien_image *b; /* b = a − b */
} subtract_job;

static void
subtract_rows (void *data, int begin, int end)
{
  subtract_job *job = data;
  size_t row = (size_t)job->a->width * job->a->channels;
  for (int y = begin; y < end; y++)
    {
      const float *a = mien_image_row (job->a, y);
      float *b = mien_image_row (job->b, y);
      for (size_t i = 0; i < row; i++)
        b[i] = a[i] - b[i];
    }
}

/* residual = fine − up(coarse), computed by the same kernel as the frame. */
static mien_image *
make_residual (const mien_image *fine, const mien_image *coarse,
               mien_pool *pool, mien_error *err)
{
  mien_image *res = mien_image_new (fine->width, fine->height, fine->channels,
                                    err);
  if (res == NULL)
    return NULL;
  if (mien_reswarp_compose_level (coarse, NULL, NULL, res, pool, err) != MIEN_OK)
    {
      mien_image_free (res);
      return NULL;
    }
  subtract_job job = { fine, res };
  mien_pool_parallel_for (pool, fine->height, 16, subtract_rows, &job);
  return res;
}

/* Takes level k's float residual: kept as it is, or (16-bit storage)
 * quantized and freed at once, so that at most one level is ever held in
 * float. Returns 0 on failure (res is freed either way). */
static int
keep_residual (mien_decomposition *dec, int k, mien_image *res,
               mien_pool *pool, mien_error *err)
{
  if (res == NULL)
    return 0;
  if (!dec->fixed16)
    {
      dec->residuals[k] = res;
      return 1;
    }
  dec->residuals16[k] = mien_residual16_from_image (res, pool, err);
  mien_image_free (res);
  return dec->residuals16[k] != NULL;
}

static mien_image *
downsample_to (const mien_image *src, int w, int h, mien_pool *pool,
               mien_error *err)
{
  mien_image *dst = mien_image_new (w, h, src->channels, err);
  if (dst != NULL && mien_downsample_area (src, dst, pool, err) != MIEN_OK)
    {
      mien_image_free (dst);
      dst = NULL;
    }
  return dst;
}

static int
decompose_vanilla (mien_decomposition *dec, const mien_image *hd,
                   mien_pool *pool, mien_error *err)
{
  mien_level_size low = dec->sizes[dec->n_sizes - 1];
  dec->low = downsample_to (hd, low.width, low.height, pool, err);
  if (dec->low == NULL)
    return 0;
  dec->n_residuals = keep_residual (dec, 0, make_residual (hd, dec->low,
                                                          pool, err),
                                    pool, err);
  return dec->n_residuals == 1;
}

static int
decompose_multiscale (mien_decomposition *dec, const mien_image *hd,
                      mien_pool *pool, mien_error *err)
{
  const mien_image *fine = hd;
  mien_image *owned_fine = NULL;
  for (int k = 0; k + 1 < dec->n_sizes; k++)
    {
      mien_level_size next = dec->sizes[k + 1];
      /* Intermediate levels cascade (cheap), but the top is averaged straight
       * from I^h: I = down(I^h) must not depend on the mode, and at sizes that
       * are not 128·2^k a cascade of area averages differs from one. The
       * pyramid telescopes whatever the levels are, so this stays exact. */
      const mien_image *source = k + 2 == dec->n_sizes ? hd : fine;
      mien_image *coarse = downsample_to (source, next.width, next.height,
                                          pool, err);
      if (coarse == NULL)
        {
          mien_image_free (owned_fine);
          return 0;
        }
      int kept = keep_residual (dec, k, make_residual (fine, coarse, pool,
                                                       err),
                                pool, err);
      mien_image_free (owned_fine);
      if (!kept)
        {
          mien_image_free (coarse);
          return 0;
        }
      dec->n_residuals = k + 1;
      fine = owned_fine = coarse;
    }
  /* The last level is I itself; with a single size the photo is I. */
  dec->low = owned_fine != NULL ? owned_fine : mien_image_copy (hd, err);
  return dec->low != NULL;
}

typedef struct grid_job {
  const mien_image *image;
  int off; /* set by any row with a sample off the grid */
} grid_job;

static void
grid_rows (void *data, int begin, int end)
{
  grid_job *job = data;
  const size_t row = (size_t)job->image->width * job->image->channels;
  for (int y = begin; y < end && !job->off; y++)
    {
      const float *p = mien_image_row (job->image, y);
      for (size_t i = 0; i < row; i++)
        {
          float v = p[i] * 255.0f;
          float d = v - floorf (v + 0.5f);
          if (!(d < 1e-3f && d > -1e-3f) || p[i] < 0.0f || p[i] > 1.0f)
            {
              job->off = 1; /* a benign race: every writer writes 1 */
              break;
            }
        }
    }
}

/* Whether every sample is k/255 in [0, 1]: a photo with 8 bits per sample
 * (not resampled), which 16-bit residuals carry to within 1/64 of a level. */
static int
on_8bit_grid (const mien_image *image, mien_pool *pool)
{
  grid_job job = { image, 0 };
  mien_pool_parallel_for (pool, image->height, 64, grid_rows, &job);
  return !job.off;
}

static int
choose_fixed16 (const mien_image *hd, mien_residual_storage storage,
                mien_pool *pool)
{
  const char *forced = getenv ("MIEN_RESIDUAL_STORAGE");
  if (storage == MIEN_RESIDUAL_AUTO && forced != NULL)
    {
      if (strcmp (forced, "float") == 0)
        storage = MIEN_RESIDUAL_FLOAT32;
      else if (strcmp (forced, "16") == 0)
        storage = MIEN_RESIDUAL_FIXED16;
    }
  if (storage != MIEN_RESIDUAL_AUTO)
    return storage == MIEN_RESIDUAL_FIXED16;
  return (hd->channels == 3 || hd->channels == 4) && on_8bit_grid (hd, pool);
}

mien_decomposition *
mien_decomposition_new (const mien_image *hd, int low_w, int low_h,
                        mien_reswarp_mode mode, mien_pool *pool,
                        mien_error *err)
{
  return mien_decomposition_new_ex (hd, low_w, low_h, mode,
                                    MIEN_RESIDUAL_FLOAT32, pool, err);
}

mien_decomposition *
mien_decomposition_new_ex (const mien_image *hd, int low_w, int low_h,
                           mien_reswarp_mode mode,
                           mien_residual_storage storage, mien_pool *pool,
                           mien_error *err)
{
  if (low_w <= 0 || low_h <= 0)
    {
      mien_error_set (err, MIEN_ERR_INVALID, "invalid low-resolution size %d×%d",
                      low_w, low_h);
      return NULL;
    }
  if (mien_image_check_size (hd->width, hd->height, hd->channels, err)
      != MIEN_OK)
    return NULL;
  mien_decomposition *dec = calloc (1, sizeof *dec);
  if (dec == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  dec->mode = mode;
  dec->fixed16 = choose_fixed16 (hd, storage, pool);
  mien_decomposition_set_residual_fade (dec, 1);
  dec->width = hd->width;
  dec->height = hd->height;
  dec->channels = hd->channels;
  dec->n_sizes = mien_pyramid_level_sizes (hd->width, hd->height, low_w, low_h,
                                           dec->sizes,
                                           MIEN_PYRAMID_MAX_LEVELS + 1);
  if (dec->sizes[dec->n_sizes - 1].width != low_w
      || dec->sizes[dec->n_sizes - 1].height != low_h)
    {
      /* Cannot happen within the image size limits; refuse rather than
       * produce a pyramid that ends at the wrong size. */
      mien_error_set (err, MIEN_ERR_INVALID, "pyramid too deep for %d×%d",
                      hd->width, hd->height);
      free (dec);
      return NULL;
    }
  int ok = mode == MIEN_RESWARP_MULTISCALE
               ? decompose_multiscale (dec, hd, pool, err)
               : decompose_vanilla (dec, hd, pool, err);
  if (!ok)
    {
      mien_decomposition_free (dec);
      return NULL;
    }
  return dec;
}

static uint64_t
image_bytes (int width, int height, int channels)
{
  return (uint64_t)width * (uint64_t)height * (uint64_t)channels
         * sizeof (float);
}

/* Follows the allocations of decompose_vanilla / decompose_multiscale and of
 * the first mien_reswarp step by step; the peak is the largest sum of what
 * is alive at once. */
uint64_t
mien_decomposition_estimate_bytes (int width, int height, int channels,
                                   int low_w, int low_h,
                                   mien_reswarp_mode mode)
{
  mien_level_size s[MIEN_PYRAMID_MAX_LEVELS + 1];
  int n = mien_pyramid_level_sizes (width, height, low_w, low_h, s,
                                    MIEN_PYRAMID_MAX_LEVELS + 1);
  int c = channels;
  uint64_t low = image_bytes (low_w, low_h, c);
  uint64_t gain = image_bytes (low_w, low_h, 1);
  uint64_t full = image_bytes (width, height, c);
  if (n <= 1)
    return full + gain; /* I is a copy of the photo */
  if (mode == MIEN_RESWARP_VANILLA)
    {
      /* I, with the down-sampler's column-reduced temporary; then R. */
      uint64_t tmp = image_bytes (low_w, height, c);
      uint64_t construct = low + (tmp > full ? tmp : full);
      return construct + gain;
    }
  uint64_t residuals = 0, peak = 0;
  for (int k = 0; k + 1 < n; k++)
    {
      int source_h = k + 2 == n ? height : s[k].height;
      uint64_t fine = k >= 1 ? image_bytes (s[k].width, s[k].height, c) : 0;
      uint64_t coarse = image_bytes (s[k + 1].width, s[k + 1].height, c);
      uint64_t tmp = image_bytes (s[k + 1].width, source_h, c);
      uint64_t residual = image_bytes (s[k].width, s[k].height, c);
      uint64_t step = residuals + fine + coarse
                      + (tmp > residual ? tmp : residual);
      if (step > peak)
        peak = step;
      residuals += residual;
    }
  /* After the first frame: every residual, I, the gain, and one frame per
   * level between the top and the output. */
  uint64_t steady = residuals + low + gain + (residuals - full);
  return steady > peak ? steady : peak;
}

mien_status
mien_decomposition_check_memory (int width, int height, int channels,
                                 int low_w, int low_h, mien_reswarp_mode mode,
                                 uint64_t held_bytes, mien_error *err)
{
  uint64_t need = mien_decomposition_estimate_bytes (width, height, channels,
                                                     low_w, low_h, mode);
  uint64_t cap = mien_memory_get_cap ();
  if (held_bytes + need <= cap)
    return MIEN_OK;
  char a[32], b[32], c[32];
  return mien_error_set (
      err, MIEN_ERR_NOMEM,
      "the %s ResWarp pyramid of a %d×%d face needs about %s (%s with the "
      "photo and its frames), over the memory limit of %s ("
      MIEN_MEMORY_CAP_HINT ")",
      mien_reswarp_mode_to_string (mode), width, height,
      mien_format_bytes (need, a),
      mien_format_bytes (held_bytes + need, b), mien_format_bytes (cap, c));
}

void
mien_decomposition_free (mien_decomposition *dec)
{
  if (dec == NULL)
    return;
  mien_image_free (dec->low);
  mien_image_free (dec->gain);
  mien_image_free (dec->level_residual);
  for (int k = 0; k < MIEN_PYRAMID_MAX_LEVELS; k++)
    {
      mien_image_free (dec->residuals[k]);
      mien_residual16_free (dec->residuals16[k]);
      mien_image_free (dec->scratch[k]);
    }
  free (dec);
}

void
mien_decomposition_set_residual_fade (mien_decomposition *dec, int on)
{
  dec->residual_fade = on != 0;
  dec->transport = on && mien_reswarp_transport_by_default ();
  dec->resampler = on && mien_reswarp_cubic_by_default ()
                      ? MIEN_WARP_CUBIC
                      : MIEN_WARP_BILINEAR;
}

/* The process's choice (the app's "Sharper skin detail" preference,
 * mien-render --sharp); read whenever a decomposition is made or its fade
 * is set. */
static atomic_int sharp_detail = 0;

void
mien_reswarp_set_sharp_detail (int on)
{
  atomic_store (&sharp_detail, on ? 1 : 0);
}

int
mien_reswarp_get_sharp_detail (void)
{
  return atomic_load (&sharp_detail);
}

int
mien_reswarp_transport_by_default (void)
{
  const char *v = getenv ("MIEN_RESWARP_TRANSPORT");
  return mien_reswarp_get_sharp_detail ()
         || (v != NULL && strcmp (v, "1") == 0);
}

int
mien_reswarp_cubic_by_default (void)
{
  const char *v = getenv ("MIEN_RESWARP_CUBIC");
  return mien_reswarp_get_sharp_detail ()
         || (v != NULL && strcmp (v, "1") == 0);
}

void
mien_decomposition_set_texture_transport (mien_decomposition *dec, int on)
{
  dec->transport = on != 0;
}

int
mien_decomposition_get_texture_transport (const mien_decomposition *dec)
{
  return dec->transport;
}

void
mien_decomposition_set_resampler (mien_decomposition *dec,
                                  mien_warp_resampler resampler)
{
  dec->resampler = resampler;
}

mien_warp_resampler
mien_decomposition_get_resampler (const mien_decomposition *dec)
{
  return dec->resampler;
}

int
mien_decomposition_get_residual_fade (const mien_decomposition *dec)
{
  return dec->residual_fade;
}

mien_reswarp_mode
mien_decomposition_get_mode (const mien_decomposition *dec)
{
  return dec->mode;
}

const mien_image *
mien_decomposition_get_low (const mien_decomposition *dec)
{
  return dec->low;
}

int
mien_decomposition_get_width (const mien_decomposition *dec)
{
  return dec->width;
}

int
mien_decomposition_get_height (const mien_decomposition *dec)
{
  return dec->height;
}

int
mien_decomposition_get_n_residuals (const mien_decomposition *dec)
{
  return dec->n_residuals;
}

const mien_image *
mien_decomposition_get_residual (const mien_decomposition *dec, int k)
{
  return k >= 0 && k < dec->n_residuals ? dec->residuals[k] : NULL;
}

const mien_residual16 *
mien_decomposition_get_residual16 (const mien_decomposition *dec, int k)
{
  return k >= 0 && k < dec->n_residuals ? dec->residuals16[k] : NULL;
}

mien_image *
mien_decomposition_copy_residual (const mien_decomposition *dec, int k,
                                  mien_pool *pool, mien_error *err)
{
  if (k < 0 || k >= dec->n_residuals)
    {
      mien_error_set (err, MIEN_ERR_INVALID, "no residual %d (%d levels)", k,
                      dec->n_residuals);
      return NULL;
    }
  if (dec->residuals[k] != NULL)
    return mien_image_copy (dec->residuals[k], err);
  return mien_residual16_to_image (dec->residuals16[k], pool, err);
}

mien_residual_storage
mien_decomposition_get_storage (const mien_decomposition *dec)
{
  for (int k = 0; k < dec->n_residuals; k++)
    if (dec->residuals16[k] != NULL)
      return MIEN_RESIDUAL_FIXED16;
  return MIEN_RESIDUAL_FLOAT32;
}

/* Where the kernel would read 16-bit residuals through a float copy per
 * level and frame, they go to float for good, once. So do they for the
 * cubic warp: its vector rows read 16 bits as well, but spend more on the
 * conversions than they save in memory traffic (bench-reswarp, 4K vanilla,
 * 2 threads, 2026-12-06: 73–77 ms a frame from float, 94–99 ms from 16
 * bits), so "Sharper skin detail" pays twice the residuals' memory for a
 * frame within issue #26's budget. */
static mien_status
residuals_for (mien_decomposition *dec, const mien_warp_options *options,
               mien_pool *pool, mien_error *err)
{
  if (mien_warp_reads_residual16 (dec->channels, options)
      && options->resampler != MIEN_WARP_CUBIC)
    return MIEN_OK;
  for (int k = 0; k < dec->n_residuals; k++)
    if (dec->residuals16[k] != NULL)
      {
        mien_image *f = mien_residual16_to_image (dec->residuals16[k], pool,
                                                  err);
        if (f == NULL)
          return MIEN_ERR_NOMEM;
        dec->residuals[k] = f;
        mien_residual16_free (dec->residuals16[k]);
        dec->residuals16[k] = NULL;
      }
  dec->fixed16 = 0;
  return MIEN_OK;
}

/* One level's compose with residual k in whichever storage it has. */
static mien_status
compose_with_residual (mien_decomposition *dec, int k,
                       const mien_image *coarse, const mien_image *field,
                       mien_warp_options options, mien_image *dst,
                       mien_pool *pool, mien_error *err)
{
  options.residual16 = dec->residuals16[k];
  return mien_warp_compose_ex (coarse, dec->residuals[k], field, &options,
                               dst, pool, err);
}

/* ---- one frame ----------------------------------------------------------- */

mien_status
mien_reswarp_check_inputs (const mien_image *low, int width, int height,
                           int channels, const mien_image *refined,
                           const mien_image *field, const mien_image *out,
                           mien_error *err)
{
  if (!mien_image_same_shape (refined, low))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "the low-resolution result is %d×%d with %d "
                           "channels; expected %d×%d with %d",
                           refined->width, refined->height, refined->channels,
                           low->width, low->height, low->channels);
  if (field->width != low->width || field->height != low->height
      || field->channels != 2)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "the motion field is %d×%d with %d channels; "
                           "expected %d×%d with 2",
                           field->width, field->height, field->channels,
                           low->width, low->height);
  if (out != NULL
      && (out->width != width || out->height != height
          || out->channels != channels))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "the output is %d×%d×%d; expected %d×%d×%d",
                           out->width, out->height, out->channels, width,
                           height, channels);
  if (!mien_image_all_finite (field))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "the motion field contains NaN or infinite values");
  return MIEN_OK;
}

static mien_status
check_frame_inputs (const mien_decomposition *dec, const mien_image *refined,
                    const mien_image *field, const mien_image *out,
                    mien_error *err)
{
  return mien_reswarp_check_inputs (dec->low, dec->width, dec->height,
                                    dec->channels, refined, field, out, err);
}

/* The kernel's options for a frame: the gain of this field (rebuilt),
 * the resampler and the transport. */
static mien_status
frame_options (mien_decomposition *dec, const mien_image *field,
               mien_warp_options *options, mien_pool *pool, mien_error *err)
{
  const mien_image *gain = NULL;
  if (dec->residual_fade)
    {
      if (dec->gain == NULL)
        dec->gain = mien_image_new (field->width, field->height, 1, err);
      if (dec->gain == NULL)
        return MIEN_ERR_NOMEM;
      mien_status status = mien_field_residual_gain (field, dec->gain, err);
      if (status != MIEN_OK)
        return status;
      gain = dec->gain;
    }
  *options = (mien_warp_options){
    .gain = gain,
    .resampler = dec->resampler,
    .transport = gain != NULL && dec->transport,
  };
  return residuals_for (dec, options, pool, err);
}

/* Level k's frame buffer between the top and the output; zero-filled when
 * new, so that a region compose never meets uninitialized floats beside
 * its footprint. */
static mien_image *
scratch_level (mien_decomposition *dec, int k, mien_error *err)
{
  if (dec->scratch[k] == NULL)
    dec->scratch[k] = mien_image_new_zeroed (dec->sizes[k].width,
                                             dec->sizes[k].height,
                                             dec->channels, err);
  return dec->scratch[k];
}

mien_status
mien_reswarp (mien_decomposition *dec, const mien_image *refined,
              const mien_image *field, mien_image *out, mien_pool *pool,
              mien_error *err)
{
  mien_status status = check_frame_inputs (dec, refined, field, out, err);
  if (status != MIEN_OK)
    return status;
  mien_warp_options options;
  status = frame_options (dec, field, &options, pool, err);
  if (status != MIEN_OK)
    return status;
  if (dec->mode == MIEN_RESWARP_VANILLA)
    return compose_with_residual (dec, 0, refined, field, options, out, pool,
                                  err);

  if (dec->n_residuals == 0)
    {
      memcpy (out->data, refined->data,
              mien_image_n_floats (out) * sizeof (float));
      return MIEN_OK;
    }
  const mien_image *coarse = refined;
  for (int k = dec->n_residuals - 1; k >= 0; k--)
    {
      mien_image *dst = out;
      if (k > 0)
        {
          dst = scratch_level (dec, k, err);
          if (dst == NULL)
            return MIEN_ERR_NOMEM;
        }
      status = compose_with_residual (dec, k, coarse, field, options, dst,
                                      pool, err);
      if (status != MIEN_OK)
        return status;
      coarse = dst;
    }
  return MIEN_OK;
}

/* ---- the preview's frame ------------------------------------------------- */

int
mien_decomposition_get_n_levels (const mien_decomposition *dec)
{
  return dec->n_sizes;
}

mien_level_size
mien_decomposition_get_level_size (const mien_decomposition *dec, int level)
{
  if (level < 0 || level >= dec->n_sizes)
    return (mien_level_size){ 0, 0 };
  return dec->sizes[level];
}

const mien_image *
mien_decomposition_get_frame_level (const mien_decomposition *dec, int level)
{
  if (dec->mode != MIEN_RESWARP_MULTISCALE || level < 1
      || level >= dec->n_residuals)
    return NULL;
  return dec->scratch[level];
}

int
mien_decomposition_has_level (const mien_decomposition *dec, int level)
{
  if (level < 0 || level >= dec->n_sizes)
    return 0;
  if (dec->mode == MIEN_RESWARP_MULTISCALE || level == 0
      || level == dec->n_sizes - 1)
    return 1;
  return dec->level_residual != NULL && dec->level_residual_k == level;
}

mien_status
mien_decomposition_set_level_photo (mien_decomposition *dec, int level,
                                    const mien_image *photo_k,
                                    mien_pool *pool, mien_error *err)
{
  if (level < 0 || level >= dec->n_sizes)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "no pyramid level %d (%d levels)", level,
                           dec->n_sizes);
  if (dec->mode == MIEN_RESWARP_MULTISCALE || level == 0
      || level == dec->n_sizes - 1)
    return MIEN_OK;
  if (photo_k == NULL || photo_k->width != dec->sizes[level].width
      || photo_k->height != dec->sizes[level].height
      || photo_k->channels != dec->channels)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "the photo at level %d must be %d×%d with %d "
                           "channels", level, dec->sizes[level].width,
                           dec->sizes[level].height, dec->channels);
  mien_image *r = make_residual (photo_k, dec->low, pool, err);
  if (r == NULL)
    return err ? err->status : MIEN_ERR_NOMEM;
  mien_image_free (dec->level_residual);
  dec->level_residual = r;
  dec->level_residual_k = level;
  return MIEN_OK;
}

/* The part of a coarse level (cw wide) that up() reads for the output
 * columns [x0, x1) of a fine level (fw wide): the two taps around
 * (x + 0.5)·cw/fw − 0.5, plus 2 pixels against rounding. */
static void
footprint_1d (int x0, int x1, int fw, int cw, int *c0, int *c1)
{
  double r = (double)cw / fw;
  int lo = (int)floor ((x0 + 0.5) * r - 0.5) - 2;
  int hi = (int)floor ((x1 - 0.5) * r - 0.5) + 3; /* exclusive */
  *c0 = lo < 0 ? 0 : lo;
  *c1 = hi > cw ? cw : hi;
}

static mien_rect
footprint (mien_rect r, mien_level_size fine, mien_level_size coarse)
{
  int x0, x1, y0, y1;
  footprint_1d (r.x, r.x + r.width, fine.width, coarse.width, &x0, &x1);
  footprint_1d (r.y, r.y + r.height, fine.height, coarse.height, &y0, &y1);
  return (mien_rect){ x0, y0, x1 - x0, y1 - y0 };
}

/* MIEN_PREVIEW_WHOLE_LEVELS=1 computes the coarser levels whole instead of
 * over the footprint (to measure the difference: docs/BENCHMARKS.md). */
static int
whole_coarser_levels (void)
{
  const char *v = getenv ("MIEN_PREVIEW_WHOLE_LEVELS");
  return v != NULL && strcmp (v, "1") == 0;
}

static void
copy_region (const mien_image *src, mien_image *dst, mien_rect r)
{
  size_t n = (size_t)r.width * (size_t)dst->channels * sizeof (float);
  for (int y = r.y; y < r.y + r.height; y++)
    memcpy (mien_image_row (dst, y) + (size_t)r.x * dst->channels,
            mien_image_row (src, y) + (size_t)r.x * src->channels, n);
}

mien_status
mien_reswarp_level (mien_decomposition *dec, const mien_image *refined,
                    const mien_image *field, int level,
                    const mien_rect *region, mien_image *out,
                    mien_pool *pool, mien_error *err)
{
  if (level < 0 || level >= dec->n_sizes)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "no pyramid level %d (%d levels)", level,
                           dec->n_sizes);
  mien_level_size size = dec->sizes[level];
  mien_status status = mien_reswarp_check_inputs (
      dec->low, size.width, size.height, dec->channels, refined, field, out,
      err);
  if (status != MIEN_OK)
    return status;
  mien_rect r = { 0, 0, size.width, size.height };
  if (region != NULL && region->width > 0 && region->height > 0)
    r = *region;
  if (r.x < 0 || r.y < 0 || r.width < 0 || r.height < 0
      || r.x > size.width - r.width || r.y > size.height - r.height)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "the region %d×%d at (%d, %d) is not inside "
                           "level %d (%d×%d)", r.width, r.height, r.x, r.y,
                           level, size.width, size.height);
  if (level == dec->n_sizes - 1)
    {
      copy_region (refined, out, r); /* the top level is O^r */
      return MIEN_OK;
    }
  if (!mien_decomposition_has_level (dec, level))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "vanilla level %d needs the photo at that level "
                           "first", level);
  mien_warp_options options;
  status = frame_options (dec, field, &options, pool, err);
  if (status != MIEN_OK)
    return status;
  if (dec->mode == MIEN_RESWARP_VANILLA)
    {
      options.region = r;
      if (level == 0)
        return compose_with_residual (dec, 0, refined, field, options, out,
                                      pool, err);
      return mien_warp_compose_ex (refined, dec->level_residual, field,
                                   &options, out, pool, err);
    }
  /* Multiscale: the region's footprint on every coarser level, then the
   * levels from the top down to this one. */
  mien_rect regions[MIEN_PYRAMID_MAX_LEVELS];
  int whole = whole_coarser_levels ();
  regions[level] = r;
  for (int k = level + 1; k < dec->n_residuals; k++)
    regions[k] = whole ? (mien_rect){ 0, 0, dec->sizes[k].width,
                                      dec->sizes[k].height }
                       : footprint (regions[k - 1], dec->sizes[k - 1],
                                    dec->sizes[k]);
  const mien_image *coarse = refined;
  for (int k = dec->n_residuals - 1; k >= level; k--)
    {
      mien_image *dst = k == level ? out : scratch_level (dec, k, err);
      if (dst == NULL)
        return MIEN_ERR_NOMEM;
      options.region = regions[k];
      status = compose_with_residual (dec, k, coarse, field, options, dst,
                                      pool, err);
      if (status != MIEN_OK)
        return status;
      coarse = dst;
    }
  return MIEN_OK;
}
