/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Animated GIF through libimagequant (palette, dithering) and giflib.
 *
 * Palette choice: one palette per frame, dithered, with inter-frame reuse.
 *  - A shared palette would have to be chosen before the first frame is
 *    written, from frames not rendered yet; the first frame alone is a poor
 *    sample (a closed mouth has no teeth), and buffering every frame first
 *    would break the streaming interface and cost memory for long clips.
 *  - Per-frame palettes adapt to whatever appears, but dithering the whole
 *    picture anew each frame makes the still parts shimmer. So each frame
 *    after the first carries only the pixels whose colour changed since they
 *    were last drawn (by more than CHANGE_TOLERANCE), inside the bounding
 *    box of the change; the rest are transparent over the previous frame
 *    (disposal "do not dispose"). The still photo around the face is then
 *    drawn once and stays pixel-stable, the 256 colours of later frames are
 *    spent on the moving region only, and the file is much smaller.
 * The palette is chosen (libimagequant's default speed 4) from a subsample of
 * the changed box; remapping with Floyd–Steinberg dithering uses every pixel.
 * Delays are in 1/100 s; frame i lasts round((i+1)·100/fps) − round(i·100/fps)
 * so the average rate is exact (30 fps: 3, 4, 3, 3, 4, 3, …). The NETSCAPE2.0
 * extension with a loop count of 0 makes players loop forever. */
#include <gif_lib.h>
#include <libimagequant.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mien-atomic-file.h"
#include "mien-export-private.h"
#include "mien-image-io.h"

typedef struct gif_state {
  char *path;
  mien_atomic_file *file;
  GifFileType *gif;
  mien_error write_err; /* the first failed write, with its errno text */
  liq_attr *attr;
  int width, height;
  int fps_num, fps_den;
  int n_frames;
  unsigned char *rgb;       /* this frame, 8-bit */
  unsigned char *reference; /* the colour each displayed pixel stands for */
  unsigned char *rgba;      /* the changed box, transparent where unchanged */
  unsigned char *indices;   /* the box, remapped */
  unsigned char *sample;    /* every k-th pixel of the box, for the palette */
  int n_transparent;        /* pixels of the box left transparent */
} gif_state;

/* The palette is chosen from at most this many pixels of the box (a regular
 * subsample); remapping and dithering then use every pixel. Choosing from
 * all of a 1024² frame costs about 4× more for a palette that differs in
 * colours nobody can see, and the 256 colours come out the same to within
 * the dithering. */
#define PALETTE_SAMPLE_PIXELS (256 * 256)

typedef struct box {
  int x, y, w, h;
} box;

static int
write_bytes (GifFileType *gif, const GifByteType *data, int size)
{
  gif_state *s = gif->UserData;
  mien_error *err = s->write_err.status == MIEN_OK ? &s->write_err : NULL;
  if (mien_atomic_file_write (s->file, data, (size_t)size, err) != MIEN_OK)
    return 0;
  return size;
}

/* A giflib failure: the write error if a write failed, else giflib's text. */
static mien_status
gif_failure (gif_state *s, int code, mien_error *err)
{
  if (s->write_err.status != MIEN_OK)
    return mien_error_set (err, s->write_err.status, "%s",
                           s->write_err.message);
  return mien_error_set (err, MIEN_ERR_IO, "cannot write %s: GIF encoder: %s",
                         s->path, GifErrorString (code));
}

static mien_status
gif_check (const mien_export_options *options, mien_error *err)
{
  if (options->fps_num > MIEN_EXPORT_GIF_MAX_FPS * options->fps_den)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "GIF cannot play %d/%d fps: its delays are in "
                           "1/100 s and players slow faster frames down; use "
                           "%d fps or less",
                           options->fps_num, options->fps_den,
                           MIEN_EXPORT_GIF_MAX_FPS);
  return MIEN_OK;
}

/* Screen descriptor, then "loop forever". */
static int
put_header (gif_state *s)
{
  static const GifByteType loop[3] = { 1, 0, 0 }; /* sub-block 1, count 0 */
  EGifSetGifVersion (s->gif, true);
  if (EGifPutScreenDesc (s->gif, s->width, s->height, 8, 0, NULL) != GIF_OK
      || EGifPutExtensionLeader (s->gif, APPLICATION_EXT_FUNC_CODE) != GIF_OK
      || EGifPutExtensionBlock (s->gif, 11, "NETSCAPE2.0") != GIF_OK
      || EGifPutExtensionBlock (s->gif, 3, loop) != GIF_OK
      || EGifPutExtensionTrailer (s->gif) != GIF_OK)
    return s->gif->Error ? s->gif->Error : E_GIF_ERR_WRITE_FAILED;
  return 0;
}

static void
gif_free (gif_state *s)
{
  if (s->attr != NULL)
    liq_attr_destroy (s->attr);
  free (s->rgb);
  free (s->reference);
  free (s->rgba);
  free (s->indices);
  free (s->sample);
  free (s->path);
  free (s);
}

static gif_state *
gif_state_new (const char *path, const mien_export_options *options, int width,
               int height)
{
  gif_state *s = calloc (1, sizeof *s);
  if (s == NULL)
    return NULL;
  size_t n = (size_t)width * (size_t)height;
  s->path = strdup (path);
  s->rgb = malloc (3 * n);
  s->reference = malloc (3 * n);
  s->rgba = malloc (4 * n);
  s->indices = malloc (n);
  s->sample = malloc (4 * (n < PALETTE_SAMPLE_PIXELS ? n : PALETTE_SAMPLE_PIXELS));
  s->attr = liq_attr_create ();
  if (s->path == NULL || s->rgb == NULL || s->reference == NULL
      || s->rgba == NULL || s->indices == NULL || s->sample == NULL
      || s->attr == NULL)
    {
      gif_free (s);
      return NULL;
    }
  s->width = width;
  s->height = height;
  s->fps_num = options->fps_num;
  s->fps_den = options->fps_den;
  return s;
}

static void *
gif_open (const char *path, const mien_export_options *options, int width,
          int height, mien_error *err)
{
  gif_state *s = gif_state_new (path, options, width, height);
  if (s == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  if ((s->file = mien_atomic_file_open (path, err)) == NULL)
    {
      gif_free (s);
      return NULL;
    }
  int code = 0;
  s->gif = EGifOpen (s, write_bytes, &code);
  if (s->gif == NULL || (code = put_header (s)) != 0)
    {
      gif_failure (s, code, err);
      if (s->gif != NULL)
        EGifCloseFile (s->gif, NULL);
      mien_atomic_file_abort (s->file);
      gif_free (s);
      return NULL;
    }
  return s;
}

/* Centiseconds from the start to frame i, rounded: exact on average. */
static int
frame_start_cs (const gif_state *s, int i)
{
  int64_t num = (int64_t)i * 100 * s->fps_den;
  return (int)((2 * num + s->fps_num) / (2 * (int64_t)s->fps_num));
}

/* A pixel is redrawn when a channel moved by more than this (of 255) since
 * it was last drawn. Below the dithering noise of a 256-colour palette, and
 * it keeps sub-pixel motion far from the moving region (the tail of a smooth
 * field) from redrawing half the picture: a third smaller files. */
#define CHANGE_TOLERANCE 2

static inline int
differs (const unsigned char *a, const unsigned char *b)
{
  return abs (a[0] - b[0]) > CHANGE_TOLERANCE
         || abs (a[1] - b[1]) > CHANGE_TOLERANCE
         || abs (a[2] - b[2]) > CHANGE_TOLERANCE;
}

/* The bounding box of pixels whose colour differs from what is displayed
 * (everything for the first frame); w = 0 if nothing changed. */
static box
changed_box (const gif_state *s)
{
  if (s->n_frames == 0)
    return (box){ 0, 0, s->width, s->height };
  int x0 = s->width, y0 = s->height, x1 = -1, y1 = -1;
  for (int y = 0; y < s->height; y++)
    {
      const unsigned char *a = s->rgb + (size_t)y * s->width * 3;
      const unsigned char *b = s->reference + (size_t)y * s->width * 3;
      if (memcmp (a, b, (size_t)s->width * 3) == 0)
        continue;
      int l = 0, r = s->width - 1;
      while (l < s->width && !differs (a + 3 * l, b + 3 * l))
        l++;
      if (l == s->width)
        continue;
      while (!differs (a + 3 * r, b + 3 * r))
        r--;
      x0 = l < x0 ? l : x0;
      x1 = r > x1 ? r : x1;
      y0 = y < y0 ? y : y0;
      y1 = y;
    }
  if (x1 < 0)
    return (box){ 0, 0, 0, 0 };
  return (box){ x0, y0, x1 - x0 + 1, y1 - y0 + 1 };
}

/* Fills rgba for the box (changed pixels opaque, the rest transparent) and
 * records the changed pixels as displayed. */
static void
fill_box (gif_state *s, box b)
{
  s->n_transparent = 0;
  for (int y = 0; y < b.h; y++)
    {
      size_t row = ((size_t)(b.y + y) * s->width + b.x) * 3;
      const unsigned char *in = s->rgb + row;
      unsigned char *ref = s->reference + row;
      unsigned char *out = s->rgba + (size_t)y * b.w * 4;
      for (int x = 0; x < b.w; x++, in += 3, ref += 3, out += 4)
        {
          int changed = s->n_frames == 0 || differs (in, ref);
          out[0] = changed ? in[0] : 0;
          out[1] = changed ? in[1] : 0;
          out[2] = changed ? in[2] : 0;
          out[3] = changed ? 255 : 0;
          s->n_transparent += !changed;
          if (changed)
            memcpy (ref, in, 3);
        }
    }
}

/* GIF colour tables have 2^k entries, 2 ≤ 2^k ≤ 256. */
static ColorMapObject *
make_colormap (const liq_palette *palette, int *transparent)
{
  int size = 2;
  while (size < (int)palette->count)
    size *= 2;
  GifColorType colors[256] = { { 0 } };
  *transparent = NO_TRANSPARENT_COLOR;
  for (unsigned i = 0; i < palette->count; i++)
    {
      colors[i] = (GifColorType){ palette->entries[i].r, palette->entries[i].g,
                                  palette->entries[i].b };
      if (palette->entries[i].a == 0 && *transparent == NO_TRANSPARENT_COLOR)
        *transparent = (int)i;
    }
  return GifMakeMapObject (size, colors);
}

/* Every k-th pixel of every k-th row of the box, k the smallest step that
 * keeps the sample within PALETTE_SAMPLE_PIXELS. Returns the sample's size. */
static box
subsample_box (gif_state *s, box b)
{
  int k = 1;
  while ((long)((b.w + k - 1) / k) * ((b.h + k - 1) / k) > PALETTE_SAMPLE_PIXELS)
    k++;
  box out = { 0, 0, (b.w + k - 1) / k, (b.h + k - 1) / k };
  unsigned char *p = s->sample;
  for (int y = 0; y < b.h; y += k)
    for (int x = 0; x < b.w; x += k, p += 4)
      memcpy (p, s->rgba + ((size_t)y * b.w + x) * 4, 4);
  return out;
}

/* The palette for the box: from a subsample, plus the transparent colour
 * whenever the box has transparent pixels (the subsample may miss them). */
static liq_result *
choose_palette (gif_state *s, box b)
{
  box sb = subsample_box (s, b);
  liq_image *sample = liq_image_create_rgba (s->attr, s->sample, sb.w, sb.h,
                                             0.0);
  liq_histogram *hist = liq_histogram_create (s->attr);
  liq_result *result = NULL;
  if (sample != NULL && hist != NULL
      && liq_histogram_add_image (hist, s->attr, sample) == LIQ_OK
      && (s->n_transparent == 0
          || liq_histogram_add_fixed_color (hist, (liq_color){ 0, 0, 0, 0 },
                                            0.0) == LIQ_OK)
      && liq_histogram_quantize (hist, s->attr, &result) != LIQ_OK)
    result = NULL;
  if (hist != NULL)
    liq_histogram_destroy (hist);
  if (sample != NULL)
    liq_image_destroy (sample);
  return result;
}

/* Quantizes the box into s->indices and makes its colour map. */
static mien_status
quantize_box (gif_state *s, box b, ColorMapObject **map, int *transparent,
              mien_error *err)
{
  liq_image *image = liq_image_create_rgba (s->attr, s->rgba, b.w, b.h, 0.0);
  liq_result *result = image ? choose_palette (s, b) : NULL;
  mien_status status = MIEN_OK;
  *map = NULL;
  if (result == NULL)
    status = mien_error_set (err, MIEN_ERR_NOMEM,
                             "GIF palette: libimagequant could not quantize "
                             "frame %d",
                             s->n_frames + 1);
  else if (liq_set_dithering_level (result, 1.0f) != LIQ_OK
           || liq_write_remapped_image (result, image, s->indices,
                                        (size_t)b.w * b.h) != LIQ_OK)
    status = mien_error_set (err, MIEN_ERR_NOMEM,
                             "GIF palette: libimagequant could not remap "
                             "frame %d",
                             s->n_frames + 1);
  else if ((*map = make_colormap (liq_get_palette (result), transparent))
           == NULL)
    status = mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  if (result != NULL)
    liq_result_destroy (result);
  if (image != NULL)
    liq_image_destroy (image);
  return status;
}

/* A frame with nothing new: one transparent pixel keeps the frame (and its
 * delay) so the frame count and timing stay right. */
static ColorMapObject *
empty_box (gif_state *s, box *b, int *transparent)
{
  static const GifColorType colors[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
  *b = (box){ 0, 0, 1, 1 };
  s->indices[0] = 0;
  *transparent = 0;
  return GifMakeMapObject (2, colors);
}

static int
put_image (gif_state *s, box b, ColorMapObject *map, int transparent)
{
  GraphicsControlBlock gcb = {
    .DisposalMode = DISPOSE_DO_NOT,
    .UserInputFlag = false,
    .DelayTime = frame_start_cs (s, s->n_frames + 1)
                 - frame_start_cs (s, s->n_frames),
    .TransparentColor = transparent,
  };
  GifByteType ext[4];
  EGifGCBToExtension (&gcb, ext);
  if (EGifPutExtension (s->gif, GRAPHICS_EXT_FUNC_CODE, 4, ext) != GIF_OK
      || EGifPutImageDesc (s->gif, b.x, b.y, b.w, b.h, false, map) != GIF_OK)
    return s->gif->Error;
  for (int y = 0; y < b.h; y++)
    if (EGifPutLine (s->gif, s->indices + (size_t)y * b.w, b.w) != GIF_OK)
      return s->gif->Error;
  return 0;
}

static mien_status
gif_add_frame (void *state, const mien_image *frame, mien_error *err)
{
  gif_state *s = state;
  mien_image_to_rgb8 (frame, s->rgb, s->width * 3);
  box b = changed_box (s);
  int transparent;
  ColorMapObject *map;
  if (b.w == 0)
    {
      if ((map = empty_box (s, &b, &transparent)) == NULL)
        return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
    }
  else
    {
      fill_box (s, b);
      mien_status status = quantize_box (s, b, &map, &transparent, err);
      if (status != MIEN_OK)
        return status;
    }
  int code = put_image (s, b, map, transparent);
  GifFreeMapObject (map);
  if (code != 0)
    return gif_failure (s, code, err);
  s->n_frames++;
  return MIEN_OK;
}

static mien_status
gif_finish (void *state, mien_error *err)
{
  gif_state *s = state;
  int code = 0;
  int closed = EGifCloseFile (s->gif, &code) == GIF_OK;
  s->gif = NULL;
  mien_status status;
  if (!closed)
    {
      status = gif_failure (s, code, err);
      mien_atomic_file_abort (s->file);
    }
  else
    status = mien_atomic_file_commit (s->file, err);
  gif_free (s);
  return status;
}

static void
gif_abort (void *state)
{
  gif_state *s = state;
  EGifCloseFile (s->gif, NULL);
  mien_atomic_file_abort (s->file);
  gif_free (s);
}

const mien_export_backend mien_export_gif_backend = {
  .check = gif_check,
  .open = gif_open,
  .add_frame = gif_add_frame,
  .finish = gif_finish,
  .abort = gif_abort,
};
