/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: photos through the project's loader (mien_image_load:
 * format sniffing, GdkPixbuf, libpng, libtiff, the memory estimate, EXIF
 * orientation, colour conversion). The loaders themselves are system
 * libraries; what is checked is that Mien's wrapper survives whatever they
 * return, and that a loaded image is RGB(A) floats of a sane size. The
 * input is written as "photo" without an extension, so the content decides
 * the format. */
#include <math.h>

#include "fuzz-common.h"
#include "io/mien-image-io.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  mien_error err = { 0 };
  mien_image *im = mien_image_load (fuzz_write ("photo", data, size), &err);
  if (im == NULL)
    {
      fuzz_check_refusal (&err);
      return 0;
    }
  if (im->channels < 1 || im->channels > 4 || im->width < 1 || im->height < 1
      || im->width > MIEN_IMAGE_MAX_SIDE || im->height > MIEN_IMAGE_MAX_SIDE)
    abort ();
  volatile float sink = im->data[mien_image_n_floats (im) - 1];
  (void)sink;
  mien_image_free (im);
  return 0;
}
