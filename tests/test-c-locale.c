/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Numbers in files and specs are read in the C locale even after the app's
 * setlocale (LC_ALL, "") selects a comma-decimal locale (de_DE). Before the
 * fix no photo opened in German: the model manifests' quantization scales
 * were read as 0 and every landmark came out NaN. Skips (77) where the
 * de_DE.UTF-8 locale is not installed (scripts/setup.sh installs it). */
#include "mien-au.h"
#include "mien-c-locale.h"
#include "mien-test.h"
#include "io/mien-image-io.h"
#include "io/mien-project.h"
#include "nn/mien-json.h"

#include <locale.h>
#include <string.h>
#include <unistd.h>

static void
check_json_numbers (void)
{
  const char *text = "{\"scale\": 0.0012, \"min\": -1.5e-3, \"n\": 3}";
  mien_error err = { 0 };
  mien_json *root = mien_json_parse (text, strlen (text), &err);
  CHECK (root != NULL, "parse: %s", err.message);
  if (!root)
    return;
  double scale = mien_json_number (mien_json_object_get (root, "scale"));
  double min = mien_json_number (mien_json_object_get (root, "min"));
  CHECK (scale == 0.0012, "scale read as %.17g", scale);
  CHECK (min == -1.5e-3, "min read as %.17g", min);
  mien_json_free (root);
}

static void
check_specs (void)
{
  mien_driving c;
  mien_driving_init (&c);
  mien_error err = { 0 };
  CHECK (mien_driving_parse (&c, "12=3.5,6=1.25", &err) == MIEN_OK, "%s",
         err.message);
  CHECK (c.values[MIEN_AU12] == 3.5f, "AU12 read as %g", (double)c.values[MIEN_AU12]);
  CHECK (c.values[MIEN_AU6] == 1.25f, "AU6 read as %g", (double)c.values[MIEN_AU6]);
  /* The comma is the list separator, never a decimal point. */
  mien_driving_init (&c);
  CHECK (mien_driving_parse (&c, "12=3,5", &err) != MIEN_OK,
         "\"12=3,5\" must not read as 3.5 (got %g)", (double)c.values[MIEN_AU12]);

  mien_keyframe_spec k;
  CHECK (mien_keyframe_spec_parse ("1.5:happy@0.75", &k, &err) == MIEN_OK, "%s",
         err.message);
  CHECK (k.time == 1.5, "keyframe time read as %g", k.time);
  CHECK (k.expression.intensity == 0.75f, "intensity read as %g",
         (double)k.expression.intensity);
}

static void
check_pfm_header (void)
{
  char path[] = "/tmp/mien-c-locale-XXXXXX.pfm";
  int fd = mkstemps (path, 4);
  CHECK (fd >= 0, "mkstemps");
  if (fd < 0)
    return;
  const char header[] = "Pf\n1 1\n-1.000000\n";
  float v = 0.25f;
  CHECK (write (fd, header, sizeof header - 1) == (ssize_t)(sizeof header - 1), "write");
  CHECK (write (fd, &v, sizeof v) == sizeof v, "write");
  close (fd);
  mien_error err = { 0 };
  mien_image *image = mien_image_load_pfm (path, &err);
  CHECK (image != NULL, "PFM with scale -1.000000: %s", err.message);
  if (image)
    CHECK (mien_image_row (image, 0)[0] == 0.25f, "pixel %g",
           (double)mien_image_row (image, 0)[0]);
  mien_image_free (image);
  unlink (path);
}

int
main (void)
{
  if (!setlocale (LC_ALL, "de_DE.UTF-8"))
    {
      printf ("de_DE.UTF-8 is not installed: skipped\n");
      return 77;
    }
  /* The locale is really comma-decimal: plain strtod stops at the '.'. */
  CHECK (strtod ("0.5", NULL) == 0.0, "de_DE strtod should read 0.5 as 0");
  CHECK (mien_strtod_c ("0.5", NULL) == 0.5, "mien_strtod_c (\"0.5\")");
  char *end;
  CHECK (mien_strtod_c ("2,5", &end) == 2.0 && *end == ',',
         "mien_strtod_c stops at a comma");
  check_json_numbers ();
  check_specs ();
  check_pfm_header ();
  return mien_test_exit_code ();
}
