/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The visemes (issue #25) change the mouth the way they claim, as face-api's
 * 68-landmark model sees it on the RESULT: on every face of the sample
 * photos, the rig renders each viseme preset at full intensity (vanilla
 * ResWarp, the app's default), the face is detected again on the rendered
 * crop and its landmarks are found again (mien_eval_match_face: detector +
 * landmark net), and the inner mouth (points 60-67) is measured on those
 * re-detected points, never on the rig's own moved points:
 *   W = inner width |60-64| / iod, iod between the re-detected eye centres;
 *   H = inner height (mean of 61-67, 62-66, 63-65) / iod.
 * The neutral crop (c = 0, the photo's own pixels) is measured the same
 * way, and each viseme must move its measure by 10 % or more in its
 * direction:
 *   E: W up 10 %;  O, U: W down 10 %;
 *   A: H up by 10 % of the neutral inner width (W0 · iod): a closed mouth
 *      has H0 near 0, where a relative change means nothing;
 *   M/B/P: closed (H at most 10 % of the neutral inner width) or, where
 *      the photo's mouth is open wider, H down 10 %.
 * Faces where the detector does not find the face again on the neutral crop
 * are reported and left out (sample2/0 when written).
 * The issue asks for every face; what holds now is recorded in max_fail.
 * Identity: on the same re-detected faces, face-api's descriptor of AU22,
 * AU24, AU27 and AU43 at 5 has a cosine of 0.9 or more with the photo's
 * own crop (issue #25's identity check for the new channels), and of every
 * viseme 0.83 or more; O and U, which hold AU18 at its maximum (with AU22
 * at 5), 0.9 or more: they stand in for AU18 alone, whose own render made
 * the test run past meson's 300 s on a loaded machine (AU18 = 5 alone:
 * 0.927 or more, measured 2026-12-03).
 * A half-open mouth in the photo (H0 ≥ 0.15 W0, 7 faces): every viseme is
 * fold-free (the rig's min Jacobian > 0) and M/B/P leaves at most 0.8 of
 * the opening H0 (0.6 on the mean over those faces).
 * MIEN_VISEME_SHEET=out.png also writes the contact sheet of the mouths
 * (docs/images/visemes.png). Skips (77) without data/samples or the models. */
#include <math.h>
#include <string.h>

#include "io/mien-image-io.h"
#include "io/mien-landmarks-io.h"
#include "mien-animator.h"
#include "mien-eval.h"
#include "mien-rig.h"
#include "mien-test.h"

static const char *const stems[] = { "astronaut", "sample1", "sample2",
                                     "sample3", "sample4", "sample5",
                                     "sample6" };
#define N_STEMS ((int)(sizeof stems / sizeof *stems))
#define N_SHAPES 6 /* neutral + the five visemes */
/* Then the new channels at their maximum, for identity only. */
static const char *const channel_specs[] = { "22=5", "24=5", "27=5",
                                             "43=5" };
#define N_CHANNELS ((int)(sizeof channel_specs / sizeof *channel_specs))
#define N_RENDERS (N_SHAPES + N_CHANNELS)
/* The identity bound, for the new channels at their maximum
 * (lowest measured 0.916 on 2026-12-03, AU24 and AU43; AU18 0.927), and
 * for O and U, which carry AU18 at 5 (0.933 and 0.931); the other visemes
 * combine several AUs at 5 and are held to 0.83 (lowest measured 0.902, E
 * on sample4/1; it was 0.859 for A on sample1/2 with AU26 at 5). */
#define MIN_COSINE 0.9f
#define MIN_COSINE_VISEME 0.83f
#define MAX_FACES 32
/* A mouth the photo shows half open: inner height H0 ≥ this × W0. */
#define HALF_OPEN 0.15f
#define TILE_W 160
#define TILE_H 112

static const int shape_preset[N_SHAPES] = {
  MIEN_PRESET_NEUTRAL, MIEN_PRESET_VISEME_A, MIEN_PRESET_VISEME_E,
  MIEN_PRESET_VISEME_O, MIEN_PRESET_VISEME_U, MIEN_PRESET_VISEME_MBP,
};

typedef struct mouth {
  int found;
  float w, h, iod;          /* W, H as above; iod in crop pixels */
  mien_point centre;        /* inner mouth centre, crop pixels */
} mouth;

/* Faces (of 22 measured) where each viseme missed its 10 %, as measured
 * on 2026-12-03 (docs/QUALITY.md, "Visemes"): the target is none.
 * On small or turned faces face-api's inner corners follow a rounded or
 * spread mouth only partly, and A's jaw opens little on the turned
 * sample2/1. A rise is a regression; lower it when the rig gets better.
 * Measured 3, 3, 5, 8 and 0 (A, E, O, U, M/B/P) with the pucker's corner
 * skin and the recipes of 2026-12-03 and the face analyzer of 626b982
 * (landmarks averaged over framings); 4, 3, 7, 8, 0 with the analyzer
 * before it (55a2886, where the old rig gave 4, 4, 9, 12, 0; 4, 2, 8,
 * 11, 1 with the analyzer of commit 220c1f6);
 * one face of slack over that: the same build re-detects the same points,
 * but a small change of the rig moves the counts by a face or two (U 7, 8
 * and 9 in runs whose pucker differed by 0.02 iod or in the corner skin's
 * weight), and other builds re-detect differently. The sanitizer
 * build (-O1) re-detects differently again (sample1/1's neutral W0 0.879
 * against 0.781): E failed on 4 faces there, so E has two faces of slack
 * (not re-measured under the sanitizers since 2026-12-02). */
static const int max_fail[N_SHAPES] = { 0, 4, 5, 6, 9, 1 };

/* The mean over the faces is at least half way to the 10 % target. */
static int
mean_ok (int preset, float mean)
{
  switch (preset)
    {
    case MIEN_PRESET_VISEME_A: return mean >= 0.05f;
    case MIEN_PRESET_VISEME_E: return mean >= 1.05f;
    case MIEN_PRESET_VISEME_O:
    case MIEN_PRESET_VISEME_U: return mean <= 0.95f;
    default: return mean <= 0.10f;
    }
}

static float
dist (mien_point a, mien_point b)
{
  return hypotf (a.x - b.x, a.y - b.y);
}

static mien_point
mean_of (const mien_point *p, int first, int n)
{
  mien_point m = { 0, 0 };
  for (int i = 0; i < n; i++)
    m.x += p[first + i].x / (float)n, m.y += p[first + i].y / (float)n;
  return m;
}

static mouth
measure_mouth (const mien_point *lm)
{
  mouth m = { 1, 0, 0, 0, { 0, 0 } };
  m.iod = dist (mean_of (lm, 36, 6), mean_of (lm, 42, 6));
  float w = dist (lm[60], lm[64]);
  float h = (dist (lm[61], lm[67]) + dist (lm[62], lm[66])
             + dist (lm[63], lm[65])) / 3.0f;
  m.w = w / m.iod;
  m.h = h / m.iod;
  m.centre = mean_of (lm, 60, 8);
  return m;
}

/* The mouth region of a crop, area-sampled into a tile of the sheet. */
static void
paste_tile (mien_image *sheet, int tx, int ty, const mien_image *crop,
            mien_point centre, float iod)
{
  float sw = 1.3f * iod, sh = sw * TILE_H / TILE_W;
  for (int y = 0; y < TILE_H; y++)
    for (int x = 0; x < TILE_W; x++)
      {
        float sx = centre.x + ((x + 0.5f) / TILE_W - 0.5f) * sw;
        float sy = centre.y + ((y + 0.5f) / TILE_H - 0.5f) * sh;
        int ix = (int)floorf (sx), iy = (int)floorf (sy);
        ix = ix < 0 ? 0 : ix >= crop->width ? crop->width - 1 : ix;
        iy = iy < 0 ? 0 : iy >= crop->height ? crop->height - 1 : iy;
        const float *s = mien_image_row (crop, iy) + 3 * ix;
        float *d = mien_image_row (sheet, ty + y) + 3 * (tx + x);
        memcpy (d, s, 3 * sizeof (float));
      }
}

int
main (void)
{
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  root = root ? root : ".";
  const char *sheet_path = getenv ("MIEN_VISEME_SHEET");
  char path[4096], models[4096];
  snprintf (models, sizeof models, "%s/data/models/face-api", root);
  mien_error err = { 0 };
  snprintf (path, sizeof path, "%s/data/samples/astronaut.png", root);
  FILE *probe = fopen (path, "rb");
  if (!probe)
    {
      printf ("SKIP: %s missing (scripts/setup.sh fetches it)\n", path);
      return 77;
    }
  fclose (probe);
  mien_face_analyzer *fa = mien_face_analyzer_new (models, NULL, &err);
  if (!fa)
    {
      printf ("SKIP: face models: %s\n", err.message);
      return 77;
    }
  mien_generator *rig = mien_rig_new (&err);
  CHECK (rig != NULL, "%s", err.message);

  mien_image *sheet = NULL;
  int sheet_rows = 0;
  if (sheet_path)
    sheet = mien_image_new (N_SHAPES * TILE_W, MAX_FACES * TILE_H, 3, &err);

  int n_faces = 0, n_lost = 0, n_fail[N_SHAPES] = { 0 }, n_half = 0;
  float sum_half_ratio = 0.0f;
  float worst[N_SHAPES] = { 1e9f, 1e9f, 1e9f, 1e9f, 1e9f, 1e9f };
  float sum_shown[N_SHAPES] = { 0 };
  float min_cosine = 1.0f;
  printf ("%-12s %6s %6s | %-16s %-16s %-16s %-16s %-16s\n", "face", "W0",
          "H0", "A: (H-H0)/W0 a", "E: W/W0 a", "O: W/W0 a", "U: W/W0 a",
          "MBP: H/W0 a");
  printf ("(a: the fold guard's scale of the viseme's field, 1 = none)\n");
  for (int s = 0; s < N_STEMS; s++)
    {
      mien_image *photo = NULL;
      for (int k = 0; k < 2 && !photo; k++)
        {
          snprintf (path, sizeof path, "%s/data/samples/%s.%s", root,
                    stems[s], k ? "jpg" : "png");
          FILE *f = fopen (path, "rb");
          if (f)
            {
              fclose (f);
              photo = mien_image_load (path, &err);
            }
        }
      if (!photo)
        {
          printf ("%s: photo missing, skipped\n", stems[s]);
          continue;
        }
      mien_landmark_file lf;
      snprintf (path, sizeof path, "%s/tests/data/landmarks/%s.json", root,
                stems[s]);
      CHECK (mien_landmark_file_load (path, &lf, &err) == MIEN_OK, "%s",
             err.message);
      for (int fi = 0; fi < lf.n_faces; fi++)
        {
          mien_animator *anim = mien_animator_new (photo, &lf.faces[fi],
                                                   MIEN_RESWARP_VANILLA, NULL,
                                                   &err);
          CHECK (anim != NULL, "%s", err.message);
          if (!anim)
            continue;
          const mien_rect *cr = mien_animator_get_crop (anim);
          mien_box box = lf.faces[fi].box;
          box.x -= (float)cr->x;
          box.y -= (float)cr->y;
          mouth m[N_RENDERS];
          float alpha[N_RENDERS]; /* the fold guard's scale per shape */
          float min_jac[N_RENDERS]; /* the rig's min Jacobian per shape */
          float cosine[N_RENDERS];
          float descriptor0[MIEN_DESCRIPTOR_SIZE];
          memset (m, 0, sizeof m);
          for (int k = 0; k < N_RENDERS; k++)
            {
              mien_driving c;
              mien_driving_init (&c);
              if (k < N_SHAPES)
                mien_driving_add_preset (&c, shape_preset[k], 1.0f);
              else
                CHECK (mien_driving_parse (&c, channel_specs[k - N_SHAPES],
                                           &err) == MIEN_OK, "%s",
                       err.message);
              const mien_image *crop = NULL;
              CHECK (mien_animator_render_crop (anim, rig, &c, &crop, NULL,
                                                &err) == MIEN_OK,
                     "%s", err.message);
              mien_face found;
              float iou = 0.0f;
              mien_status mst = mien_eval_match_face (fa, crop, &box, 0.3f,
                                                      &found, &iou, &err);
              /* The analyzer refuses a box it cannot confirm as a face
               * (MIEN_ERR_INVALID): the face is lost on this render. */
              if (mst == MIEN_ERR_INVALID)
                {
                  printf ("%s/%d %s: %s\n", stems[s], fi,
                          k < N_SHAPES ? mien_presets[shape_preset[k]].name
                                       : channel_specs[k - N_SHAPES],
                          err.message);
                  iou = 0.0f;
                }
              else
                CHECK (mst == MIEN_OK, "%s", err.message);
              cosine[k] = 0.0f;
              if (iou >= 0.3f)
                {
                  m[k] = measure_mouth (found.landmarks);
                  if (k == 0)
                    memcpy (descriptor0, found.descriptor, sizeof descriptor0);
                  else if (m[0].found)
                    cosine[k] = mien_face_descriptor_cosine (descriptor0,
                                                             found.descriptor);
                }
              mien_rig_stats st;
              int have_stats = mien_rig_get_stats (rig, &st);
              alpha[k] = have_stats ? st.fold_alpha : 1.0f;
              min_jac[k] = have_stats ? st.min_jacobian : NAN;
              if (sheet && sheet_rows < MAX_FACES && m[0].found
                  && k < N_SHAPES)
                paste_tile (sheet, k * TILE_W, sheet_rows * TILE_H, crop,
                            m[0].centre, m[0].iod);
            }
          mien_animator_free (anim);
          char name[64];
          snprintf (name, sizeof name, "%s/%d", stems[s], fi);
          if (!m[0].found)
            {
              printf ("%-12s face not found again on the photo's own crop: "
                      "left out\n", name);
              n_lost++;
              continue;
            }
          n_faces++;
          sheet_rows += sheet != NULL;
          /* Each viseme's margin over its 10 % threshold (> 0 passes). */
          float w0 = m[0].w, h0 = m[0].h;
          float margin[N_SHAPES] = { 0 };
          float shown[N_SHAPES] = { 0 };
          for (int k = 1; k < N_SHAPES; k++)
            {
              if (!m[k].found)
                {
                  margin[k] = -1.0f;
                  continue;
                }
              switch (shape_preset[k])
                {
                case MIEN_PRESET_VISEME_A:
                  shown[k] = (m[k].h - h0) / w0;
                  margin[k] = shown[k] - 0.10f;
                  break;
                case MIEN_PRESET_VISEME_E:
                  shown[k] = m[k].w / w0;
                  margin[k] = shown[k] - 1.10f;
                  break;
                case MIEN_PRESET_VISEME_O:
                case MIEN_PRESET_VISEME_U:
                  shown[k] = m[k].w / w0;
                  margin[k] = 0.90f - shown[k];
                  break;
                default: /* M/B/P */
                  shown[k] = m[k].h / w0;
                  margin[k] = fmaxf (0.10f - shown[k],
                                     0.9f * h0 / w0 - shown[k]);
                  break;
                }
            }
          printf ("%-12s %6.3f %6.3f |", name, (double)w0, (double)h0);
          for (int k = 1; k < N_SHAPES; k++)
            {
              printf (" %6.3f %-4s %4.2f", (double)shown[k],
                      !m[k].found ? "LOST" : margin[k] > 0 ? "ok" : "FAIL",
                      (double)alpha[k]);
              worst[k] = fminf (worst[k], margin[k]);
              sum_shown[k] += shown[k];
              if (!(margin[k] > 0.0f))
                n_fail[k]++;
            }
          /* A half-open mouth in the photo (H0 ≥ 0.15 W0; issue #25's bad
           * input): no viseme folds the field (the rig's min Jacobian after
           * its fold guard), and M/B/P closes it: H at most 0.8 H0 on the
           * re-detected points (measured 0.37-0.71 H0: the rig seals the
           * lips fully, closure 1, and face-api reads a closed mouth's
           * inner height as 0.01-0.08 W0, the closed mouths above). */
          if (h0 >= HALF_OPEN * w0)
            {
              n_half++;
              float ratio = m[N_SHAPES - 1].found ? m[N_SHAPES - 1].h / h0
                                                  : NAN;
              sum_half_ratio += ratio;
              printf ("\n%-12s half-open (H0/W0 %.3f): M/B/P leaves %.2f of "
                      "H0; min Jacobian", "", (double)(h0 / w0),
                      (double)ratio);
              for (int k = 1; k < N_SHAPES; k++)
                {
                  printf (" %s %.3f", mien_presets[shape_preset[k]].label,
                          (double)min_jac[k]);
                  CHECK (min_jac[k] > 0.0f, "%s half-open, %s: min Jacobian "
                         "%g", name, mien_presets[shape_preset[k]].name,
                         (double)min_jac[k]);
                }
              CHECK (ratio <= 0.8f, "%s half-open: M/B/P leaves %.2f of the "
                     "opening", name, (double)ratio);
            }
          printf ("\n%-12s identity cosine:", "");
          for (int k = 1; k < N_RENDERS; k++)
            {
              const char *what = k < N_SHAPES
                                     ? mien_presets[shape_preset[k]].label
                                     : channel_specs[k - N_SHAPES];
              printf (" %s %.3f", what, (double)cosine[k]);
              min_cosine = fminf (min_cosine, cosine[k]);
              int pucker = k < N_SHAPES
                           && (shape_preset[k] == MIEN_PRESET_VISEME_O
                               || shape_preset[k] == MIEN_PRESET_VISEME_U);
              float bound = k < N_SHAPES && !pucker ? MIN_COSINE_VISEME
                                                    : MIN_COSINE;
              CHECK (cosine[k] >= bound, "%s %s: identity cosine %.3f < %.2f",
                     name, what, (double)cosine[k], (double)bound);
            }
          printf ("\n");
        }
      mien_landmark_file_clear (&lf);
      mien_image_free (photo);
    }
  printf ("%d faces measured, %d not found on their own crop\n", n_faces,
          n_lost);
  for (int k = 1; k < N_SHAPES; k++)
    {
      float mean = sum_shown[k] / (float)(n_faces > 0 ? n_faces : 1);
      printf ("%-10s fails on %d faces (recorded %d), worst margin %+.3f, "
              "mean %.3f\n", mien_presets[shape_preset[k]].name, n_fail[k],
              max_fail[k], (double)worst[k], (double)mean);
      CHECK (n_fail[k] <= max_fail[k],
             "%s misses its 10 %% on %d faces (recorded: %d)",
             mien_presets[shape_preset[k]].name, n_fail[k], max_fail[k]);
      CHECK (mean_ok (shape_preset[k], mean),
             "%s: the mean change %.3f is not half way to the target",
             mien_presets[shape_preset[k]].name, (double)mean);
    }
  printf ("identity: lowest cosine with the photo's own crop %.3f (every "
          "viseme and AU22, AU24, AU27, AU43 at 5, every face)\n",
          (double)min_cosine);
  CHECK (n_faces >= 15, "too few faces measured (%d)", n_faces);
  printf ("half-open mouths in the photo (H0 ≥ %.2f W0): %d faces, M/B/P "
          "leaves %.2f of the opening on the mean\n", (double)HALF_OPEN,
          n_half, (double)(sum_half_ratio / (float)(n_half ? n_half : 1)));
  CHECK (n_half >= 5, "too few half-open mouths measured (%d)", n_half);
  CHECK (sum_half_ratio <= 0.6f * (float)n_half,
         "half-open mouths: M/B/P leaves %.2f of the opening on the mean",
         (double)(sum_half_ratio / (float)(n_half ? n_half : 1)));
  if (sheet && sheet_rows > 0)
    {
      sheet->height = sheet_rows * TILE_H; /* rows are tight: a prefix */
      CHECK (mien_image_save (sheet, sheet_path, &err) == MIEN_OK, "%s",
             err.message);
      printf ("contact sheet: %s (%d faces; columns neutral, A, E, O, U, "
              "M/B/P)\n", sheet_path, sheet_rows);
    }
  mien_image_free (sheet);
  mien_generator_free (rig);
  mien_face_analyzer_free (fa);
  return mien_test_exit_code ();
}
