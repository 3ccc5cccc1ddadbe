/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The person matte (mien_face.head) for fixture faces: the rig tests load
 * their faces from tests/data/landmarks, which carry no matte, while every
 * face the analyzer finds in the app and mien-render has one. Tests that
 * check the rig's fields as users get them fill it here. Needs
 * mien_face_dep. */
#pragma once

#include <stdio.h>
#include <stdlib.h>

#include "face/mien-face-analyzer.h"
#include "io/mien-landmarks-io.h"

/* The analyzer of data/models/face-api under root, or NULL (said once on
 * stdout) where the models are missing: the faces then keep no matte and
 * the rig bounds the head by its fitted shape. */
static inline mien_face_analyzer *
mien_test_matte_analyzer (const char *root)
{
  char path[4096];
  mien_error err = { 0 };
  snprintf (path, sizeof path, "%s/data/models/face-api", root);
  mien_face_analyzer *fa = mien_face_analyzer_new (path, NULL, &err);
  if (!fa)
    printf ("no face models (%s): the head's region without the person "
            "matte\n", err.message);
  return fa;
}

/* Fills every face's matte on photo; returns how many got one. */
static inline int
mien_test_fill_mattes (mien_face_analyzer *fa, const mien_image *photo,
                       mien_landmark_file *lf)
{
  int n = 0;
  for (int i = 0; fa && photo && i < lf->n_faces; i++)
    {
      mien_error err = { 0 };
      if (mien_face_analyzer_head (fa, photo, lf->faces[i].landmarks,
                                   &lf->faces[i].head, &err)
          != MIEN_OK)
        printf ("face %d: no matte: %s\n", i, err.message);
      n += lf->faces[i].head.ok;
    }
  return n;
}
