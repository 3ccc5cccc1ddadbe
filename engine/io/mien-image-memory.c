/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How much memory opening a photo takes, from its header alone, and the
 * check of that against the cap of mien-memory.h. */
#include "mien-image-io.h"
#include "../mien-memory.h"
#include "mien-image-io-private.h"

#include <math.h>
#include <stdio.h>
#include <unistd.h>

/* What decoding costs at its peak, from the header alone. Each term is an
 * allocation that is alive at the peak (measured in tests/io: within 20 %).
 */
uint64_t
mien_image_decode_peak_bytes (const mien_load_context *lc, const mien_image_header *h)
{
  uint64_t px = (uint64_t)h->width * (uint64_t)h->height;
  int has_alpha = h->channels == 2 || h->channels == 4;
  uint64_t floats = px * 3 * 4 + (lc->want_extras && has_alpha ? px * 4 : 0);
  switch (lc->kind)
    {
    case MIEN_LOAD_PNG:
      /* One raw row, or the whole raw image when interlaced. */
      return floats
             + (h->interlaced
                    ? px * (uint64_t)h->channels * (uint64_t)(h->bit_depth / 8)
                    : 0);
    case MIEN_LOAD_TIFF16:
      return floats;
    case MIEN_LOAD_PFM:
      return px * (uint64_t)h->channels * 4;
    case MIEN_LOAD_PIXBUF:
    default:
      /* Loaders decode incrementally (none keeps the whole file). */
      return floats + (uint64_t)((double)px * lc->pixbuf_bpp);
    }
}

uint64_t
mien_image_working_frame_bytes (const mien_image_header *h)
{
  /* Every caller that animates the photo keeps one float RGB frame of its
   * size beside it (the output it pastes the face into). */
  return (uint64_t)h->width * (uint64_t)h->height * 3 * 4;
}

mien_status
mien_image_check_memory (const mien_image_header *h, void *data, mien_error *err)
{
  const mien_load_context *lc = data;
  uint64_t decode = mien_image_decode_peak_bytes (lc, h);
  uint64_t frame = mien_image_working_frame_bytes (h);
  uint64_t cap = mien_memory_get_cap ();
  if (decode + frame <= cap)
    return MIEN_OK;
  char a[32], b[32], c[32], d[32];
  return mien_error_set (
      err, MIEN_ERR_NOMEM,
      "a %d×%d photo needs about %s to open and animate (%s to decode, %s "
      "for a working frame), more than the memory limit of %s ("
      MIEN_MEMORY_CAP_HINT ")",
      h->width, h->height, mien_format_bytes (decode + frame, a),
      mien_format_bytes (decode, b), mien_format_bytes (frame, c), mien_format_bytes (cap, d));
}

uint64_t
mien_image_estimate_load_bytes (const char *path, mien_error *err)
{
  mien_load_context lc = { .path = path, .want_extras = 1 };
  int fd = mien_image_open_regular (path, &lc.file_size, err);
  if (fd < 0)
    return 0;
  lc.kind = mien_image_sniff (fd, path, &lc);
  mien_image_header h = { 0 };
  mien_status st = mien_image_read_header (fd, &lc, &h);
  close (fd);
  if (st != MIEN_OK)
    {
      mien_error_set (err, MIEN_ERR_FORMAT, "%s: cannot read its size", path);
      return 0;
    }
  return mien_image_decode_peak_bytes (&lc, &h) + mien_image_working_frame_bytes (&h);
}
