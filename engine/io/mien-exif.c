/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A photo's EXIF (camera, date, exposure, GPS, …) through libexif: read
 * from a JPEG's APP1 segment when the photo opens, written into the JPEG
 * (APP1) and PNG (eXIf) files Mien saves. GdkPixbuf writes neither.
 *
 * The loader hands back the pixels turned upright (the EXIF orientation
 * applied), so the EXIF kept beside them is normalized to match once, at
 * load time: Orientation 1, the pixel size of the upright image, and no
 * thumbnail (it would show the photo before the edit, and the other way
 * up). A writer then only copies the block. */
#include "mien-image-io.h"
#include "mien-image-io-private.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libexif/exif-data.h>

#include "mien-atomic-file.h"

/* A JPEG segment's payload holds at most 65533 bytes (its length field
 * counts itself). */
#define APP1_MAX 65533u

/* The first APP1 segment that holds "Exif\0\0" among a JPEG's header
 * segments, read with pread (fd's offset is left as it is). */
static unsigned char *
jpeg_exif_segment (int fd, uint64_t file_size, size_t *size)
{
  unsigned char m[4];
  if (pread (fd, m, 2, 0) != 2 || m[0] != 0xff || m[1] != 0xd8)
    return NULL;
  uint64_t at = 2;
  while (at + 4 <= file_size)
    {
      if (pread (fd, m, 4, (off_t)at) != 4 || m[0] != 0xff)
        return NULL;
      if (m[1] == 0xff) /* a fill byte before the marker */
        {
          at++;
          continue;
        }
      /* EXIF comes before the image data, if at all. */
      if (m[1] == 0xda || m[1] == 0xd9)
        return NULL;
      size_t len = (size_t)m[2] << 8 | m[3];
      if (len < 2 || at + 2 + len > file_size)
        return NULL;
      if (m[1] == 0xe1 && len >= 2 + 6)
        {
          unsigned char *p = malloc (len - 2);
          if (p == NULL)
            return NULL;
          if (pread (fd, p, len - 2, (off_t)(at + 4)) == (ssize_t)(len - 2)
              && memcmp (p, "Exif\0\0", 6) == 0)
            {
              *size = len - 2;
              return p;
            }
          free (p);
        }
      at += 2 + len;
    }
  return NULL;
}

/* Sets a one-number SHORT or LONG entry; leaves any other shape alone. */
static void
set_number (ExifEntry *e, ExifByteOrder order, unsigned value)
{
  if (e == NULL || e->components != 1 || e->data == NULL)
    return;
  if (e->format == EXIF_FORMAT_SHORT && e->size >= 2)
    exif_set_short (e->data, order, (ExifShort)value);
  else if (e->format == EXIF_FORMAT_LONG && e->size >= 4)
    exif_set_long (e->data, order, (ExifLong)value);
}

unsigned char *
mien_exif_normalize (const unsigned char *data, size_t size, int width,
                     int height, size_t *out_size)
{
  *out_size = 0;
  ExifData *ed = exif_data_new ();
  if (ed == NULL)
    return NULL;
  /* Keep what the camera wrote: no tags added "to follow the
   * specification", none dropped for being unknown, the maker note's
   * bytes untouched. */
  exif_data_unset_option (ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
  exif_data_unset_option (ed, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
  exif_data_set_option (ed, EXIF_DATA_OPTION_DONT_CHANGE_MAKER_NOTE);
  exif_data_load_data (ed, data, (unsigned int)size);
  ExifContent *ifd0 = ed->ifd[EXIF_IFD_0];
  if (ifd0 == NULL || ifd0->count == 0)
    {
      exif_data_unref (ed);
      return NULL;
    }
  ExifByteOrder order = exif_data_get_byte_order (ed);
  ExifEntry *orientation = exif_content_get_entry (ifd0, EXIF_TAG_ORIENTATION);
  if (orientation != NULL)
    set_number (orientation, order, 1);
  else if ((orientation = exif_entry_new ()) != NULL)
    {
      exif_content_add_entry (ifd0, orientation);
      exif_entry_initialize (orientation, EXIF_TAG_ORIENTATION); /* 1 */
      exif_entry_unref (orientation);
    }
  ExifContent *sub = ed->ifd[EXIF_IFD_EXIF];
  if (sub != NULL)
    {
      set_number (exif_content_get_entry (sub, EXIF_TAG_PIXEL_X_DIMENSION),
                  order, (unsigned)width);
      set_number (exif_content_get_entry (sub, EXIF_TAG_PIXEL_Y_DIMENSION),
                  order, (unsigned)height);
    }
  /* No thumbnail: exif_data_new's allocator is malloc's. */
  free (ed->data);
  ed->data = NULL;
  ed->size = 0;
  ExifContent *ifd1 = ed->ifd[EXIF_IFD_1];
  while (ifd1 != NULL && ifd1->count > 0)
    exif_content_remove_entry (ifd1, ifd1->entries[0]);
  unsigned char *out = NULL;
  unsigned int n = 0;
  exif_data_save_data (ed, &out, &n);
  exif_data_unref (ed);
  /* "Exif\0\0" and a TIFF header at least; and it must fit a segment. */
  if (out == NULL || n < 6 + 8 || n > APP1_MAX
      || memcmp (out, "Exif\0\0", 6) != 0)
    {
      free (out);
      return NULL;
    }
  *out_size = n;
  return out;
}

void
mien_image_read_jpeg_exif (int fd, uint64_t file_size, int width, int height,
                           mien_image_extras *extras)
{
  size_t size = 0;
  unsigned char *raw = jpeg_exif_segment (fd, file_size, &size);
  if (raw == NULL)
    return;
  extras->exif = mien_exif_normalize (raw, size, width, height,
                                      &extras->exif_size);
  free (raw);
}

mien_status
mien_exif_write_jpeg (mien_atomic_file *file, const unsigned char *jpeg,
                      size_t size, const unsigned char *exif,
                      size_t exif_size, mien_error *err)
{
  if (size < 4 || jpeg[0] != 0xff || jpeg[1] != 0xd8 || exif_size > APP1_MAX)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "cannot add EXIF: not a JPEG stream");
  /* After the start of image and a JFIF APP0, where readers look. */
  size_t at = 2;
  if (jpeg[2] == 0xff && jpeg[3] == 0xe0 && size >= 6)
    {
      size_t len = (size_t)jpeg[4] << 8 | jpeg[5];
      if (2 + 2 + len <= size)
        at = 2 + 2 + len;
    }
  unsigned char head[4] = { 0xff, 0xe1, (unsigned char)((exif_size + 2) >> 8),
                            (unsigned char)((exif_size + 2) & 0xff) };
  mien_status st = mien_atomic_file_write (file, jpeg, at, err);
  if (st == MIEN_OK)
    st = mien_atomic_file_write (file, head, sizeof head, err);
  if (st == MIEN_OK)
    st = mien_atomic_file_write (file, exif, exif_size, err);
  if (st == MIEN_OK)
    st = mien_atomic_file_write (file, jpeg + at, size - at, err);
  return st;
}
