/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-model-dir.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int
has_models (const char *dir)
{
  char probe[4096];
  int n = snprintf (probe, sizeof probe, "%s/%s", dir,
                    "tiny_face_detector_model-weights_manifest.json");
  return n > 0 && (size_t)n < sizeof probe && access (probe, R_OK) == 0;
}

const char *
mien_model_dir_find (void)
{
  const char *env = getenv ("MIEN_MODEL_DIR");
  const char *candidates[] = { env && *env ? env : NULL,
                               MIEN_INSTALLED_MODEL_DIR,
                               MIEN_SOURCE_MODEL_DIR };
  for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++)
    if (candidates[i] && has_models (candidates[i]))
      return candidates[i];
  return NULL;
}
