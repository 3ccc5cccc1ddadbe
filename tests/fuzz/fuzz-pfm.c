/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: PFM images (mien_image_load_pfm). The loader must
 * survive any header and any length; a loaded image has 1 or 3 channels
 * and a size within the engine's limits. (Whether NaN pixels are refused
 * is the loader's policy, issue #20; this target checks memory safety.) */
#include "fuzz-common.h"
#include "io/mien-image-io.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  mien_error err = { 0 };
  mien_image *im = mien_image_load_pfm (fuzz_write ("i.pfm", data, size), &err);
  if (im == NULL)
    {
      fuzz_check_refusal (&err);
      return 0;
    }
  if ((im->channels != 1 && im->channels != 3) || im->width < 1
      || im->height < 1 || im->width > MIEN_IMAGE_MAX_SIDE
      || im->height > MIEN_IMAGE_MAX_SIDE)
    abort ();
  volatile float sink = im->data[mien_image_n_floats (im) - 1];
  (void)sink;
  mien_image_free (im);
  return 0;
}
