/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: .flo motion fields (mien_flo_load). A field that loads
 * has a sane size and only finite values (unknown-flow markers refused). */
#include <math.h>

#include "fuzz-common.h"
#include "io/mien-flo.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  mien_error err = { 0 };
  mien_image *field = mien_flo_load (fuzz_write ("f.flo", data, size), &err);
  if (field == NULL)
    {
      fuzz_check_refusal (&err);
      return 0;
    }
  if (field->channels != 2 || field->width < 1 || field->height < 1)
    abort ();
  for (size_t i = 0; i < mien_image_n_floats (field); i++)
    if (!isfinite (field->data[i]))
      abort ();
  mien_image_free (field);
  return 0;
}
