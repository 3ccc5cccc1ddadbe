/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rig's shading (engine/rig/rig-paint.c: paint_wrinkles, paint_folds): the
 * appearance changes FACS lists for AUs that a warp cannot make. O^r is
 * O^w with the shading, so their ratio shows where the rig shaded:
 *   AU4  darkens between the inner brows (glabellar grooves);
 *   AU9  darkens across the root of the nose;
 *   AU10 darkens beside the nose wings, on both sides (nasolabial furrows);
 * each leaves the other places alone, and a smile (AU12) shades none of
 * them. Measured on the astronaut (data/samples, fixture landmarks) at the
 * generator's 128²; skips (77) without the photo. */
#include <math.h>

#include "rig-astronaut.h"

typedef struct spot {
  const char *name;
  float x, y, r; /* disc in grid pixels */
} spot;

static float
luma (const mien_image *im, int x, int y)
{
  const float *p = mien_image_row (im, y) + (size_t)x * im->channels;
  return (p[0] + p[1] + p[2]) / 3.0f;
}

/* The lowest O^r / O^w luma ratio inside the disc (1: not shaded). */
static float
min_ratio (const mien_generator_output *g, spot s)
{
  float lo = 1.0f;
  for (int y = 0; y < g->refined->height; y++)
    for (int x = 0; x < g->refined->width; x++)
      {
        float dx = (float)x - s.x, dy = (float)y - s.y;
        float w = luma (g->warped, x, y);
        if (dx * dx + dy * dy > s.r * s.r || w < 0.05f)
          continue;
        lo = fminf (lo, luma (g->refined, x, y) / w);
      }
  return lo;
}

static spot
spot_between (const char *name, mien_point a, mien_point b, float r)
{
  return (spot){ name, 0.5f * (a.x + b.x), 0.5f * (a.y + b.y), r };
}

int
main (void)
{
  astronaut_rig r;
  int skip = astronaut_rig_open (&r);
  if (skip)
    return skip;
  const mien_point *lm = r.lm;
  float iod = hypotf (lm[45].x - lm[36].x, lm[45].y - lm[36].y) * 0.75f;

  /* Where each AU shades (landmarks of the photo; the moves are small). */
  spot glabella = spot_between ("glabella", lm[21], lm[22], 0.2f * iod);
  spot root_ = spot_between ("nose root", lm[27], lm[28], 0.12f * iod);
  spot fold_r = spot_between ("right furrow", lm[31], lm[48], 0.15f * iod);
  spot fold_l = spot_between ("left furrow", lm[35], lm[54], 0.15f * iod);
  spot forehead = { "forehead", glabella.x, glabella.y - 0.8f * iod,
                    0.3f * iod };
  fold_r.x -= 0.1f * iod; /* the furrows lie beside the line wing–corner */
  fold_l.x += 0.1f * iod;
  const spot spots[] = { glabella, root_, fold_r, fold_l, forehead };
  enum { GLABELLA, ROOT, FOLD_R, FOLD_L, FOREHEAD, N_SPOTS };

  /* which spots each recipe must darken (1), leave alone (0) or either
   * (-1: the glabellar grooves reach down to the nose root) */
  static const struct {
    const char *aus;
    int shaded[N_SPOTS];
  } cases[] = {
    { "4=5", { 1, -1, 0, 0, 0 } },
    { "9=5", { 0, 1, 1, 1, 0 } }, /* AU9 deepens the furrows a little too */
    { "10=5", { 0, 0, 1, 1, 0 } },
    { "12=5", { 0, 0, 0, 0, 0 } },
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
    {
      astronaut_rig_generate (&r, cases[k].aus);
      printf ("%-5s", cases[k].aus);
      for (int s = 0; s < N_SPOTS; s++)
        {
          float ratio = min_ratio (&r.g, spots[s]);
          printf ("  %s %.3f", spots[s].name, (double)ratio);
          if (cases[k].shaded[s] == 1)
            CHECK (ratio < 0.9f, "%s should darken the %s (ratio %.3f)",
                   cases[k].aus, spots[s].name, (double)ratio);
          else if (cases[k].shaded[s] == 0)
            CHECK (ratio > 0.995f, "%s should not shade the %s (ratio %.3f)",
                   cases[k].aus, spots[s].name, (double)ratio);
        }
      printf ("\n");
    }

  astronaut_rig_close (&r);
  return mien_test_exit_code ();
}
