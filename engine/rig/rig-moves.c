/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Landmark moves: where each AU takes the brows, the lip corners, the lips,
 * the jaw line, the nose and the cheeks, as forward motion in grid pixels.
 * The numbers are rig-tables.c's; this file applies them in the face frame
 * (rig-frame.c). The eyes' landmarks do not move here: the eyelid field
 * moves the lids (rig-eyelids.c).
 *
 * A landmark can receive several moves (the lip corner group, then the
 * lips' midline, then the jaw); each is one frame_delta added in a fixed
 * order. */
#include "rig-private.h"

#include <string.h>

/* Brow points per side, outer end first. */
const int rig_brow_idx[2][RIG_BROW_POINTS] = { { 17, 18, 19, 20, 21 },
                                               { 26, 25, 24, 23, 22 } };

static void
move (rig_moves *m, const face_frame *f, int idx, int side, float out,
      float down)
{
  m->lm[idx] = v_add (m->lm[idx], frame_delta (f, side, out, down));
}

/* Starting from -0 keeps a sum of products bit-identical to writing the
 * products out left to right (-0 + x is x for every x, +0 and -0 too). */
static void
group_motion (rig_group group, const side_au *a, float *out, float *down)
{
  float o = -0.0f, d = -0.0f;
  for (int i = 0; i < rig_n_pulls; i++)
    {
      const rig_pull *p = &rig_pulls[i];
      if (p->group != group)
        continue;
      if (p->out != 0.0f)
        o += p->out * a->au[p->au];
      if (p->down != 0.0f)
        d += p->down * a->au[p->au];
    }
  *out = o, *down = d;
}

/* Applies a point table with the intensities `a`: every point on `side`
 * (0 or 1), or on both sides and the midline when side < 0. */
static void
apply_points (rig_moves *m, const face_frame *f, const rig_point_moves *pm,
              const side_au *a, int side)
{
  float out[RIG_N_GROUPS], down[RIG_N_GROUPS];
  for (int g = 0; g < RIG_N_GROUPS; g++)
    group_motion ((rig_group)g, a, &out[g], &down[g]);
  for (int i = 0; i < pm->n; i++)
    {
      const rig_point_move *p = &pm->moves[i];
      float o = p->out == RIG_NONE ? 0.0f : p->out_share * out[p->out];
      float d = p->down == RIG_NONE ? 0.0f : p->down_share * down[p->down];
      if (p->point[1] < 0)
        {
          if (side <= 0)
            move (m, f, p->point[0], 0, o, d);
          continue;
        }
      for (int s = 0; s < 2; s++)
        if (side < 0 || side == s)
          move (m, f, p->point[s], s, o, d);
    }
}

static void
moves_brows (rig_moves *m, const face_frame *f, int s, const side_au *a)
{
  for (int k = 0; k < RIG_BROW_POINTS; k++)
    {
      float out = -0.0f, down = -0.0f;
      for (int i = 0; i < rig_n_brow_pulls; i++)
        {
          const rig_brow_pull *p = &rig_brow_pulls[i];
          if (p->out[k] != 0.0f)
            out += p->out[k] * a->au[p->au];
          if (p->down[k] != 0.0f)
            down += p->down[k] * a->au[p->au];
        }
      move (m, f, rig_brow_idx[s][k], s, out, down);
    }
}

static void
moves_cheek (rig_moves *m, const face_frame *f, int s, const side_au *a)
{
  float out, down;
  group_motion (RIG_CHEEK, a, &out, &down);
  for (int k = 0; k < N_CHEEK; k++)
    {
      const rig_cheek_point *c = &rig_cheek_points[k];
      m->cheek[s][k] = v_add (m->cheek[s][k],
                              frame_delta (f, s, c->out_share * out,
                                           c->down_share * down));
    }
}

/* The skin beside the lip corner (a pucker draws it in with the corner). */
static void
moves_corner_skin (rig_moves *m, const face_frame *f, int s, const side_au *a)
{
  float out, down;
  group_motion (RIG_CORNER_SKIN, a, &out, &down);
  for (int k = 0; k < N_CORNER_SKIN; k++)
    {
      const rig_cheek_point *c = &rig_corner_skin_points[k];
      m->corner_skin[s][k] = frame_delta (f, s, c->out_share * out,
                                          c->down_share * down);
    }
}

/* AU26 rotates the mandible about the ears: the jaw line's points from the
 * chin (k = 0) outwards on both sides. */
static void
moves_jaw (rig_moves *m, const face_frame *f, const side_au *a)
{
  for (int k = 0; k < RIG_JAW_POINTS; k++)
    {
      float down = -0.0f;
      for (int i = 0; i < rig_n_jaw_pulls; i++)
        if (rig_jaw_pulls[i].down[k] != 0.0f)
          down += rig_jaw_pulls[i].down[k] * a->au[rig_jaw_pulls[i].au];
      for (int s = 0; s < (k ? 2 : 1); s++)
        move (m, f, s ? MIEN_LM_CHIN + k : MIEN_LM_CHIN - k, s, 0, down);
    }
}

void
rig_moves_compute (rig_moves *m, const face_frame *f, const side_au sides[2],
                   const side_au *mid)
{
  memset (m, 0, sizeof *m);
  for (int s = 0; s < 2; s++)
    for (int k = 0; k < N_CHEEK; k++)
      m->cheek_rest[s][k]
          = v_add (f->eye_centre[s],
                   frame_delta (f, s, rig_cheek_points[k].rest_out,
                                rig_cheek_points[k].rest_down));
  for (int s = 0; s < 2; s++)
    {
      moves_brows (m, f, s, &sides[s]);
      apply_points (m, f, &rig_corner_points, &sides[s], s);
      moves_cheek (m, f, s, &sides[s]);
      moves_corner_skin (m, f, s, &sides[s]);
    }
  /* Bilateral lip, jaw and nose AUs act on the midline points too. */
  apply_points (m, f, &rig_lip_points, mid, -1);
  moves_jaw (m, f, mid);
  apply_points (m, f, &rig_jaw_lip_points, mid, -1);
  apply_points (m, f, &rig_nose_points, mid, -1);
}
