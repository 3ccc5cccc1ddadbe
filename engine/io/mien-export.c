/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-export.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../mien-resample.h"
#include "mien-export-private.h"

struct mien_exporter {
  const mien_export_backend *backend;
  void *state;
  mien_pool *pool;
  int width, height;         /* frames given to add_frame */
  int out_width, out_height; /* after scaling and padding */
  mien_image *scaled;        /* scratch at the scaled size, or NULL */
  int n_frames;
  mien_error failure; /* first error of add_frame, MIEN_OK if none */
};

void
mien_export_options_init (mien_export_options *options)
{
  *options = (mien_export_options){
    .fps_num = 30,
    .fps_den = 1,
    .scale = MIEN_EXPORT_SCALE_FULL,
    .max_side = 0,
    .crf = 18,
    .preset = NULL,
    .overwrite = 0,
    .pool = NULL,
  };
}

const char *
mien_export_format_to_string (mien_export_format format)
{
  switch (format)
    {
    case MIEN_EXPORT_PNG_SEQUENCE: return "png";
    case MIEN_EXPORT_GIF: return "gif";
    case MIEN_EXPORT_MP4: return "mp4";
    }
  return "unknown";
}

int
mien_export_format_from_string (const char *name)
{
  if (strcmp (name, "png") == 0 || strcmp (name, "png-sequence") == 0)
    return MIEN_EXPORT_PNG_SEQUENCE;
  if (strcmp (name, "gif") == 0)
    return MIEN_EXPORT_GIF;
  if (strcmp (name, "mp4") == 0)
    return MIEN_EXPORT_MP4;
  return -1;
}

mien_export_format
mien_export_format_from_path (const char *path)
{
  size_t n = strlen (path);
  if (n > 4 && strcasecmp (path + n - 4, ".gif") == 0)
    return MIEN_EXPORT_GIF;
  if (n > 4 && strcasecmp (path + n - 4, ".mp4") == 0)
    return MIEN_EXPORT_MP4;
  return MIEN_EXPORT_PNG_SEQUENCE;
}

static const mien_export_backend *
backend_of (mien_export_format format)
{
  switch (format)
    {
    case MIEN_EXPORT_PNG_SEQUENCE: return &mien_export_png_backend;
    case MIEN_EXPORT_GIF: return &mien_export_gif_backend;
    case MIEN_EXPORT_MP4: return &mien_export_mp4_backend;
    }
  return NULL;
}

static mien_status
check_options (mien_export_format format, const mien_export_options *options,
               mien_error *err)
{
  if (backend_of (format) == NULL)
    return mien_error_set (err, MIEN_ERR_INVALID, "unknown export format %d",
                           (int)format);
  if (options->fps_num <= 0 || options->fps_den <= 0)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "invalid frame rate %d/%d (both must be positive)",
                           options->fps_num, options->fps_den);
  if (options->fps_num > 1000 * options->fps_den)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "frame rate %d/%d is above 1000 fps",
                           options->fps_num, options->fps_den);
  if ((unsigned)options->scale > MIEN_EXPORT_SCALE_MAX_SIDE)
    return mien_error_set (err, MIEN_ERR_INVALID, "unknown output scale %d",
                           (int)options->scale);
  if (options->scale == MIEN_EXPORT_SCALE_MAX_SIDE && options->max_side < 2)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "maximum side %d is too small (at least 2 pixels)",
                           options->max_side);
  return MIEN_OK;
}

/* The scaled size, before any padding the format needs. */
static void
scaled_size (const mien_export_options *options, int width, int height,
             int *w, int *h)
{
  *w = width, *h = height;
  if (options->scale == MIEN_EXPORT_SCALE_HALF)
    *w = (width + 1) / 2, *h = (height + 1) / 2;
  else if (options->scale == MIEN_EXPORT_SCALE_MAX_SIDE)
    {
      int longer = width > height ? width : height;
      if (longer <= options->max_side)
        return;
      double s = (double)options->max_side / longer;
      *w = width >= height ? options->max_side : (int)lround (width * s);
      *h = height >= width ? options->max_side : (int)lround (height * s);
      *w = *w < 1 ? 1 : *w;
      *h = *h < 1 ? 1 : *h;
    }
}

mien_status
mien_export_output_size (mien_export_format format,
                         const mien_export_options *options, int width,
                         int height, int *out_width, int *out_height,
                         mien_error *err)
{
  mien_status status = check_options (format, options, err);
  if (status == MIEN_OK)
    status = mien_image_check_size (width, height, 3, err);
  if (status != MIEN_OK)
    return status;
  scaled_size (options, width, height, out_width, out_height);
  if (format == MIEN_EXPORT_MP4)
    {
      /* 4:2:0 chroma covers 2×2 blocks; see the header on padding. */
      *out_width += *out_width & 1;
      *out_height += *out_height & 1;
    }
  return MIEN_OK;
}

static mien_exporter *
exporter_new (mien_export_format format, const mien_export_options *options,
              int width, int height, mien_error *err)
{
  mien_exporter *ex = calloc (1, sizeof *ex);
  if (ex == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  ex->backend = backend_of (format);
  ex->pool = options->pool;
  ex->width = width;
  ex->height = height;
  mien_export_output_size (format, options, width, height, &ex->out_width,
                           &ex->out_height, NULL);
  int w, h;
  scaled_size (options, width, height, &w, &h);
  if ((w != width || h != height)
      && (ex->scaled = mien_image_new (w, h, 3, err)) == NULL)
    {
      free (ex);
      return NULL;
    }
  return ex;
}

static void
exporter_free (mien_exporter *ex)
{
  mien_image_free (ex->scaled);
  free (ex);
}

/* The path without trailing slashes ("out/frames/" names the folder
 * "frames", whose temporary must be a sibling, not inside it). */
static char *
normalized_path (const char *path, mien_error *err)
{
  size_t n = path ? strlen (path) : 0;
  while (n > 1 && path[n - 1] == '/')
    n--;
  if (n == 0 || (n == 1 && path[0] == '/'))
    {
      mien_error_set (err, MIEN_ERR_INVALID, "no output path given");
      return NULL;
    }
  char *copy = strndup (path, n);
  if (copy == NULL)
    mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  return copy;
}

static mien_exporter *
exporter_open (const char *path, mien_export_format format,
               const mien_export_options *options, int width, int height,
               mien_error *err)
{
  int w, h;
  if (mien_export_output_size (format, options, width, height, &w, &h, err)
      != MIEN_OK)
    return NULL;
  const mien_export_backend *backend = backend_of (format);
  if (backend->check != NULL && backend->check (options, err) != MIEN_OK)
    return NULL;
  mien_exporter *ex = exporter_new (format, options, width, height, err);
  if (ex == NULL)
    return NULL;
  int sw = ex->scaled ? ex->scaled->width : width;
  int sh = ex->scaled ? ex->scaled->height : height;
  ex->state = backend->open (path, options, sw, sh, err);
  if (ex->state == NULL)
    {
      exporter_free (ex);
      return NULL;
    }
  return ex;
}

mien_exporter *
mien_exporter_open (const char *path, mien_export_format format,
                    const mien_export_options *options, int width, int height,
                    mien_error *err)
{
  char *normalized = normalized_path (path, err);
  if (normalized == NULL)
    return NULL;
  mien_exporter *ex = exporter_open (normalized, format, options, width,
                                     height, err);
  free (normalized);
  return ex;
}

static mien_status
check_frame (const mien_exporter *ex, const mien_image *frame, mien_error *err)
{
  if (frame == NULL || frame->channels != 3 || frame->width != ex->width
      || frame->height != ex->height)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "frame %d is %d×%d×%d; the export expects %d×%d×3",
                           ex->n_frames + 1, frame ? frame->width : 0,
                           frame ? frame->height : 0,
                           frame ? frame->channels : 0, ex->width, ex->height);
  return MIEN_OK;
}

static mien_status
add_frame (mien_exporter *ex, const mien_image *frame, mien_error *err)
{
  mien_status status = check_frame (ex, frame, err);
  if (status != MIEN_OK)
    return status;
  if (ex->scaled != NULL)
    {
      status = mien_downsample_area (frame, ex->scaled, ex->pool, err);
      if (status != MIEN_OK)
        return status;
      frame = ex->scaled;
    }
  return ex->backend->add_frame (ex->state, frame, err);
}

mien_status
mien_exporter_add_frame (mien_exporter *ex, const mien_image *frame,
                         mien_error *err)
{
  if (ex->failure.status != MIEN_OK)
    return mien_error_set (err, ex->failure.status, "%s",
                           ex->failure.message);
  mien_status status = add_frame (ex, frame, &ex->failure);
  if (status != MIEN_OK)
    return mien_error_set (err, status, "%s", ex->failure.message);
  ex->n_frames++;
  return MIEN_OK;
}

mien_status
mien_exporter_finish (mien_exporter *ex, mien_error *err)
{
  mien_status status;
  if (ex->failure.status != MIEN_OK)
    status = mien_error_set (err, ex->failure.status, "%s",
                             ex->failure.message);
  else if (ex->n_frames == 0)
    status = mien_error_set (err, MIEN_ERR_INVALID,
                             "nothing to export: no frames were added");
  else
    {
      status = ex->backend->finish (ex->state, err);
      exporter_free (ex);
      return status;
    }
  ex->backend->abort (ex->state);
  exporter_free (ex);
  return status;
}

void
mien_exporter_abort (mien_exporter *ex)
{
  if (ex == NULL)
    return;
  ex->backend->abort (ex->state);
  exporter_free (ex);
}

int
mien_exporter_get_n_frames (const mien_exporter *ex)
{
  return ex->n_frames;
}

int
mien_exporter_get_output_width (const mien_exporter *ex)
{
  return ex->out_width;
}

int
mien_exporter_get_output_height (const mien_exporter *ex)
{
  return ex->out_height;
}

int
mien_export_scale_parse (const char *text, mien_export_scale *scale,
                         int *max_side)
{
  if (strcmp (text, "full") == 0)
    *scale = MIEN_EXPORT_SCALE_FULL;
  else if (strcmp (text, "half") == 0)
    *scale = MIEN_EXPORT_SCALE_HALF;
  else
    {
      char *end;
      long side = strtol (text, &end, 10);
      if (end == text || *end != '\0' || side < 2 || side > 100000)
        return 0;
      *scale = MIEN_EXPORT_SCALE_MAX_SIDE;
      *max_side = (int)side;
    }
  return 1;
}
