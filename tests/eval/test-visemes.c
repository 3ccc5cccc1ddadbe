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
 * Faces the analyzer does not find in the photo (sample2/0, a profile) or
 * the detector not again on the neutral crop (sample4/0) are reported and
 * left out.
 * The same measures are taken on two more sets of points:
 *   - mesh: MediaPipe's face mesh found again on the render
 *     (mien_face_analyzer_mesh, guided by face-api's re-detected
 *     landmarks), its inner lips 78-308, 82-87, 13-14, 312-317;
 *   - carried: the ground truth of the warp: the mesh's points found on
 *     the neutral crop, carried through the render's field
 *     (mien_animator_carry_point). The render shows the photo's colour
 *     there (checked by hand: within a few levels), so it says where the
 *     photo's mouth corners went; each re-detection's distance from it is
 *     printed.
 * The faces animated are the analyzer's (mien_face_analyzer_run on the
 * photo, as the app and mien-render do), matched to the committed
 * landmark files' faces for their numbering: the file's sample2/1 has its
 * inner lips on the philtrum, where A painted the opening.
 * The issue asks for every face; what holds now is recorded in max_fail,
 * max_fail_mesh and max_fail_carried.
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
/* Renders of a measured face whose face the detector does not confirm
 * again (sample3/2 at AU43 = 5, eyes shut: "the detector does not find it
 * centred", 2026-12-03); their identity is not measured. */
#define MAX_LOST_RENDERS 1
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

/* Faces (of 21 measured) where each viseme missed its 10 %, by each
 * measure, as measured on 2026-12-03 with the analyzer's landmarks
 * (docs/QUALITY.md, "Visemes"); the target is none. A rise is a
 * regression; lower them when the rig gets better. One face of slack over
 * the measured counts: a small change of the rig or another build (the
 * sanitizers' -O1) re-detects a face or two differently.
 * face-api (measured 0, 2, 6, 8, 2 since teeth are drawn in faces of 3
 * to 6 frame pixels a grid pixel in session 27; 0, 2, 7, 9, 2 since
 * closed lips part under AU25 in session 26; 0, 1, 8, 11, 2 before):
 * its inner corners follow a rounded mouth only partly, and which
 * faces miss moves with small changes of the input (the committed
 * landmark files' faces gave O 5, U 8). Session 32: 0, 2, 5, 10, 2 since
 * the head is laid over the photo (mien-animator-head.c), which leaves
 * the mouth's pixels as they were and puts the background beside the jaw
 * back: sample3/1's and sample4/2's U read 0.906 and 0.909 of the
 * neutral width against 0.894 and 0.897, across the 0.9 bar.
 * The mesh (measured 0, 0, 2, 4, 0 in session 27; 2, 0, 2, 4, 0 in
 * session 26; 3, 1, 3, 4, 0 before, E 0 before E's paint went where the
 * field opens the mouth only): it misses an opened mouth where its
 * inner lips stay on the upper one (sample6/3, sample2/2, sample4/2),
 * where face-api sees the opening.
 * Carried (measured -, 0, 0, 0, 0): not counted for A, whose opening is
 * painted into O^r rather than carried by the field (the carried inner
 * lips stay together: 4 faces under 10 %). */
static const int max_fail[N_SHAPES] = { 0, 1, 3, 6, 11, 3 };
static const int max_fail_mesh[N_SHAPES] = { 0, 1, 1, 3, 5, 1 };
static const int max_fail_carried[N_SHAPES] = { 0, -1, 1, 1, 1, 1 };

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

/* The same measures on MediaPipe's face mesh (mien_face_mesh_mouth). */
static mouth
mouth_of_mesh (const mien_face_mesh *mesh)
{
  mouth m = { 0, 0, 0, 0, { 0, 0 } };
  if (!mesh->ok)
    return m;
  mien_mesh_mouth mm = mien_face_mesh_mouth (mesh);
  m.found = mm.iod > 0.0f;
  m.w = mm.width, m.h = mm.height, m.iod = mm.iod, m.centre = mm.centre;
  return m;
}

/* The mesh points the mouth measure reads (mien_face_mesh_mouth). */
static const int mesh_measured[] = { 78, 308, 82, 87, 13, 14, 312, 317,
                                     33, 133, 362, 263 };
#define N_MESH_MEASURED ((int)(sizeof mesh_measured / sizeof *mesh_measured))

/* The ground truth of a render: the photo's own mesh points (found on the
 * neutral crop) carried to where the render's field put them. */
static mouth
mouth_carried (const mien_animator *anim, const mien_face_mesh *neutral)
{
  mien_face_mesh moved = *neutral;
  const mien_rect *cr = mien_animator_get_crop (anim);
  for (int i = 0; i < N_MESH_MEASURED; i++)
    {
      mien_point p = neutral->points[mesh_measured[i]];
      p.x += (float)cr->x, p.y += (float)cr->y;
      moved.points[mesh_measured[i]] = mien_animator_carry_point (anim, p);
    }
  return mouth_of_mesh (&moved);
}

/* A viseme's measure (shown) and its margin over the 10 % threshold (> 0
 * passes) from a render's mouth m against the neutral one m0. */
static float
viseme_margin (int preset, const mouth *m, const mouth *m0, float *shown)
{
  float w0 = m0->w, h0 = m0->h;
  *shown = 0.0f;
  if (!m->found || !m0->found)
    return -1.0f;
  switch (preset)
    {
    case MIEN_PRESET_VISEME_A:
      *shown = (m->h - h0) / w0;
      return *shown - 0.10f;
    case MIEN_PRESET_VISEME_E:
      *shown = m->w / w0;
      return *shown - 1.10f;
    case MIEN_PRESET_VISEME_O:
    case MIEN_PRESET_VISEME_U:
      *shown = m->w / w0;
      return 0.90f - *shown;
    default: /* M/B/P */
      *shown = m->h / w0;
      return fmaxf (0.10f - *shown, 0.9f * h0 / w0 - *shown);
    }
}

/* MIEN_VISEME_POINTS=DIR: each render's crop (STEM-FACE-K.png, K the
 * shape: 0 neutral, then A, E, O, U, M/B/P) and its points
 * (STEM-FACE-K.txt): per measured mesh point "id, carried x y, re-detected
 * mesh x y", then "fa id x y" for face-api's inner lips 60-67; crop
 * pixels. For looking at what each measure sees. */
static void
dump_render (const char *dir, const char *stem, int face, int k,
             const mien_image *crop, const mien_animator *anim,
             mien_face_analyzer *fa, const mien_face *found,
             const mien_face_mesh *neutral)
{
  char path[4200];
  mien_error err = { 0 };
  snprintf (path, sizeof path, "%s/%s-%d-%d.png", dir, stem, face, k);
  CHECK (mien_image_save (crop, path, &err) == MIEN_OK, "%s", err.message);
  snprintf (path, sizeof path, "%s/%s-%d-%d.txt", dir, stem, face, k);
  FILE *f = fopen (path, "w");
  CHECK (f != NULL, "cannot write %s", path);
  if (f == NULL)
    return;
  mien_face_mesh mesh;
  CHECK (mien_face_analyzer_mesh (fa, crop, found->landmarks, &mesh, &err)
         == MIEN_OK, "%s", err.message);
  const mien_rect *cr = mien_animator_get_crop (anim);
  for (int q = 0; q < N_MESH_MEASURED && neutral->ok && mesh.ok; q++)
    {
      int id = mesh_measured[q];
      mien_point p = neutral->points[id];
      p.x += (float)cr->x, p.y += (float)cr->y;
      mien_point t = mien_animator_carry_point (anim, p);
      fprintf (f, "%d %.3f %.3f %.3f %.3f\n", id, (double)t.x, (double)t.y,
               (double)mesh.points[id].x, (double)mesh.points[id].y);
    }
  for (int q = 60; q < 68; q++)
    fprintf (f, "fa %d %.3f %.3f\n", q, (double)found->landmarks[q].x,
             (double)found->landmarks[q].y);
  fclose (f);
}

/* The analyzer's face that is the landmark file's face `want`: the one
 * whose eyes' centre lies within half the file's eye distance of the
 * file's; NULL where none does. */
static const mien_face *
analyzed_face (const mien_face *want, const mien_face *faces, int n)
{
  mouth w = measure_mouth (want->landmarks);
  mien_point e = mean_of (want->landmarks, 36, 12);
  const mien_face *best = NULL;
  float best_d = 0.5f * w.iod;
  for (int i = 0; i < n; i++)
    {
      float d = dist (mean_of (faces[i].landmarks, 36, 12), e);
      if (d < best_d)
        best_d = d, best = &faces[i];
    }
  return best;
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
  const char *dump_dir = getenv ("MIEN_VISEME_POINTS");
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

  int n_faces = 0, n_lost = 0, n_lost_renders = 0, n_mesh = 0, n_fail[N_SHAPES] = { 0 }, n_half = 0;
  float sum_half_ratio = 0.0f;
  float worst[N_SHAPES] = { 1e9f, 1e9f, 1e9f, 1e9f, 1e9f, 1e9f };
  float sum_shown[N_SHAPES] = { 0 };
  /* The mesh's and the carried truth's misses, and each re-detection's
   * distance from the truth's measure. */
  int n_fail_mesh[N_SHAPES] = { 0 }, n_fail_true[N_SHAPES] = { 0 };
  double err_sum[2][N_SHAPES] = { { 0 } };
  int err_n[2][N_SHAPES] = { { 0 } };
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
      /* The faces the app animates: the analyzer's (landmarks, eyes, the
       * head's matte), numbered as the committed landmark file numbers
       * them. */
      mien_face *faces = NULL;
      int n_found = 0;
      CHECK (mien_face_analyzer_run (fa, photo, NULL, &faces, &n_found, &err)
             == MIEN_OK, "%s", err.message);
      for (int fi = 0; fi < lf.n_faces; fi++)
        {
          const mien_face *face = analyzed_face (&lf.faces[fi], faces,
                                                 n_found);
          if (face == NULL)
            {
              printf ("%s/%d      the analyzer does not find this face in "
                      "the photo: left out\n", stems[s], fi);
              n_lost++;
              continue;
            }
          mien_animator *anim = mien_animator_new (photo, face,
                                                   MIEN_RESWARP_VANILLA, NULL,
                                                   &err);
          CHECK (anim != NULL, "%s", err.message);
          if (!anim)
            continue;
          const mien_rect *cr = mien_animator_get_crop (anim);
          mien_box box = face->box;
          box.x -= (float)cr->x;
          box.y -= (float)cr->y;
          mouth m[N_RENDERS];
          mouth mesh_m[N_SHAPES], true_m[N_SHAPES];
          mien_face_mesh neutral_mesh;
          memset (mesh_m, 0, sizeof mesh_m);
          memset (true_m, 0, sizeof true_m);
          memset (&neutral_mesh, 0, sizeof neutral_mesh);
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
              if (iou >= 0.3f && k < N_SHAPES)
                {
                  mien_face_mesh mesh;
                  CHECK (mien_face_analyzer_mesh (fa, crop, found.landmarks,
                                                  &mesh, &err) == MIEN_OK,
                         "%s", err.message);
                  mesh_m[k] = mouth_of_mesh (&mesh);
                  if (k == 0)
                    neutral_mesh = mesh;
                }
              if (k < N_SHAPES && neutral_mesh.ok)
                true_m[k] = mouth_carried (anim, &neutral_mesh);
              if (dump_dir && k < N_SHAPES && iou >= 0.3f)
                dump_render (dump_dir, stems[s], fi, k, crop, anim, fa,
                             &found, &neutral_mesh);
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
          n_mesh += neutral_mesh.ok;
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
          for (int src = 0; src < 2; src++)
            {
              const mouth *mm = src ? true_m : mesh_m;
              printf ("\n%-12s %6.3f %6.3f |", src ? "  carried" : "  mesh",
                      (double)mm[0].w, (double)mm[0].h);
              for (int k = 1; k < N_SHAPES; k++)
                {
                  float sh;
                  float mg = viseme_margin (shape_preset[k], &mm[k], &mm[0],
                                            &sh);
                  printf (" %6.3f %-4s     ", (double)sh,
                          !mm[k].found ? "LOST" : mg > 0 ? "ok" : "FAIL");
                  if (!(mg > 0.0f))
                    (src ? n_fail_true : n_fail_mesh)[k]++;
                }
            }
          for (int k = 1; k < N_SHAPES; k++)
            {
              float sh_true, sh_mesh;
              viseme_margin (shape_preset[k], &true_m[k], &true_m[0],
                             &sh_true);
              viseme_margin (shape_preset[k], &mesh_m[k], &mesh_m[0],
                             &sh_mesh);
              if (!true_m[k].found || !true_m[0].found)
                continue;
              if (m[k].found)
                err_sum[0][k] += fabsf (shown[k] - sh_true), err_n[0][k]++;
              if (mesh_m[k].found && mesh_m[0].found)
                err_sum[1][k] += fabsf (sh_mesh - sh_true), err_n[1][k]++;
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
              if (!m[k].found)
                {
                  /* Not found again: identity cannot be measured here. */
                  printf (" %s LOST", what);
                  n_lost_renders++;
                  continue;
                }
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
      mien_faces_free (faces);
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
  if (n_mesh == 0)
    printf ("SKIP: the face mesh model is not installed (scripts/setup.sh): "
            "the mesh and carried measures are not checked\n");
  for (int k = 1; k < N_SHAPES && n_mesh > 0; k++)
    {
      CHECK (n_fail_mesh[k] <= max_fail_mesh[k],
             "%s misses its 10 %% on the mesh on %d faces (recorded: %d)",
             mien_presets[shape_preset[k]].name, n_fail_mesh[k],
             max_fail_mesh[k]);
      CHECK (max_fail_carried[k] < 0 || n_fail_true[k] <= max_fail_carried[k],
             "%s misses its 10 %% on the carried points on %d faces "
             "(recorded: %d)", mien_presets[shape_preset[k]].name,
             n_fail_true[k], max_fail_carried[k]);
    }
  for (int k = 1; k < N_SHAPES; k++)
    printf ("%-10s mesh fails on %d faces, carried truth on %d; mean "
            "distance from the truth: face-api %.3f (%d faces), mesh %.3f "
            "(%d)\n", mien_presets[shape_preset[k]].name, n_fail_mesh[k],
            n_fail_true[k], err_sum[0][k] / (err_n[0][k] ? err_n[0][k] : 1),
            err_n[0][k], err_sum[1][k] / (err_n[1][k] ? err_n[1][k] : 1),
            err_n[1][k]);
  printf ("identity: lowest cosine with the photo's own crop %.3f (every "
          "viseme and AU22, AU24, AU27, AU43 at 5, every face)\n",
          (double)min_cosine);
  printf ("renders whose face was not found again (identity not measured): "
          "%d (recorded %d)\n", n_lost_renders, MAX_LOST_RENDERS);
  CHECK (n_lost_renders <= MAX_LOST_RENDERS,
         "%d renders not found again (recorded %d)", n_lost_renders,
         MAX_LOST_RENDERS);
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
