/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where the face models (face-api's weights) are, for the tools and the app:
 * $MIEN_MODEL_DIR, then the installed data folder, then the source tree's
 * data/models/face-api (scripts/fetch-assets.sh), the first that holds
 * tiny_face_detector_model-weights_manifest.json. The tools and the
 * app all find the models through this one function. */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/* NULL if none has them. Not cached: cheap, and tests change the
 * environment. */
const char *mien_model_dir_find (void);

#ifdef __cplusplus
}
#endif
