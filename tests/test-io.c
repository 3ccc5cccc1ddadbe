/* SPDX-License-Identifier: GPL-3.0-or-later */
/* File formats: round trips, every malformed-file case refused with a
 * message, and no file (or temporary) left behind by a failed write. */
#include <dirent.h>
#include <string.h>
#include <unistd.h>

#include "io/mien-flo.h"
#include "io/mien-image-io.h"
#include "mien-test.h"
#include "mien.h"

static char dir[] = "/tmp/mien-test-io-XXXXXX";

static const char *
path (const char *name)
{
  static char buf[4][256];
  static int i;
  i = (i + 1) % 4;
  snprintf (buf[i], sizeof buf[i], "%s/%s", dir, name);
  return buf[i];
}

static void
write_bytes (const char *name, const void *data, size_t size)
{
  FILE *f = fopen (path (name), "wb");
  fwrite (data, 1, size, f);
  fclose (f);
}

static int
count_entries (void)
{
  int n = 0;
  DIR *d = opendir (dir);
  for (struct dirent *e; (e = readdir (d)) != NULL;)
    n += strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0;
  closedir (d);
  return n;
}

static mien_image *
random_image (int w, int h, int c)
{
  mien_image *img = mien_image_new (w, h, c, NULL);
  for (size_t i = 0; i < mien_image_n_floats (img); i++)
    img->data[i] = mien_test_uniform (-0.5f, 1.5f);
  return img;
}

static void
test_round_trips (void)
{
  mien_error err = { 0 };
  for (int c = 1; c <= 3; c += 2)
    {
      mien_image *img = random_image (33, 17, c);
      CHECK (mien_image_save (img, path ("a.pfm"), &err) == MIEN_OK, "%s",
             err.message);
      mien_image *back = mien_image_load (path ("a.pfm"), &err);
      CHECK (back && mien_image_same_shape (back, img)
                 && mien_image_max_abs_diff (back, img) == 0.0f,
             "PFM round trip, %d channels", c);
      mien_image_free (back);
      mien_image_free (img);
    }

  mien_image *img = random_image (40, 30, 3);
  CHECK (mien_image_save (img, path ("a.png"), &err) == MIEN_OK, "%s",
         err.message);
  mien_image *png = mien_image_load (path ("a.png"), &err);
  CHECK (png != NULL && png->width == 40 && png->height == 30, "PNG load");
  float worst = 0;
  for (size_t i = 0; png && i < mien_image_n_floats (img); i++)
    {
      float want = fminf (fmaxf (img->data[i], 0.0f), 1.0f);
      worst = fmaxf (worst, fabsf (png->data[i] - want));
    }
  CHECK (worst <= 0.5f / 255.0f + 1e-6f, "PNG quantization error %g", worst);
  mien_image_free (png);
  mien_image_free (img);

  mien_image *field = random_image (128, 96, 2);
  CHECK (mien_flo_save (field, path ("f.flo"), &err) == MIEN_OK, "%s",
         err.message);
  mien_image *fback = mien_flo_load (path ("f.flo"), &err);
  CHECK (fback && mien_image_max_abs_diff (fback, field) == 0.0f,
         ".flo round trip");
  mien_image_free (fback);
  mien_image_free (field);
}

static void
expect_flo_error (const char *name, const char *needle)
{
  mien_error err = { 0 };
  mien_image *f = mien_flo_load (path (name), &err);
  CHECK (f == NULL, "%s accepted", name);
  CHECK (strstr (err.message, needle) != NULL, "%s: message '%s' lacks '%s'",
         name, err.message, needle);
  CHECK (strchr (err.message, '\n') == NULL, "multi-line message");
  mien_image_free (f);
}

static void
test_bad_flo (void)
{
  float head[3] = { MIEN_FLO_MAGIC, 0, 0 };
  int32_t size[2] = { 4, 2 };
  memcpy (&head[1], size, 8);
  float body[16] = { 0 };
  unsigned char buf[12 + sizeof body];
  memcpy (buf, head, 12);
  memcpy (buf + 12, body, sizeof body);

  write_bytes ("ok.flo", buf, sizeof buf);
  mien_image *ok = mien_flo_load (path ("ok.flo"), NULL);
  CHECK (ok && ok->width == 4 && ok->height == 2, "valid small .flo");
  mien_image_free (ok);

  unsigned char bad[sizeof buf];
  memcpy (bad, buf, sizeof buf);
  memcpy (bad, "XIEH", 4);
  write_bytes ("magic.flo", bad, sizeof bad);
  expect_flo_error ("magic.flo", "magic");

  write_bytes ("short.flo", buf, sizeof buf - 4);
  expect_flo_error ("short.flo", "size");

  write_bytes ("long.flo", buf, sizeof buf);
  FILE *f = fopen (path ("long.flo"), "ab");
  fputc (0, f);
  fclose (f);
  expect_flo_error ("long.flo", "size");

  memcpy (bad, buf, sizeof buf);
  int32_t huge[2] = { 1 << 30, 1 << 30 };
  memcpy (bad + 4, huge, 8);
  write_bytes ("huge.flo", bad, sizeof bad);
  expect_flo_error ("huge.flo", "size");

  memcpy (bad, buf, sizeof buf);
  float nan = NAN;
  memcpy (bad + 12 + 4 * 5, &nan, 4);
  write_bytes ("nan.flo", bad, sizeof bad);
  expect_flo_error ("nan.flo", "non-finite");

  memcpy (bad, buf, sizeof buf);
  float unknown = 1e10f;
  memcpy (bad + 12, &unknown, 4);
  write_bytes ("unknown.flo", bad, sizeof bad);
  expect_flo_error ("unknown.flo", "unknown");

  write_bytes ("empty.flo", "", 0);
  expect_flo_error ("empty.flo", "magic");
  expect_flo_error ("missing.flo", "cannot open");
}

static void
test_bad_images (void)
{
  mien_error err = { 0 };
  write_bytes ("text.png", "hello, not a picture", 20);
  CHECK (mien_image_load (path ("text.png"), &err) == NULL, "text as PNG");
  CHECK (err.message[0], "no message");

  /* A real PNG cut in half. */
  mien_image *img = random_image (64, 64, 3);
  mien_image_save (img, path ("whole.png"), NULL);
  mien_image_free (img);
  FILE *f = fopen (path ("whole.png"), "rb");
  unsigned char data[65536];
  size_t n = fread (data, 1, sizeof data, f);
  fclose (f);
  write_bytes ("half.png", data, n / 2);
  mien_image *half = mien_image_load (path ("half.png"), &err);
  CHECK (half == NULL, "truncated PNG accepted");
  CHECK (strstr (err.message, "half.png") != NULL, "message names the file: %s",
         err.message);
  mien_image_free (half);

  write_bytes ("bad.pfm", "PF\n10 10\n-1.0\n", 14);
  CHECK (mien_image_load (path ("bad.pfm"), &err) == NULL, "truncated PFM");
  CHECK (strstr (err.message, "truncated") != NULL, "%s", err.message);
}

static void
test_nothing_half_written (void)
{
  mien_error err = { 0 };
  int before = count_entries ();
  mien_image *img = random_image (8, 8, 3);
  CHECK (mien_image_save (img, path ("no/such/dir/x.png"), &err) == MIEN_ERR_IO,
         "write into a missing folder");
  CHECK (mien_image_save (img, path ("x.xcf"), &err) == MIEN_ERR_UNSUPPORTED,
         "unknown extension");
  mien_image *two = random_image (8, 8, 2);
  CHECK (mien_image_save (two, path ("x.pfm"), &err) != MIEN_OK,
         "2-channel PFM");
  CHECK (count_entries () == before, "a failed save left %d files behind",
         count_entries () - before);
  mien_image_free (img);
  mien_image_free (two);
}

int
main (void)
{
  if (mkdtemp (dir) == NULL)
    return 99;
  test_round_trips ();
  test_bad_flo ();
  test_bad_images ();
  test_nothing_half_written ();
  char cmd[300];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system (cmd) != 0)
    fprintf (stderr, "could not remove %s\n", dir);
  return mien_test_exit_code ();
}
