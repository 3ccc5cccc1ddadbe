/* SPDX-License-Identifier: GPL-3.0-or-later */
/* EXIF through engine/io (issue #27): a JPEG stored sideways (Orientation
 * 6) with camera tags and a thumbnail opens upright, with its EXIF kept
 * and normalized (Orientation 1, the upright pixel size, no thumbnail);
 * saving it as JPEG and PNG keeps that EXIF, and the saved JPEG opens
 * upright again (not turned twice); a crop's EXIF says the crop's size;
 * a photo without EXIF saves none; a damaged EXIF block is dropped, not
 * fatal. JPEG quality: 1–100 is written, outside is refused with no file.
 * The EXIF is read back with libexif, the pixels with the engine's loader.
 * Usage: test-exif [WORK_DIR] */
#include <glib.h>
#include <glib/gstdio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <libexif/exif-data.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/mien-image-io.h"
#include "mien-test.h"

enum { SW = 40, SH = 30 }; /* stored; upright it is SH × SW */

static ExifEntry *
add_entry (ExifData *ed, ExifIfd ifd, ExifTag tag)
{
  ExifEntry *e = exif_entry_new ();
  exif_content_add_entry (ed->ifd[ifd], e);
  exif_entry_initialize (e, tag);
  exif_entry_unref (e);
  return e;
}

static void
set_ascii (ExifData *ed, ExifIfd ifd, ExifTag tag, const char *text)
{
  ExifEntry *e = exif_entry_new ();
  size_t n = strlen (text) + 1;
  e->tag = tag;
  e->format = EXIF_FORMAT_ASCII;
  e->components = n;
  e->size = (unsigned)n;
  e->data = malloc (n); /* exif_entry_new's allocator is malloc's */
  memcpy (e->data, text, n);
  exif_content_add_entry (ed->ifd[ifd], e);
  exif_entry_unref (e);
}

/* "Exif\0\0" + TIFF data as a camera writes it: Orientation 6, Make,
 * DateTimeOriginal, the stored pixel size, a thumbnail. */
static unsigned char *
camera_exif (unsigned int *size)
{
  ExifData *ed = exif_data_new ();
  exif_data_set_byte_order (ed, EXIF_BYTE_ORDER_MOTOROLA);
  ExifByteOrder o = EXIF_BYTE_ORDER_MOTOROLA;
  exif_set_short (add_entry (ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION)->data, o, 6);
  set_ascii (ed, EXIF_IFD_0, EXIF_TAG_MAKE, "MienCam");
  set_ascii (ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL,
             "2026:12:02 08:30:00");
  ExifEntry *px = add_entry (ed, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_X_DIMENSION);
  ExifEntry *py = add_entry (ed, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_Y_DIMENSION);
  if (px->format == EXIF_FORMAT_LONG)
    exif_set_long (px->data, o, SW), exif_set_long (py->data, o, SH);
  else
    exif_set_short (px->data, o, SW), exif_set_short (py->data, o, SH);
  ed->data = malloc (64);
  memset (ed->data, 0xab, 64);
  ed->data[0] = 0xff, ed->data[1] = 0xd8;
  ed->size = 64;
  unsigned char *out = NULL;
  exif_data_save_data (ed, &out, size);
  exif_data_unref (ed);
  return out;
}

/* A stored SW×SH JPEG, left half red, right half blue, with an optional
 * APP1 segment (payload app1, n bytes) after SOI and the JFIF APP0. */
static void
write_jpeg (const char *path, const unsigned char *app1, size_t n)
{
  GdkPixbuf *pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, SW, SH);
  guchar *p = gdk_pixbuf_get_pixels (pb);
  int stride = gdk_pixbuf_get_rowstride (pb);
  for (int y = 0; y < SH; y++)
    for (int x = 0; x < SW; x++)
      {
        guchar *q = p + y * stride + 3 * x;
        q[0] = x < SW / 2 ? 220 : 20;
        q[1] = 20;
        q[2] = x < SW / 2 ? 20 : 220;
      }
  gchar *jpeg = NULL;
  gsize size = 0;
  gdk_pixbuf_save_to_buffer (pb, &jpeg, &size, "jpeg", NULL, "quality", "95",
                             NULL);
  g_object_unref (pb);
  size_t at = 2 + 2 + ((size_t)(guchar)jpeg[4] << 8 | (guchar)jpeg[5]);
  FILE *f = fopen (path, "wb");
  fwrite (jpeg, 1, at, f);
  if (app1)
    {
      unsigned char head[4] = { 0xff, 0xe1, (unsigned char)((n + 2) >> 8),
                                (unsigned char)((n + 2) & 0xff) };
      fwrite (head, 1, 4, f);
      fwrite (app1, 1, n, f);
    }
  fwrite (jpeg + at, 1, size - at, f);
  fclose (f);
  g_free (jpeg);
}

static unsigned
number (ExifData *ed, ExifIfd ifd, ExifTag tag)
{
  ExifEntry *e = exif_content_get_entry (ed->ifd[ifd], tag);
  if (e == NULL)
    return 0;
  ExifByteOrder o = exif_data_get_byte_order (ed);
  return e->format == EXIF_FORMAT_LONG ? exif_get_long (e->data, o)
                                       : exif_get_short (e->data, o);
}

static int
ascii_is (ExifData *ed, ExifIfd ifd, ExifTag tag, const char *text)
{
  ExifEntry *e = exif_content_get_entry (ed->ifd[ifd], tag);
  return e && e->data && e->size >= strlen (text)
         && memcmp (e->data, text, strlen (text)) == 0;
}

/* The normalized EXIF of an upright w×h image, as the loader must give. */
static void
check_normalized (const unsigned char *exif, size_t size, int w, int h,
                  const char *what)
{
  CHECK (exif != NULL && size > 6 && memcmp (exif, "Exif\0\0", 6) == 0,
         "%s: an EXIF block", what);
  if (exif == NULL)
    return;
  ExifData *ed = exif_data_new_from_data (exif, (unsigned)size);
  CHECK (number (ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION) == 1,
         "%s: Orientation %u, want 1", what,
         number (ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION));
  CHECK (ascii_is (ed, EXIF_IFD_0, EXIF_TAG_MAKE, "MienCam"),
         "%s: the Make tag is kept", what);
  CHECK (ascii_is (ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL,
                   "2026:12:02 08:30:00"),
         "%s: the date taken is kept", what);
  unsigned px = number (ed, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_X_DIMENSION);
  unsigned py = number (ed, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_Y_DIMENSION);
  CHECK (px == (unsigned)w && py == (unsigned)h,
         "%s: EXIF pixel size %u×%u, want %d×%d", what, px, py, w, h);
  CHECK (ed->data == NULL && ed->size == 0, "%s: no thumbnail (%u bytes)",
         what, ed->size);
  exif_data_unref (ed);
}

/* Red at the top, blue at the bottom: the stored image turned upright. */
static void
check_upright (const mien_image *im, const char *what)
{
  CHECK (im->width == SH && im->height == SW, "%s: %d×%d, want %d×%d", what,
         im->width, im->height, SH, SW);
  if (im->width != SH || im->height != SW)
    return;
  const float *top = mien_image_row (im, 5) + 3 * (SH / 2);
  const float *bottom = mien_image_row (im, SW - 5) + 3 * (SH / 2);
  CHECK (top[0] > 0.6f && top[2] < 0.3f && bottom[2] > 0.6f
             && bottom[0] < 0.3f,
         "%s: red above blue (top %.2f,%.2f, bottom %.2f,%.2f)", what, top[0],
         top[2], bottom[0], bottom[2]);
}

static long
file_size (const char *path)
{
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    return -1;
  fseek (f, 0, SEEK_END);
  long n = ftell (f);
  fclose (f);
  return n;
}

/* 1 if the file holds the bytes of tag followed (after skip bytes) by a
 * TIFF byte-order mark. */
static int
has_marked (const char *path, const char *tag, size_t skip)
{
  gchar *data = NULL;
  gsize n = 0;
  if (!g_file_get_contents (path, &data, &n, NULL))
    return 0;
  size_t t = strlen (tag);
  int found = 0;
  for (gsize i = 0; i + t + skip + 2 <= n && !found; i++)
    if (memcmp (data + i, tag, t) == 0
        && (memcmp (data + i + t + skip, "MM", 2) == 0
            || memcmp (data + i + t + skip, "II", 2) == 0))
      found = 1;
  g_free (data);
  return found;
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = argc > 1 ? g_strdup (argv[1])
                                  : g_dir_make_tmp ("mien-exif-XXXXXX", NULL);
  g_mkdir_with_parents (dir, 0755);
  g_autofree char *photo = g_build_filename (dir, "sideways.jpg", NULL);
  unsigned int exif_size = 0;
  unsigned char *exif = camera_exif (&exif_size);
  CHECK (exif != NULL && exif_size > 6, "libexif made the camera's block");
  write_jpeg (photo, exif, exif_size);
  free (exif);

  /* Opening: upright pixels, normalized EXIF. */
  mien_error err = { 0 };
  mien_image_extras ex;
  mien_image *im = mien_image_load_full (photo, &ex, &err);
  CHECK (im != NULL, "load: %s", err.message);
  if (im == NULL)
    return mien_test_exit_code ();
  check_upright (im, "opened");
  check_normalized (ex.exif, ex.exif_size, SH, SW, "opened");

  /* Saved as JPEG and PNG: the EXIF goes along. */
  g_autofree char *jpg = g_build_filename (dir, "saved.jpg", NULL);
  g_autofree char *png = g_build_filename (dir, "saved.png", NULL);
  mien_image_save_options opt = { .quality = 80 };
  CHECK (mien_image_save_with (im, &ex, jpg, &opt, NULL, &err) == MIEN_OK,
         "save jpg: %s", err.message);
  CHECK (mien_image_save_with (im, &ex, png, NULL, NULL, &err) == MIEN_OK,
         "save png: %s", err.message);
  mien_image_extras again;
  mien_image *back = mien_image_load_full (jpg, &again, &err);
  CHECK (back != NULL, "reload: %s", err.message);
  if (back)
    {
      /* Orientation 1 in the saved file: it opens as it was saved. */
      check_upright (back, "saved JPEG reopened");
      check_normalized (again.exif, again.exif_size, SH, SW, "saved JPEG");
      mien_image_free (back);
    }
  mien_image_extras_clear (&again);
  CHECK (has_marked (png, "eXIf", 0), "the PNG has an eXIf chunk");
  CHECK (has_marked (jpg, "Exif", 2), "the JPEG has an Exif APP1");

  /* A crop's EXIF says the crop's size. */
  mien_image_extras part;
  CHECK (mien_image_extras_crop (&ex, 2, 3, 10, 12, &part, &err) == MIEN_OK,
         "crop: %s", err.message);
  check_normalized (part.exif, part.exif_size, 10, 12, "crop");
  mien_image_extras_clear (&part);

  /* Quality: smaller files at lower quality; outside 1–100 refused, and
   * nothing written. A noisy picture, so that quality shows in the size. */
  mien_image *noisy = mien_image_new (64, 64, 3, &err);
  for (size_t i = 0; i < mien_image_n_floats (noisy); i++)
    noisy->data[i] = mien_test_uniform (0.0f, 1.0f);
  g_autofree char *q20 = g_build_filename (dir, "q20.jpg", NULL);
  g_autofree char *q100 = g_build_filename (dir, "q100.jpg", NULL);
  g_autofree char *q101 = g_build_filename (dir, "q101.jpg", NULL);
  mien_image_save_options low = { .quality = 20 }, high = { .quality = 100 },
                          bad = { .quality = 101 };
  CHECK (mien_image_save_with (noisy, NULL, q20, &low, NULL, &err) == MIEN_OK
             && mien_image_save_with (noisy, NULL, q100, &high, NULL, &err)
                    == MIEN_OK,
         "save at 20 and 100: %s", err.message);
  CHECK (file_size (q20) > 0 && file_size (q20) * 2 < file_size (q100),
         "quality 20 makes a smaller file than 100 (%ld vs %ld bytes)",
         file_size (q20), file_size (q100));
  mien_error bad_err = { 0 };
  CHECK (mien_image_save_with (noisy, NULL, q101, &bad, NULL, &bad_err)
             == MIEN_ERR_INVALID && file_size (q101) < 0,
         "quality 101 is refused and writes nothing: %s", bad_err.message);
  mien_image_free (noisy);

  /* No EXIF in, none out. */
  g_autofree char *plain = g_build_filename (dir, "plain.jpg", NULL);
  g_autofree char *plain_out = g_build_filename (dir, "plain-out.jpg", NULL);
  write_jpeg (plain, NULL, 0);
  mien_image_extras none;
  mien_image *p = mien_image_load_full (plain, &none, &err);
  CHECK (p != NULL && none.exif == NULL, "a JPEG without EXIF has none");
  if (p)
    {
      CHECK (p->width == SW && p->height == SH, "and is not turned");
      CHECK (mien_image_save_with (p, &none, plain_out, NULL, NULL, &err)
                 == MIEN_OK && !has_marked (plain_out, "Exif", 2),
             "and saves none");
      mien_image_free (p);
    }
  mien_image_extras_clear (&none);

  /* Damaged EXIF (the header, then garbage): the photo opens, the block
   * is dropped or kept only if libexif made sense of it. */
  unsigned char junk[300];
  memcpy (junk, "Exif\0\0", 6);
  for (size_t i = 6; i < sizeof junk; i++)
    junk[i] = (unsigned char)(mien_test_uniform (0.0f, 256.0f));
  junk[6] = 'M', junk[7] = 'M', junk[8] = 0, junk[9] = 42;
  g_autofree char *broken = g_build_filename (dir, "broken-exif.jpg", NULL);
  write_jpeg (broken, junk, sizeof junk);
  mien_image_extras bx;
  mien_image *b = mien_image_load_full (broken, &bx, &err);
  CHECK (b != NULL, "a damaged EXIF block does not stop the photo: %s",
         err.message);
  mien_image_free (b);
  mien_image_extras_clear (&bx);

  mien_image_free (im);
  mien_image_extras_clear (&ex);
  if (argc <= 1)
    {
      const char *names[] = { "sideways.jpg", "saved.jpg", "saved.png",
                              "q20.jpg", "q100.jpg", "plain.jpg",
                              "plain-out.jpg", "broken-exif.jpg" };
      for (size_t i = 0; i < G_N_ELEMENTS (names); i++)
        {
          g_autofree char *f = g_build_filename (dir, names[i], NULL);
          g_remove (f);
        }
      g_rmdir (dir);
    }
  return mien_test_exit_code ();
}
