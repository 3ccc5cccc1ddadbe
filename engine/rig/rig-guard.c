/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The guards that make the rig's contract hold for ANY input
 * (mien-generator.h): it owns no part of the face, only the field's edge
 * and its folds.
 * - The border window: F is exactly 0 on the outer MIEN_RIG_ZERO_RING
 *   pixels and rises smoothly (smoothstep over BORDER_RAMP pixels), so the
 *   bilinear up-sampled field is 0 on the whole HD border and paste-back is
 *   seamless.
 * - The fold guard: mien_field_limit_folds (mien-field.c) scales the whole
 *   field by the largest alpha that keeps every cell's corner Jacobian
 *   determinant >= MIEN_RIG_JACOBIAN_MARGIN, a proof of no folds for the
 *   bilinear map ResWarp applies. What the paint reads from the moves and
 *   intensities is scaled by the same alpha, so that the shading follows
 *   the features the guarded field moved. */
#include "mien-rig.h"
#include "rig-private.h"

#define BORDER_RAMP 8.0f

void
apply_border_window (mien_image *field)
{
  for (int y = 0; y < field->height; y++)
    for (int x = 0; x < field->width; x++)
      {
        int d = x < y ? x : y;
        int dx = field->width - 1 - x, dy = field->height - 1 - y;
        d = d < dx ? d : dx, d = d < dy ? d : dy;
        float t = ((float)d - MIEN_RIG_ZERO_RING) / BORDER_RAMP;
        float w = t <= 0.0f ? 0.0f : t >= 1.0f ? 1.0f : t * t * (3.0f - 2.0f * t);
        float *f = field->data + 2 * ((size_t)y * (size_t)field->width + (size_t)x);
        f[0] *= w, f[1] *= w;
      }
}

void
rig_guard_scale_lips (float alpha, rig_moves *m)
{
  for (int k = 0; k < MIEN_LM_INNER_LIPS.count; k++)
    {
      int i = MIEN_LM_INNER_LIPS.first + k;
      m->lm[i] = v_mul (m->lm[i], alpha);
    }
}

void
rig_guard_scale_brows (float alpha, rig_moves *m, side_au sides[2],
                       side_au *mid)
{
  for (int k = 0; k < 2 * RIG_BROW_POINTS; k++)
    {
      int i = MIEN_LM_RIGHT_BROW.first + k;
      m->lm[i] = v_mul (m->lm[i], alpha);
    }
  for (int i = 0; i < MIEN_AU_N_BILATERAL; i++)
    {
      sides[0].au[i] *= alpha;
      sides[1].au[i] *= alpha;
      mid->au[i] *= alpha;
    }
}
