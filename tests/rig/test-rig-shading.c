/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rig's shading (engine/rig/rig-paint.c: paint_wrinkles, paint_folds): the
 * appearance changes FACS lists for AUs that a warp cannot make. O^r is
 * O^w with the shading, so their ratio shows where the rig shaded:
 *   AU4  darkens between the inner brows (glabellar grooves);
 *   AU9  darkens across the root of the nose;
 *   AU10 darkens beside the nose wings, on both sides (nasolabial furrows);
 * each leaves the other places alone, and a smile (AU12) shades none of
 * them. Measured on the astronaut (data/samples, fixture landmarks) at the
 * generator's 128².
 * Then the photo's softness (mien_generator_set_photo_blur): the raised
 * brows' forehead lines take it (shallower, their shadow's integral kept)
 * while the frown's furrows stay bit for bit; the animator hands the rig
 * the softness of sample4's eyes (limbus σ about 2 photo pixels) and none
 * for the astronaut's crisp ones. Skips (77) without the photos. */
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

/* Over the disc, the O^r / O^w luma ratio's lowest value (1: not shaded)
 * into *lo and the shadow's integral Σ (1 − ratio) into *sum. */
static void
disc_ratios (const mien_generator_output *g, spot s, float *lo, float *sum)
{
  *lo = 1.0f, *sum = 0.0f;
  for (int y = 0; y < g->refined->height; y++)
    for (int x = 0; x < g->refined->width; x++)
      {
        float dx = (float)x - s.x, dy = (float)y - s.y;
        float w = luma (g->warped, x, y);
        if (dx * dx + dy * dy > s.r * s.r || w < 0.05f)
          continue;
        float ratio = luma (g->refined, x, y) / w;
        *lo = fminf (*lo, ratio);
        *sum += 1.0f - ratio;
      }
}

static float
min_ratio (const mien_generator_output *g, spot s)
{
  float lo, sum;
  disc_ratios (g, s, &lo, &sum);
  return lo;
}

static spot
spot_between (const char *name, mien_point a, mien_point b, float r)
{
  return (spot){ name, 0.5f * (a.x + b.x), 0.5f * (a.y + b.y), r };
}

static int
same_output (const mien_generator_output *a, const mien_generator_output *b)
{
  size_t n = mien_image_n_floats (a->refined);
  return memcmp (a->refined->data, b->refined->data, n * sizeof (float)) == 0
         && memcmp (a->shade->data, b->shade->data,
                    mien_image_n_floats (a->shade) * sizeof (float)) == 0;
}

static void
keep_output (mien_generator_output *keep, const mien_generator_output *g)
{
  memcpy (keep->refined->data, g->refined->data,
          mien_image_n_floats (g->refined) * sizeof (float));
  memcpy (keep->shade->data, g->shade->data,
          mien_image_n_floats (g->shade) * sizeof (float));
}

/* The photo's softness on the astronaut's face: AU1+AU2's lines shallower
 * with their shadow kept within 10 %; AU4's furrows untouched; back to 0,
 * back to the crisp lines bit for bit. The astronaut's own eyes are crisp,
 * so the animator hands the rig no softness. */
static void
check_photo_blur (astronaut_rig *r, spot forehead)
{
  mien_error err = { 0 };
  mien_generator_output keep;
  CHECK (mien_generator_output_init (&keep, MIEN_LOW_RES, MIEN_LOW_RES, 3,
                                     &err) == MIEN_OK, "%s", err.message);
  astronaut_rig_generate (r, "4=5");
  keep_output (&keep, &r->g);
  mien_generator_set_photo_blur (r->gen, 0.6f);
  astronaut_rig_generate (r, "4=5");
  CHECK (same_output (&keep, &r->g),
         "the photo's softness should leave the frown's furrows alone");
  mien_generator_set_photo_blur (r->gen, 0.0f);
  astronaut_rig_generate (r, "1=5,2=5");
  float crisp, crisp_sum;
  disc_ratios (&r->g, forehead, &crisp, &crisp_sum);
  keep_output (&keep, &r->g);
  mien_generator_set_photo_blur (r->gen, 0.6f);
  astronaut_rig_generate (r, "1=5,2=5");
  float soft, soft_sum;
  disc_ratios (&r->g, forehead, &soft, &soft_sum);
  printf ("forehead lines, softness 0 -> 0.6 grid px: deepest %.3f -> %.3f, "
          "shadow %.2f -> %.2f\n", (double)crisp, (double)soft,
          (double)crisp_sum, (double)soft_sum);
  CHECK (crisp < 0.98f && soft > crisp + 0.005f,
         "softened lines should be shallower (deepest %.3f -> %.3f)",
         (double)crisp, (double)soft);
  CHECK (fabsf (soft_sum - crisp_sum) <= 0.1f * crisp_sum,
         "softened lines should keep their shadow (%.2f -> %.2f)",
         (double)crisp_sum, (double)soft_sum);
  mien_generator_set_photo_blur (r->gen, 0.0f);
  astronaut_rig_generate (r, "1=5,2=5");
  CHECK (same_output (&keep, &r->g), "softness 0 should give the crisp lines");
  /* The astronaut's limbus is crisp: the animator sets no softness. */
  mien_animator_prepare_generator (r->anim, r->gen);
  astronaut_rig_generate (r, "1=5,2=5");
  CHECK (same_output (&keep, &r->g),
         "the astronaut's crisp eyes should give no softness");
  mien_generator_output_clear (&keep);
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

  check_photo_blur (&r, forehead);
  astronaut_rig_close (&r);

  astronaut_rig s4;
  if (sample_rig_open (&s4, "sample4.jpg", 1) == 0)
    {
      const mien_point *m = s4.lm;
      float iod4 = hypotf (m[45].x - m[36].x, m[45].y - m[36].y) * 0.75f;
      spot g4 = spot_between ("glabella", m[21], m[22], 0.2f * iod4);
      spot f4 = { "forehead", g4.x, g4.y - 0.8f * iod4, 0.3f * iod4 };
      astronaut_rig_generate (&s4, "1=5,2=5");
      float crisp, crisp_sum, soft, soft_sum;
      disc_ratios (&s4.g, f4, &crisp, &crisp_sum);
      mien_animator_prepare_generator (s4.anim, s4.gen);
      astronaut_rig_generate (&s4, "1=5,2=5");
      disc_ratios (&s4.g, f4, &soft, &soft_sum);
      printf ("sample4/1 forehead through the animator: deepest %.3f -> "
              "%.3f, shadow %.2f -> %.2f\n", (double)crisp, (double)soft,
              (double)crisp_sum, (double)soft_sum);
      CHECK (soft > crisp + 0.005f,
             "the animator should soften sample4's forehead lines "
             "(deepest %.3f -> %.3f)", (double)crisp, (double)soft);
      CHECK (soft < 0.995f, "sample4's forehead lines should stay");
      astronaut_rig_close (&s4);
    }
  return mien_test_exit_code ();
}
