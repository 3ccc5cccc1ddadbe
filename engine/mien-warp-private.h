/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared between the fused kernel's two row implementations: the general
 * one in mien-warp.c (any channel count, cubic, texture transport) and the
 * vector one in mien-warp-rows.c (bilinear, 3 or 4 channels, the default
 * path of every frame and of the decomposition). */
#pragma once

#include "mien-image.h"
#include "mien-resample.h"

/* A run of output columns [x_begin, x_end) between two field nodes: the
 * horizontal field taps (i0, i1) are the same for all of them, so the field,
 * the gain and the displacement are affine in the tap weight there. */
typedef struct mien_warp_run {
  int x_begin, x_end;
  int i0, i1;
} mien_warp_run;

typedef struct compose_job {
  const mien_image *coarse;
  const mien_image *residual; /* may be NULL */
  /* Or the residual in 16 bits (mien_residual16's data, out's shape), read
   * by the vector rows only; then residual is NULL. */
  const int16_t *residual16;
  const mien_image *field;    /* may be NULL */
  const mien_image *gain;     /* 1 channel at the field's size; NULL: 1 */
  int cubic;                  /* the residual resampler: Keys cubic or bilinear */
  const float *nodes; /* transport: per field node dx, dy (out pixels), cos, sin */
  mien_image *out;
  int x_begin, x_end, y_begin; /* the region: rows y_begin + [0, n) */
  const mien_lerp_tap *coarse_x, *coarse_y;
  const mien_lerp_tap *field_x, *field_y;
  float scale_x, scale_y;
  /* The vector rows (NULL: the general rows): the horizontal taps as
   * separate arrays (i0 · channels, i1 · channels, w), and the field's runs. */
  const int *coarse_x0, *coarse_x1;
  const float *coarse_xw, *field_xw;
  const mien_warp_run *runs;
  int n_runs;
  /* Where the runs are short (the field magnified less than 16×), pass A
   * reads each pixel's two nodes through these instead: the field's
   * horizontal taps as element offsets (i0 · 2, i1 · 2); NULL: runs. */
  const int *field_x0, *field_x1;
  int isa_level; /* of the vector rows: 4, 3, 2 or 0 (mien-warp-rows.c) */
} compose_job;

/* The vertical halves of the bilinear up-samplings of row y, once per row
 * so that each pixel does only the horizontal half: the coarse image's two
 * rows into coarse_row, and (with a field) the field's and the gain's into
 * field_row and gain_row. Both row implementations start with it. */
static inline __attribute__ ((always_inline)) void
mien_warp_vertical_halves (const compose_job *job, int y, float *coarse_row,
                           float *field_row, float *gain_row, const int C)
{
  const mien_image *coarse = job->coarse, *field = job->field;
  mien_lerp_tap cy = job->coarse_y[y];
  const float *c0 = mien_image_row (coarse, cy.i0);
  const float *c1 = mien_image_row (coarse, cy.i1);
  for (int i = 0; i < coarse->width * C; i++)
    coarse_row[i] = mien_lerp (c0[i], c1[i], cy.w);
  if (field == NULL)
    return;
  mien_lerp_tap fy = job->field_y[y];
  const float *f0 = mien_image_row (field, fy.i0);
  const float *f1 = mien_image_row (field, fy.i1);
  for (int i = 0; i < field->width * 2; i++)
    field_row[i] = mien_lerp (f0[i], f1[i], fy.w);
  if (job->gain != NULL)
    {
      const float *g0 = mien_image_row (job->gain, fy.i0);
      const float *g1 = mien_image_row (job->gain, fy.i1);
      for (int i = 0; i < field->width; i++)
        gain_row[i] = mien_lerp (g0[i], g1[i], fy.w);
    }
}

/* Whether mien_warp_vector_rows can do this job: bilinear, no transport, 3
 * or 4 channels, and element offsets that fit an int. */
int mien_warp_vector_rows_apply (const compose_job *job);
/* The same decision before a job exists: transport counts as on whenever it
 * is asked for (the job has nodes only where the gain fades). */
int mien_warp_vector_rows_case (int width, int height, int channels,
                                int cubic, int transport);

/* Fills the job's vector tables from the four tap tables of
 * mien_warp_compose_ex (coarse x, coarse y, field x, field y, in that order
 * in one array): one allocation, which the caller frees after the rows;
 * NULL when out of memory. */
void *mien_warp_vector_prepare (compose_job *job, const mien_lerp_tap *taps);

/* Rows [begin, end) of the job, as compose_rows in mien-warp.c would, bit
 * for bit; built for several instruction sets and chosen at run time. */
void mien_warp_vector_rows (const compose_job *job, int begin, int end);
