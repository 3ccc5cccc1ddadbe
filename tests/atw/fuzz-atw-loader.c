/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the safetensors parser and the ATW loader's checks on
 * arbitrary bytes. Every input must be either accepted (then the model is
 * usable and freed) or refused with a message; ASan and UBSan catch the
 * rest. Built and run by run-fuzz.sh with clang -fsanitize=fuzzer,address. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "atw/mien-atw.h"
#include "nn/mien-safetensors.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  mien_error err = { 0 };
  mien_safetensors *st = mien_safetensors_parse (data, size, "fuzz", &err);
  if (st == NULL && err.message[0] == '\0')
    abort (); /* a refusal must say why */
  mien_safetensors_free (st);
  err = (mien_error){ 0 };
  mien_generator *gen
      = mien_atw_generator_new_from_memory (data, size, "fuzz", NULL, &err);
  if (gen == NULL && err.message[0] == '\0')
    abort ();
  mien_generator_free (gen);
  return 0;
}
