/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PNG through libpng rather than GdkPixbuf: GdkPixbuf converts 16-bit PNGs
 * to 8 bits, and a 16-bit photo must keep its precision through the float
 * pipeline (docs/ARCHITECTURE.md, "Departures"). Rows are decoded one at a
 * time straight into floats, so a non-interlaced PNG costs its float image
 * and nothing more. */
#include "mien-image-io-private.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "mien-atomic-file.h"

/* The error callback's data is the job itself: its address escapes into
 * libpng, so the fields set between setjmp and a longjmp are in memory when
 * the error branch reads them. */
typedef struct {
  char message[200];
} png_context;

static void
on_png_error (png_structp png, png_const_charp msg)
{
  png_context *ctx = png_get_error_ptr (png);
  snprintf (ctx->message, sizeof ctx->message, "%s", msg);
  png_longjmp (png, 1);
}

static void
on_png_warning (png_structp png, png_const_charp msg)
{
  /* Warnings (an sRGB profile libpng knows to be off, an unknown chunk) do
   * not stop the photo from opening; there is nobody to print them to. */
  (void)png;
  (void)msg;
}

/* Everything the decoder allocates, in memory that setjmp cannot lose. */
typedef struct {
  png_context ctx; /* first: the error callback's pointer */
  png_structp png;
  png_infop info;
  mien_image *image;
  mien_image *alpha;
  unsigned char *raw; /* one row, or the whole image when interlaced */
  png_bytep *rows;
  mien_status refused; /* set when check refused the header */
} png_job;

static void
job_free (png_job *job)
{
  png_destroy_read_struct (&job->png, &job->info, NULL);
  mien_image_free (job->image);
  mien_image_free (job->alpha);
  free (job->raw);
  free (job->rows);
}

static inline float
sample_of (const unsigned char *row, size_t i, int depth)
{
  if (depth == 16)
    return (float)((row[2 * i] << 8) | row[2 * i + 1]) / 65535.0f;
  return (float)row[i] / 255.0f;
}

static void
convert_row (const unsigned char *raw, int width, int channels, int depth,
             float *rgb, float *alpha)
{
  int has_alpha = channels == 2 || channels == 4;
  for (int x = 0; x < width; x++)
    {
      size_t p = (size_t)x * (size_t)channels;
      if (channels >= 3)
        {
          rgb[3 * x + 0] = sample_of (raw, p + 0, depth);
          rgb[3 * x + 1] = sample_of (raw, p + 1, depth);
          rgb[3 * x + 2] = sample_of (raw, p + 2, depth);
        }
      else
        rgb[3 * x + 0] = rgb[3 * x + 1] = rgb[3 * x + 2]
            = sample_of (raw, p, depth);
      if (alpha && has_alpha)
        alpha[x] = sample_of (raw, p + (size_t)channels - 1, depth);
    }
}

static void
setup_read (png_job *job, FILE *f)
{
  png_init_io (job->png, f);
  /* libpng's own default is 1 000 000 per side; the engine's limits are
   * checked by the caller's check. */
  png_set_user_limits (job->png, 0x7fffffff, 0x7fffffff);
  png_read_info (job->png, job->info);
  /* Palette → RGB, gray below 8 bits → 8, tRNS → an alpha channel. 16-bit
   * samples stay 16-bit. */
  png_set_expand (job->png);
}

mien_status
mien_png_read_header (FILE *f, mien_image_header *h)
{
  png_job job = { 0 };
  job.png = png_create_read_struct (PNG_LIBPNG_VER_STRING, &job, on_png_error,
                                    on_png_warning);
  job.info = job.png ? png_create_info_struct (job.png) : NULL;
  if (job.info == NULL)
    {
      job_free (&job);
      return MIEN_ERR_NOMEM;
    }
  if (setjmp (png_jmpbuf (job.png)))
    {
      job_free (&job);
      return MIEN_ERR_FORMAT;
    }
  setup_read (&job, f);
  int interlace = png_get_interlace_type (job.png, job.info);
  if (interlace != PNG_INTERLACE_NONE)
    png_set_interlace_handling (job.png);
  png_read_update_info (job.png, job.info);
  h->width = (int)png_get_image_width (job.png, job.info);
  h->height = (int)png_get_image_height (job.png, job.info);
  h->channels = png_get_channels (job.png, job.info);
  h->bit_depth = png_get_bit_depth (job.png, job.info);
  h->interlaced = interlace != PNG_INTERLACE_NONE;
  job_free (&job);
  return MIEN_OK;
}

mien_image *
mien_png_load (FILE *f, const char *path, mien_image_extras *extras,
               mien_header_check check, void *check_data, mien_error *err)
{
  png_job job = { 0 };
  job.png = png_create_read_struct (PNG_LIBPNG_VER_STRING, &job, on_png_error,
                                    on_png_warning);
  job.info = job.png ? png_create_info_struct (job.png) : NULL;
  if (job.info == NULL)
    {
      job_free (&job);
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory reading %s", path);
      return NULL;
    }
  if (setjmp (png_jmpbuf (job.png)))
    {
      if (job.refused == MIEN_OK)
        mien_error_set (err, MIEN_ERR_FORMAT, "cannot read %s: %s", path,
                        job.ctx.message[0] ? job.ctx.message : "damaged PNG");
      job_free (&job);
      return NULL;
    }
  setup_read (&job, f);
  int interlace = png_get_interlace_type (job.png, job.info);
  int passes = 1;
  if (interlace != PNG_INTERLACE_NONE)
    passes = png_set_interlace_handling (job.png);
  png_read_update_info (job.png, job.info);
  mien_image_header h = {
    .width = (int)png_get_image_width (job.png, job.info),
    .height = (int)png_get_image_height (job.png, job.info),
    .channels = png_get_channels (job.png, job.info),
    .bit_depth = png_get_bit_depth (job.png, job.info),
    .interlaced = interlace != PNG_INTERLACE_NONE,
  };
  mien_status st = mien_image_check_size (h.width, h.height, 3, err);
  if (st == MIEN_OK && check)
    st = check (&h, check_data, err);
  if (st == MIEN_OK && (h.channels < 1 || h.channels > 4
                        || (h.bit_depth != 8 && h.bit_depth != 16)))
    st = mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                         "%d-channel %d-bit PNG is not supported",
                         h.channels, h.bit_depth);
  if (st != MIEN_OK)
    {
      mien_error_prefix (err, "%s", path);
      job.refused = st;
      png_longjmp (job.png, 1);
    }
  if (extras)
    {
      extras->bit_depth = h.bit_depth;
      png_charp name;
      int compression;
      png_bytep profile;
      png_uint_32 length;
      if (png_get_valid (job.png, job.info, PNG_INFO_iCCP)
          && png_get_iCCP (job.png, job.info, &name, &compression, &profile,
                           &length)
          && length > 0)
        {
          extras->icc = malloc (length);
          if (extras->icc)
            {
              memcpy (extras->icc, profile, length);
              extras->icc_size = length;
            }
        }
    }
  job.image = mien_image_new (h.width, h.height, 3, err);
  int has_alpha = h.channels == 2 || h.channels == 4;
  if (job.image && extras && has_alpha)
    job.alpha = mien_image_new (h.width, h.height, 1, err);
  size_t rowbytes = png_get_rowbytes (job.png, job.info);
  size_t raw_rows = passes > 1 ? (size_t)h.height : 1;
  if (job.image && (!extras || !has_alpha || job.alpha))
    job.raw = malloc (rowbytes * raw_rows);
  if (job.raw == NULL)
    {
      if (job.image && (!has_alpha || !extras || job.alpha))
        mien_error_set (err, MIEN_ERR_NOMEM, "out of memory reading %s",
                        path);
      else
        mien_error_prefix (err, "%s", path);
      job.refused = MIEN_ERR_NOMEM;
      png_longjmp (job.png, 1);
    }
  if (passes > 1)
    {
      job.rows = malloc (sizeof *job.rows * (size_t)h.height);
      if (job.rows == NULL)
        {
          mien_error_set (err, MIEN_ERR_NOMEM, "out of memory reading %s",
                          path);
          job.refused = MIEN_ERR_NOMEM;
          png_longjmp (job.png, 1);
        }
      for (int y = 0; y < h.height; y++)
        job.rows[y] = job.raw + (size_t)y * rowbytes;
      png_read_image (job.png, job.rows);
    }
  for (int y = 0; y < h.height; y++)
    {
      unsigned char *raw = job.raw;
      if (passes > 1)
        raw = job.rows[y];
      else
        png_read_row (job.png, raw, NULL);
      convert_row (raw, h.width, h.channels, h.bit_depth,
                   mien_image_row (job.image, y),
                   job.alpha ? mien_image_row (job.alpha, y) : NULL);
    }
  /* The chunks after the pixels (IEND) are not read: a PNG whose pixels are
   * all there opens even if its tail is cut. */
  mien_image *image = job.image;
  if (extras)
    extras->alpha = job.alpha;
  job.image = NULL;
  job.alpha = NULL;
  job_free (&job);
  return image;
}

/* ---- writing -------------------------------------------------------------- */

static void
write_to_file (png_structp png, png_bytep data, size_t length)
{
  mien_atomic_file *file = png_get_io_ptr (png);
  if (mien_atomic_file_write (file, data, length, NULL) != MIEN_OK)
    /* errno is still the failed write's: say why (disk full, EFBIG). */
    png_error (png, strerror (errno));
}

static void
flush_nothing (png_structp png)
{
  (void)png;
}

typedef struct {
  png_context ctx; /* first: the error callback's pointer */
  png_structp png;
  png_infop info;
  unsigned char *row;
  mien_atomic_file *file;
} png_write_job;

mien_status
mien_png_save (const mien_image *image, const mien_image_extras *extras,
               const char *path, mien_error *err)
{
  int depth = extras && extras->bit_depth == 16 ? 16 : 8;
  const mien_image *alpha = extras ? extras->alpha : NULL;
  int channels = alpha ? 4 : 3;
  png_write_job job = { 0 };
  job.row = malloc ((size_t)image->width * (size_t)channels
                    * (size_t)(depth / 8));
  job.png = job.row ? png_create_write_struct (PNG_LIBPNG_VER_STRING, &job,
                                               on_png_error, on_png_warning)
                    : NULL;
  job.info = job.png ? png_create_info_struct (job.png) : NULL;
  if (job.info == NULL)
    {
      png_destroy_write_struct (&job.png, &job.info);
      free (job.row);
      return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory saving %s",
                             path);
    }
  job.file = mien_atomic_file_open (path, err);
  if (job.file == NULL)
    {
      png_destroy_write_struct (&job.png, &job.info);
      free (job.row);
      return MIEN_ERR_IO;
    }
  if (setjmp (png_jmpbuf (job.png)))
    {
      mien_atomic_file_abort (job.file);
      png_destroy_write_struct (&job.png, &job.info);
      free (job.row);
      return mien_error_set (err, MIEN_ERR_IO, "cannot write %s: %s", path,
                             job.ctx.message);
    }
  png_set_write_fn (job.png, job.file, write_to_file, flush_nothing);
  /* A profile libpng finds odd is written all the same: it is the user's. */
  png_set_benign_errors (job.png, 1);
  png_set_IHDR (job.png, job.info, (png_uint_32)image->width,
                (png_uint_32)image->height, depth,
                alpha ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB,
                PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                PNG_FILTER_TYPE_DEFAULT);
  char space[5];
  if (extras && extras->icc)
    mien_icc_color_space (extras->icc, extras->icc_size, space);
  if (extras && extras->icc && strcmp (space, "RGB") == 0)
    png_set_iCCP (job.png, job.info, "ICC profile",
                  PNG_COMPRESSION_TYPE_BASE, extras->icc,
                  (png_uint_32)extras->icc_size);
  /* The photo's EXIF as PNG's eXIf chunk: the TIFF data without the
   * "Exif\0\0" of a JPEG segment. */
  if (extras && extras->exif && extras->exif_size > 6)
    png_set_eXIf_1 (job.png, job.info, (png_uint_32)(extras->exif_size - 6),
                    extras->exif + 6);
  png_write_info (job.png, job.info);
  int C = image->channels;
  for (int y = 0; y < image->height; y++)
    {
      const float *in = mien_image_row (image, y);
      const float *a = alpha ? mien_image_row (alpha, y) : NULL;
      for (int x = 0; x < image->width; x++)
        for (int c = 0; c < channels; c++)
          {
            float v = c < 3 ? in[x * C + (c < C ? c : 0)] : a[x];
            size_t i = (size_t)x * (size_t)channels + (size_t)c;
            if (depth == 16)
              {
                uint16_t s = mien_to_u16 (v);
                job.row[2 * i] = (unsigned char)(s >> 8);
                job.row[2 * i + 1] = (unsigned char)(s & 0xff);
              }
            else
              job.row[i] = !(v > 0.0f) ? 0
                           : v >= 1.0f ? 255
                                       : (unsigned char)lrintf (v * 255.0f);
          }
      png_write_row (job.png, job.row);
    }
  png_write_end (job.png, job.info);
  png_destroy_write_struct (&job.png, &job.info);
  free (job.row);
  return mien_atomic_file_commit (job.file, err);
}
