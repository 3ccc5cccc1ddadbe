/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-animator.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "face/mien-iris.h"
#include "mien-landmarks.h"
#include "mien-resample.h"
#include "mien-reswarp-backend.h"
#include "mien-animator-private.h"

/* Beside the decomposition the animator holds one crop-sized image (the HD
 * crop while decomposing, then the crop's output) and the generator's
 * 128² outputs. */
static uint64_t
crop_extra_bytes (const mien_rect *crop, int channels)
{
  uint64_t grid = (uint64_t)MIEN_LOW_RES * MIEN_LOW_RES * sizeof (float);
  return (uint64_t)crop->width * (uint64_t)crop->height * (uint64_t)channels
             * sizeof (float)
         + grid * (uint64_t)(2 * channels + 2);
}

uint64_t
mien_animator_estimate_bytes (const mien_image *photo, const mien_face *face,
                              mien_reswarp_mode mode)
{
  mien_rect crop;
  if (!photo || !face
      || mien_headshot_choose (face, photo->width, photo->height, &crop, NULL)
             != MIEN_OK)
    return 0;
  return mien_decomposition_estimate_bytes (crop.width, crop.height,
                                            photo->channels, MIEN_LOW_RES,
                                            MIEN_LOW_RES, mode)
         + crop_extra_bytes (&crop, photo->channels);
}

static mien_status
animator_prepare (mien_animator *anim, const mien_face *face, mien_error *err)
{
  const mien_image *photo = anim->photo;
  mien_status st = mien_headshot_choose (face, photo->width, photo->height,
                                         &anim->crop, err);
  if (st != MIEN_OK)
    return st;
  /* Refuse before the pyramid is built: what is held meanwhile is the photo
   * and the frame the caller pastes into (its size). */
  uint64_t photo_bytes = (uint64_t)photo->width * (uint64_t)photo->height
                         * (uint64_t)photo->channels * sizeof (float);
  st = mien_decomposition_check_memory (
      anim->crop.width, anim->crop.height, photo->channels, MIEN_LOW_RES,
      MIEN_LOW_RES, anim->mode,
      2 * photo_bytes + crop_extra_bytes (&anim->crop, photo->channels), err);
  if (st != MIEN_OK)
    return st;
  mien_image *hd = mien_image_crop (photo, anim->crop.x, anim->crop.y,
                                    anim->crop.width, anim->crop.height, err);
  if (!hd)
    return err ? err->status : MIEN_ERR_NOMEM;
  anim->rw = mien_device_reswarp_new (hd, MIEN_LOW_RES, MIEN_LOW_RES,
                                      anim->mode, MIEN_DEVICE_RESWARP_DEFAULT,
                                      anim->pool, err);
  mien_image_free (hd);
  if (!anim->rw)
    return err ? err->status : MIEN_ERR_NOMEM;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    anim->grid_landmarks[i]
        = mien_headshot_to_grid (&anim->crop, MIEN_LOW_RES, face->landmarks[i]);
  /* The person matte at each grid node's centre (once per face; without
   * memory for it the rig bounds the head by its fitted shape alone). */
  if (face->head.ok
      && (anim->grid_matte
          = malloc (sizeof (float) * MIEN_LOW_RES * MIEN_LOW_RES)) != NULL)
    for (int y = 0; y < MIEN_LOW_RES; y++)
      for (int x = 0; x < MIEN_LOW_RES; x++)
        {
          mien_point p = mien_headshot_from_grid (
              &anim->crop, MIEN_LOW_RES, (mien_point){ (float)x, (float)y });
          anim->grid_matte[y * MIEN_LOW_RES + x]
              = mien_head_matte_at (&face->head, p.x, p.y);
        }
  st = mien_generator_output_init (&anim->gen_out, MIEN_LOW_RES, MIEN_LOW_RES,
                                   photo->channels, err);
  if (st != MIEN_OK)
    return st;
  anim->crop_out = mien_image_new (anim->crop.width, anim->crop.height,
                                   photo->channels, err);
  return anim->crop_out ? MIEN_OK : (err ? err->status : MIEN_ERR_NOMEM);
}

mien_animator *
mien_animator_new (const mien_image *photo, const mien_face *face,
                   mien_reswarp_mode mode, mien_pool *pool, mien_error *err)
{
  if (!photo || !face)
    {
      mien_error_set (err, MIEN_ERR_INVALID, "animator: missing photo or face");
      return NULL;
    }
  mien_animator *anim = calloc (1, sizeof *anim);
  if (anim)
    {
      anim->mouth_sigma = -1.0f;
      anim->mouth_tongue[0] = -1.0f;
      mien_animator_teeth_reset (anim);
      anim->own_teeth.state = -1;
    }
  if (!anim)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "animator: out of memory");
      return NULL;
    }
  anim->photo = photo;
  anim->mode = mode;
  anim->pool = pool;
  memcpy (anim->eyes, face->eyes, sizeof anim->eyes);
  if (animator_prepare (anim, face, err) != MIEN_OK)
    {
      mien_animator_free (anim);
      return NULL;
    }
  return anim;
}

void
mien_animator_free (mien_animator *anim)
{
  if (!anim)
    return;
  mien_device_reswarp_free (anim->rw);
  mien_generator_output_clear (&anim->gen_out);
  mien_image_free (anim->mouth_base);
  mien_image_free (anim->shade_base);
  mien_image_free (anim->head_fill);
  mien_image_free (anim->head_soft);
  mien_image_free (anim->head_mirror);
  mien_image_free (anim->head_soft_grown);
  mien_image_free (anim->head_grown);
  free (anim->mouth_alpha);
  mien_animator_own_teeth_free (anim);
  mien_image_free (anim->crop_out);
  free (anim->grid_matte);
  if (anim->preview)
    {
      mien_image_free (anim->preview->out);
      mien_image_free (anim->preview->photo);
      free (anim->preview);
    }
  free (anim->gaze);
  free (anim);
}

void
mien_animator_set_other_faces (mien_animator *anim, const mien_face *faces,
                               int n_faces, int self)
{
  anim->n_neighbours = 0;
  float dist[MIEN_GENERATOR_MAX_NEIGHBOURS];
  const mien_point *own = anim->grid_landmarks;
  mien_point own_c = mien_landmarks_mean (own, MIEN_LM_JAW);
  for (int i = 0; faces && i < n_faces; i++)
    {
      if (i == self)
        continue;
      mien_point g[MIEN_N_LANDMARKS];
      float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
      int finite = 1;
      for (int k = 0; k < MIEN_N_LANDMARKS; k++)
        {
          g[k] = mien_headshot_to_grid (&anim->crop, MIEN_LOW_RES,
                                        faces[i].landmarks[k]);
          finite &= isfinite (g[k].x) && isfinite (g[k].y);
          x0 = fminf (x0, g[k].x), x1 = fmaxf (x1, g[k].x);
          y0 = fminf (y0, g[k].y), y1 = fmaxf (y1, g[k].y);
        }
      /* The same face found twice (its eyes on this one's) is not a
       * neighbour; a face whose outline (forehead included) cannot reach
       * the grid does not matter. */
      float size = fmaxf (x1 - x0, y1 - y0);
      mien_point c = mien_landmarks_mean (g, MIEN_LM_JAW);
      float d = hypotf (c.x - own_c.x, c.y - own_c.y);
      if (!finite || d < 0.25f * size || x1 + 0.5f * size < 0.0f
          || y1 + 0.5f * size < 0.0f || x0 - 0.5f * size > MIEN_LOW_RES
          || y0 - 0.5f * size > MIEN_LOW_RES)
        continue;
      /* Insert by distance, dropping the farthest beyond the cap. */
      int at = anim->n_neighbours;
      while (at > 0 && dist[at - 1] > d)
        at--;
      if (at >= MIEN_GENERATOR_MAX_NEIGHBOURS)
        continue;
      int last = anim->n_neighbours < MIEN_GENERATOR_MAX_NEIGHBOURS
                     ? anim->n_neighbours
                     : MIEN_GENERATOR_MAX_NEIGHBOURS - 1;
      for (int j = last; j > at; j--)
        {
          memcpy (anim->neighbours[j], anim->neighbours[j - 1], sizeof g);
          dist[j] = dist[j - 1];
        }
      memcpy (anim->neighbours[at], g, sizeof g);
      dist[at] = d;
      if (anim->n_neighbours < MIEN_GENERATOR_MAX_NEIGHBOURS)
        anim->n_neighbours++;
    }
}

int
mien_animator_get_n_neighbours (const mien_animator *anim)
{
  return anim->n_neighbours;
}

const mien_rect *
mien_animator_get_crop (const mien_animator *anim)
{
  return &anim->crop;
}

const mien_image *
mien_animator_get_low (const mien_animator *anim)
{
  return mien_device_reswarp_get_low (anim->rw);
}

const mien_point *
mien_animator_get_grid_landmarks (const mien_animator *anim)
{
  return anim->grid_landmarks;
}

const float *
mien_animator_get_grid_matte (const mien_animator *anim)
{
  return anim->grid_matte;
}

mien_decomposition *
mien_animator_get_decomposition (mien_animator *anim)
{
  return mien_device_reswarp_get_cpu_decomposition (anim->rw);
}

void
mien_animator_set_residual_fade (mien_animator *anim, int on)
{
  mien_device_reswarp_set_residual_fade (anim->rw, on);
}

mien_device_kind
mien_animator_get_device (const mien_animator *anim)
{
  return mien_device_reswarp_get_kind (anim->rw);
}

mien_reswarp_mode
mien_animator_get_mode (const mien_animator *anim)
{
  return anim->mode;
}

const mien_generator_output *
mien_animator_get_output (const mien_animator *anim)
{
  return &anim->gen_out;
}

/* Where no grid cell within KEEP_REACH cells changed (F = 0 and O^r = I
 * there), the crop gets the photo's own pixels: ResWarp's identity,
 * up(I) + (I^h − up(I)), holds there only to float rounding, and the
 * background beyond a head's region must stay the photo bit for bit
 * (issue #24). A crop pixel reads cells under 1 cell away in vanilla and
 * under 2 in multiscale (paste_rect); 3 covers both. Nothing is kept if the
 * mask cannot be allocated (the crop is then ResWarp's, as before). */
#define KEEP_REACH 3

/* For a head moved as a layer: makes the background's fill (once per
 * photo; without it the frame keeps ResWarp's pixels where the head went)
 * and returns each grid patch's class (mien_animator_head_layer_patches;
 * to free). NULL otherwise, or out of memory. */
static unsigned char *
layer_classes (mien_animator *anim, const mien_generator *gen)
{
  mien_animator_head_fill_update (anim, gen, NULL);
  mien_head_alpha head = mien_animator_head_alpha (anim, gen);
  if (!head.layered || !head.soft)
    return NULL;
  unsigned char *cls = malloc ((size_t)head.gw * (size_t)head.gh);
  if (cls)
    mien_animator_head_layer_patches (&head, cls);
  return cls;
}

/* The grid cells within KEEP_REACH of a changed one (F ≠ 0 or O^r ≠ I), or
 * NULL when none could be allocated. layer (NULL, or a layered head's patch
 * classes, mien_animator_head_layer_patches): a cell whose pixels all lie
 * in PHOTO patches has not changed, whatever F does there (the field's
 * ramp beyond a turned head, which the frame covers with the photo), so
 * ResWarp does not run over it. */
static unsigned char *
changed_near_mask (mien_animator *anim, const unsigned char *layer)
{
  const mien_image *low = mien_device_reswarp_get_low (anim->rw);
  const mien_generator_output *g = &anim->gen_out;
  int gw = low->width, gh = low->height, c = low->channels;
  size_t n = (size_t)gw * (size_t)gh;
  unsigned char *changed = calloc (n, 1), *rows = calloc (n, 1);
  unsigned char *near = calloc (n, 1);
  if (!changed || !rows || !near)
    {
      free (changed), free (rows), free (near);
      return NULL;
    }
  for (int y = 0; y < gh; y++)
    {
      const float *f = mien_image_row (g->field, y);
      const float *r = mien_image_row (g->refined, y);
      const float *i = mien_image_row (low, y);
      for (int x = 0; x < gw; x++)
        {
          int ch = f[2 * x] != 0.0f || f[2 * x + 1] != 0.0f;
          for (int k = 0; k < c && !ch; k++)
            ch = r[x * c + k] != i[x * c + k];
          if (ch && layer)
            {
              /* Cell x's pixels sample patches x − 1 and x (and rows). */
              int photo = 1;
              for (int j = y - 1; j <= y && photo; j++)
                for (int i2 = x - 1; i2 <= x && photo; i2++)
                  {
                    int jj = j < 0 ? 0 : j > gh - 2 ? gh - 2 : j;
                    int ii = i2 < 0 ? 0 : i2 > gw - 2 ? gw - 2 : i2;
                    photo = layer[(size_t)jj * gw + ii] == MIEN_LAYER_PATCH_PHOTO;
                  }
              ch = !photo;
            }
          changed[(size_t)y * gw + x] = (unsigned char)ch;
        }
    }
  /* Dilate by KEEP_REACH: along rows, then along columns. */
  for (int y = 0; y < gh; y++)
    for (int x = 0; x < gw; x++)
      for (int k = -KEEP_REACH; k <= KEEP_REACH; k++)
        if (x + k >= 0 && x + k < gw && changed[(size_t)y * gw + x + k])
          {
            rows[(size_t)y * gw + x] = 1;
            break;
          }
  for (int y = 0; y < gh; y++)
    for (int x = 0; x < gw; x++)
      for (int k = -KEEP_REACH; k <= KEEP_REACH; k++)
        if (y + k >= 0 && y + k < gh && rows[(size_t)(y + k) * gw + x])
          {
            near[(size_t)y * gw + x] = 1;
            break;
          }
  free (changed), free (rows);
  return near;
}

/* keep_photo_in's copy alone, a pixel at a time, for when its tables
 * could not be allocated. */
static void
copy_unchanged_cells (const mien_animator *anim, const unsigned char *near,
                      mien_image *out, const mien_image *src, int src_x,
                      int src_y, mien_rect r)
{
  const mien_image *low = mien_device_reswarp_get_low (anim->rw);
  int gw = low->width, gh = low->height, pc = out->channels;
  for (int y = r.y; y < r.y + r.height; y++)
    {
      const unsigned char *row
          = near + (size_t)((int64_t)y * gh / out->height) * gw;
      float *dst = mien_image_row (out, y);
      const float *s = mien_image_row (src, src_y + y) + (size_t)src_x * pc;
      for (int x = r.x; x < r.x + r.width; x++)
        if (!row[(int64_t)x * gw / out->width])
          memcpy (dst + (size_t)x * pc, s + (size_t)x * pc,
                  sizeof (float) * (size_t)pc);
    }
}

/* out (the crop at some level, W×H) gets src's pixels in region r wherever
 * the cell under the pixel is not near a change, and the head over the
 * photo (mien-animator-head.c) where it is and gen has a head's region;
 * src's pixel (x, y) is at (src_x + x, src_y + y). near is
 * changed_near_mask's; NULL: nothing is kept. layer: a layered head's
 * patch classes (layer_classes), NULL: made here if needed. */
static void
keep_photo_in (mien_animator *anim, const mien_generator *gen,
               const unsigned char *near, const unsigned char *layer,
               mien_image *out, const mien_image *src, int src_x, int src_y,
               mien_rect r)
{
  if (!near)
    return;
  const mien_image *low = mien_device_reswarp_get_low (anim->rw);
  int gw = low->width, gh = low->height;
  int W = out->width, H = out->height, pc = out->channels;
  mien_head_alpha head = mien_animator_head_alpha (anim, gen);
  if (head.gw != gw || head.gh != gh || gw < 2 || gh < 2)
    head.region = NULL;
  /* The cell of each column, and the left node of the grid patch its
   * centre samples bilinearly, once (a division per pixel cost more than
   * the copy). */
  int *cell_x = malloc (sizeof (int) * 2 * (size_t)(r.width > 0 ? r.width : 1));
  /* Patches whose four nodes are all in the region: a = 1 there, nothing
   * to do (most of the head). For a head moved as a layer, each patch's
   * class instead (mien_animator_head_layer_patches), so that only the
   * patches about the moving outline are decided pixel by pixel. */
  int have_layer = head.layered && layer;
  unsigned char *inside = head.region && !have_layer
                              ? malloc ((size_t)gw * (size_t)gh)
                              : NULL;
  if (!cell_x || (head.region && !have_layer && !inside))
    {
      /* The photo where nothing changed is not optional: the caller may
       * have left those pixels to this (changed_bounds). */
      free (cell_x), free (inside);
      copy_unchanged_cells (anim, near, out, src, src_x, src_y, r);
      return;
    }
  int *patch_x = cell_x + (r.width > 0 ? r.width : 1);
  float to_gx = (float)gw / (float)W, to_gy = (float)gh / (float)H;
  for (int x = r.x; x < r.x + r.width; x++)
    {
      cell_x[x - r.x] = (int)((int64_t)x * gw / W);
      float gx = ((float)x + 0.5f) * to_gx - 0.5f;
      int px = gx <= 0.0f ? 0 : (int)gx;
      patch_x[x - r.x] = px < gw - 1 ? px : gw - 2;
    }
  if (inside && head.layered)
    mien_animator_head_layer_patches (&head, inside);
  else if (inside)
    mien_animator_head_inside (&head, inside);
  const unsigned char *table = have_layer ? layer : inside;
  if (head.layered)
    {
      /* The fill's texture is read from the same picture. */
      head.src = src, head.src_x = (float)src_x, head.src_y = (float)src_y;
      head.src_sx = (float)W / (float)gw, head.src_sy = (float)H / (float)gh;
      head.src_w = (float)W, head.src_h = (float)H;
    }
  for (int y = r.y; y < r.y + r.height; y++)
    {
      int cy = (int)((int64_t)y * gh / H);
      const unsigned char *row = near + (size_t)cy * gw;
      float *dst = mien_image_row (out, y);
      const float *s = mien_image_row (src, src_y + y) + (size_t)src_x * pc;
      float gy = ((float)y + 0.5f) * to_gy - 0.5f;
      int py = gy <= 0.0f ? 0 : (int)gy;
      py = py < gh - 1 ? py : gh - 2;
      const unsigned char *in_row = table ? table + (size_t)py * gw : NULL;
      /* A cell's pixels at a time: one copy where nothing changed near. */
      for (int x = r.x, end; x < r.x + r.width; x = end)
        {
          int cell = cell_x[x - r.x];
          for (end = x + 1; end < r.x + r.width && cell_x[end - r.x] == cell;
               end++)
            ;
          if (!row[cell])
            {
              memcpy (dst + (size_t)x * pc, s + (size_t)x * pc,
                      sizeof (float) * (size_t)pc * (size_t)(end - x));
              continue;
            }
          if (head.layered)
            {
              for (int i = x; i < end; i++)
                {
                  unsigned char c = in_row[patch_x[i - r.x]];
                  if (c == MIEN_LAYER_PATCH_HEAD)
                    continue;
                  if (c == MIEN_LAYER_PATCH_PHOTO)
                    memcpy (dst + (size_t)i * pc, s + (size_t)i * pc,
                            sizeof (float) * (size_t)pc);
                  else
                    mien_animator_head_layer_pixel (
                        &head, ((float)i + 0.5f) * to_gx - 0.5f, gy,
                        s + (size_t)i * pc, dst + (size_t)i * pc, pc);
                }
              continue;
            }
          if (!in_row)
            continue;
          for (int i = x; i < end; i++)
            {
              if (in_row[patch_x[i - r.x]])
                continue;
              float *d = dst + (size_t)i * pc;
              const float *p = s + (size_t)i * pc;
              float a = mien_animator_head_keep (
                  &head, ((float)i + 0.5f) * to_gx - 0.5f, gy);
              if (a < 1.0f)
                for (int k = 0; k < pc; k++)
                  d[k] = p[k] + a * (d[k] - p[k]);
            }
        }
    }
  free (cell_x);
  free (inside);
}

/* The part of a W×H picture of the crop (the crop itself or a preview
 * level), inside r, where ResWarp has to run: one rectangle around the
 * pixels of grid cells near a change (near, changed_near_mask). Everywhere
 * else keep_photo_in lays the photo's own pixels, so ResWarp's there were
 * thrown away: a smile and a dropped jaw change about the lower half of a
 * portrait's crop. Empty when nothing changed. A pixel x is in cell
 * x · gw / W (keep_photo_in's rule), so cells c0 … c1 cover the pixels
 * from ⌈c0 · W / gw⌉ to before ⌈(c1 + 1) · W / gw⌉. */
static mien_rect
changed_bounds (const mien_animator *anim, const unsigned char *near, int W,
                int H, mien_rect r)
{
  /* MIEN_ANIMATOR_WHOLE_CROP=1: ResWarp over all of r, as before session
   * 33, so that a test can compare the two bit for bit. */
  const char *whole = getenv ("MIEN_ANIMATOR_WHOLE_CROP");
  if (whole != NULL && strcmp (whole, "1") == 0)
    return r;
  const mien_image *low = mien_device_reswarp_get_low (anim->rw);
  int gw = low->width, gh = low->height;
  int c0 = gw, c1 = -1, l0 = gh, l1 = -1;
  for (int y = 0; y < gh; y++)
    for (int x = 0; x < gw; x++)
      if (near[(size_t)y * gw + x])
        {
          c0 = x < c0 ? x : c0, c1 = x > c1 ? x : c1;
          l0 = y < l0 ? y : l0, l1 = y > l1 ? y : l1;
        }
  if (c1 < 0)
    return (mien_rect){ r.x, r.y, 0, 0 };
  int x0 = (int)(((int64_t)c0 * W + gw - 1) / gw);
  int x1 = (int)(((int64_t)(c1 + 1) * W + gw - 1) / gw);
  int y0 = (int)(((int64_t)l0 * H + gh - 1) / gh);
  int y1 = (int)(((int64_t)(l1 + 1) * H + gh - 1) / gh);
  x0 = x0 > r.x ? x0 : r.x, y0 = y0 > r.y ? y0 : r.y;
  x1 = x1 < r.x + r.width ? x1 : r.x + r.width;
  y1 = y1 < r.y + r.height ? y1 : r.y + r.height;
  if (x1 <= x0 || y1 <= y0)
    return (mien_rect){ r.x, r.y, 0, 0 };
  return (mien_rect){ x0, y0, x1 - x0, y1 - y0 };
}

void
mien_animator_prepare_generator (mien_animator *anim, mien_generator *gen)
{
  mien_generator_set_neighbours (gen, anim->neighbours[0], anim->n_neighbours);
  mien_generator_set_head_matte (gen, anim->grid_matte, MIEN_LOW_RES,
                                 MIEN_LOW_RES);
  mien_generator_set_photo_blur (gen, mien_animator_photo_blur (anim));
}

/* After the generator (st its status): the O^r the frame is composed
 * from, without the paint the animator lays again at the frame's own
 * resolution (the skin's shading, then the mouth interior, the reverse
 * of the order the rig painted them in). NULL: st failed, or out of
 * memory (err). */
static const mien_image *
compose_refined (mien_animator *anim, mien_status st, mien_error *err)
{
  if (st != MIEN_OK)
    return NULL;
  const mien_image *ref
      = mien_animator_shade_refined (anim, anim->gen_out.refined, err);
  anim->composed_from = ref ? mien_animator_mouth_refined (anim, ref, err)
                            : NULL;
  mien_animator_own_teeth_frame (anim);
  return anim->composed_from;
}

mien_status
mien_animator_render_crop (mien_animator *anim, mien_generator *gen,
                           const mien_driving *c, const mien_image **crop_out,
                           const mien_generator_output **gen_out,
                           mien_error *err)
{
  const mien_image *low = mien_device_reswarp_get_low (anim->rw);
  mien_driving no_gaze;
  int move_irises;
  const mien_driving *cg = mien_animator_gaze_begin (anim, c, &no_gaze,
                                                     &move_irises);
  /* Every frame: the generator may be shared by animators of other faces. */
  mien_animator_prepare_generator (anim, gen);
  mien_animator_mouth_reset (anim);
  mien_animator_shade_reset (anim);
  mien_status st = mien_generator_generate (gen, low, cg, anim->grid_landmarks,
                                            &anim->gen_out, anim->pool, err);
  const mien_image *refined = compose_refined (anim, st, err);
  if (st == MIEN_OK && refined == NULL)
    st = err ? err->status : MIEN_ERR_NOMEM;
  mien_rect whole = { 0, 0, anim->crop.width, anim->crop.height };
  /* ResWarp only where something changed near (changed_bounds); the photo
   * everywhere else. Without the mask, or a backend that renders no
   * regions (CUDA), the whole crop. */
  unsigned char *layer = st == MIEN_OK ? layer_classes (anim, gen) : NULL;
  unsigned char *near = st == MIEN_OK ? changed_near_mask (anim, layer) : NULL;
  mien_rect todo = near ? changed_bounds (anim, near, whole.width,
                                          whole.height, whole)
                        : whole;
  if (st == MIEN_OK && todo.width > 0)
    {
      if (near && mien_device_reswarp_has_frame_level (anim->rw))
        st = mien_device_reswarp_frame_level (anim->rw, refined,
                                              anim->gen_out.field, 0, &todo,
                                              NULL, anim->crop_out, err);
      else
        st = mien_device_reswarp_frame (anim->rw, refined,
                                        anim->gen_out.field, anim->crop_out,
                                        err);
    }
  if (st != MIEN_OK)
    {
      free (near), free (layer);
      return st;
    }
  keep_photo_in (anim, gen, near, layer, anim->crop_out, anim->photo,
                 anim->crop.x, anim->crop.y, whole);
  free (near), free (layer);
  mien_animator_mouth_paint (anim, anim->crop_out, 1.0f, whole);
  mien_animator_own_teeth_paint (anim, anim->crop_out, 1.0f, whole);
  st = mien_animator_brows_paint (anim, anim->crop_out, 1.0f, whole, err);
  if (st == MIEN_OK)
    st = mien_animator_shade_paint (anim, anim->crop_out, 1.0f, whole, err);
  if (st == MIEN_OK && move_irises)
    st = mien_animator_gaze_move (
        anim, anim->crop_out, 1.0f,
        (mien_rect){ 0, 0, anim->crop.width, anim->crop.height }, c, err);
  if (st != MIEN_OK)
    return st;
  if (crop_out)
    *crop_out = anim->crop_out;
  if (gen_out)
    *gen_out = &anim->gen_out;
  return MIEN_OK;
}

static int
crop_levels (const mien_animator *anim, mien_level_size *sizes)
{
  return mien_pyramid_level_sizes (anim->crop.width, anim->crop.height,
                                   MIEN_LOW_RES, MIEN_LOW_RES, sizes,
                                   MIEN_PYRAMID_MAX_LEVELS + 1);
}

int
mien_animator_get_n_levels (const mien_animator *anim)
{
  mien_level_size sizes[MIEN_PYRAMID_MAX_LEVELS + 1];
  return crop_levels (anim, sizes);
}

mien_level_size
mien_animator_get_level_size (const mien_animator *anim, int level)
{
  mien_level_size sizes[MIEN_PYRAMID_MAX_LEVELS + 1];
  int n = crop_levels (anim, sizes);
  if (level < 0 || level >= n)
    return (mien_level_size){ 0, 0 };
  return sizes[level];
}

/* The frame and the photo at a coarser level (kept until another level is
 * asked for): the photo is the crop area-averaged, as I is to the grid. */
static mien_status
prepare_level (mien_animator *anim, int level, mien_error *err)
{
  if (!anim->preview)
    anim->preview = calloc (1, sizeof *anim->preview);
  struct animator_preview *p = anim->preview;
  if (!p)
    return mien_error_set (err, MIEN_ERR_NOMEM, "animator: out of memory");
  if (p->level == level && p->out && p->photo)
    return MIEN_OK;
  mien_image_free (p->out);
  mien_image_free (p->photo);
  p->out = p->photo = NULL;
  p->level = 0;
  mien_level_size size = mien_animator_get_level_size (anim, level);
  int c = anim->photo->channels;
  mien_image *hd = mien_image_crop (anim->photo, anim->crop.x, anim->crop.y,
                                    anim->crop.width, anim->crop.height, err);
  if (!hd)
    return err ? err->status : MIEN_ERR_NOMEM;
  p->photo = mien_image_new (size.width, size.height, c, err);
  mien_status st = p->photo ? mien_downsample_area (hd, p->photo, anim->pool,
                                                    err)
                            : MIEN_ERR_NOMEM;
  mien_image_free (hd);
  if (st == MIEN_OK)
    {
      p->out = mien_image_new_zeroed (size.width, size.height, c, err);
      st = p->out ? MIEN_OK : MIEN_ERR_NOMEM;
    }
  if (st != MIEN_OK)
    {
      mien_image_free (p->photo);
      p->photo = NULL;
      return st;
    }
  p->level = level;
  return MIEN_OK;
}

mien_status
mien_animator_render_preview (mien_animator *anim, mien_generator *gen,
                              const mien_driving *c, int level,
                              const mien_rect *region, const mien_image **out,
                              mien_error *err)
{
  int n_levels = mien_animator_get_n_levels (anim);
  if (level < 0 || level >= n_levels)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "animator: no pyramid level %d (%d levels)", level,
                           n_levels);
  mien_level_size size = mien_animator_get_level_size (anim, level);
  mien_rect r = { 0, 0, size.width, size.height };
  if (region && region->width > 0 && region->height > 0)
    r = *region;
  if (r.x < 0 || r.y < 0 || r.width < 0 || r.height < 0
      || r.x > size.width - r.width || r.y > size.height - r.height)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "animator: the region %d×%d at (%d, %d) is not "
                           "inside level %d (%d×%d)", r.width, r.height, r.x,
                           r.y, level, size.width, size.height);
  mien_status st = MIEN_OK;
  if (level > 0)
    st = prepare_level (anim, level, err);
  if (st != MIEN_OK)
    return st;
  mien_image *dst = level == 0 ? anim->crop_out : anim->preview->out;
  if (!mien_device_reswarp_has_frame_level (anim->rw))
    {
      /* A backend without preview levels: the full crop, area-averaged. */
      st = mien_animator_render_crop (anim, gen, c, NULL, NULL, err);
      if (st == MIEN_OK && level > 0)
        st = mien_downsample_area (anim->crop_out, dst, anim->pool, err);
      if (st == MIEN_OK && out)
        *out = dst;
      return st;
    }
  const mien_image *low = mien_device_reswarp_get_low (anim->rw);
  mien_driving no_gaze;
  int move_irises;
  const mien_driving *cg = mien_animator_gaze_begin (anim, c, &no_gaze,
                                                     &move_irises);
  mien_animator_prepare_generator (anim, gen);
  mien_animator_mouth_reset (anim);
  mien_animator_shade_reset (anim);
  st = mien_generator_generate (gen, low, cg, anim->grid_landmarks,
                                &anim->gen_out, anim->pool, err);
  const mien_image *refined = compose_refined (anim, st, err);
  if (st == MIEN_OK && refined == NULL)
    st = err ? err->status : MIEN_ERR_NOMEM;
  /* As render_crop: ResWarp only where something changed near. */
  unsigned char *layer = st == MIEN_OK ? layer_classes (anim, gen) : NULL;
  unsigned char *near = st == MIEN_OK ? changed_near_mask (anim, layer) : NULL;
  mien_rect todo = near ? changed_bounds (anim, near, size.width,
                                          size.height, r)
                        : r;
  if (st == MIEN_OK && todo.width > 0)
    st = mien_device_reswarp_frame_level (anim->rw, refined,
                                          anim->gen_out.field, level, &todo,
                                          level > 0 ? anim->preview->photo
                                                    : NULL,
                                          dst, err);
  if (st != MIEN_OK)
    {
      free (near), free (layer);
      return st;
    }
  if (level == 0)
    keep_photo_in (anim, gen, near, layer, dst, anim->photo, anim->crop.x,
                   anim->crop.y, r);
  else
    keep_photo_in (anim, gen, near, layer, dst, anim->preview->photo, 0, 0,
                   r);
  free (near), free (layer);
  float scale = (float)size.width / (float)anim->crop.width;
  mien_animator_mouth_paint (anim, dst, scale, r);
  mien_animator_own_teeth_paint (anim, dst, scale, r);
  st = mien_animator_brows_paint (anim, dst, scale, r, err);
  if (st == MIEN_OK)
    st = mien_animator_shade_paint (anim, dst, scale, r, err);
  /* The irises at the level: the landmarks scaled to its pixels. */
  if (st == MIEN_OK && move_irises)
    st = mien_animator_gaze_move (anim, dst,
                                  (float)size.width / (float)anim->crop.width,
                                  r, c, err);
  if (st != MIEN_OK)
    return st;
  if (out)
    *out = dst;
  return MIEN_OK;
}

/* Grid cells the frame can differ in: F ≠ 0 or O^r ≠ I. Returns 0 if none. */
static int
changed_cells (const mien_generator_output *g, const mien_image *low,
               int *x0, int *y0, int *x1, int *y1)
{
  *x0 = low->width, *y0 = low->height, *x1 = -1, *y1 = -1;
  int c = low->channels;
  for (int y = 0; y < low->height; y++)
    {
      const float *f = mien_image_row (g->field, y);
      const float *r = mien_image_row (g->refined, y);
      const float *i = mien_image_row (low, y);
      for (int x = 0; x < low->width; x++)
        {
          int changed = f[2 * x] != 0.0f || f[2 * x + 1] != 0.0f;
          for (int k = 0; k < c && !changed; k++)
            changed = r[x * c + k] != i[x * c + k];
          if (changed)
            {
              *x0 = x < *x0 ? x : *x0, *x1 = x > *x1 ? x : *x1;
              *y0 = y < *y0 ? y : *y0, *y1 = y > *y1 ? y : *y1;
            }
        }
    }
  return *x1 >= 0;
}

/* Crop pixels that changed cells can reach. Vanilla: a crop pixel reads
 * the two cells around its centre, so the reach is under 1 cell. Multiscale:
 * each 2× bilinear step reaches under 1 pixel of its own level, and
 * 1 + 1/2 + 1/4 + … < 2 cells. 3 cells of growth covers both. */
static mien_rect
paste_rect (const mien_animator *anim)
{
  int x0, y0, x1, y1;
  const mien_image *low = mien_device_reswarp_get_low (anim->rw);
  if (!changed_cells (&anim->gen_out, low, &x0, &y0, &x1, &y1))
    return (mien_rect){ anim->crop.x, anim->crop.y, 0, 0 };
  x0 -= 3, y0 -= 3, x1 += 4, y1 += 4; /* x1, y1 now exclusive */
  double fx = (double)anim->crop.width / low->width;
  double fy = (double)anim->crop.height / low->height;
  int px0 = (int)(x0 * fx), py0 = (int)(y0 * fy);
  int px1 = (int)(x1 * fx + 1.0), py1 = (int)(y1 * fy + 1.0);
  px0 = px0 < 0 ? 0 : px0, py0 = py0 < 0 ? 0 : py0;
  px1 = px1 > anim->crop.width ? anim->crop.width : px1;
  py1 = py1 > anim->crop.height ? anim->crop.height : py1;
  return (mien_rect){ anim->crop.x + px0, anim->crop.y + py0, px1 - px0,
                      py1 - py0 };
}

static void
copy_rect (const mien_image *src, int sx, int sy, mien_image *dst, int dx,
           int dy, int w, int h)
{
  size_t n = (size_t)w * (size_t)dst->channels * sizeof (float);
  for (int y = 0; y < h; y++)
    memcpy (mien_image_row (dst, dy + y) + (size_t)dx * dst->channels,
            mien_image_row (src, sy + y) + (size_t)sx * src->channels, n);
}

static mien_status
check_frame (const mien_animator *anim, const mien_image *frame,
             mien_error *err)
{
  if (!frame || !mien_image_same_shape (frame, anim->photo))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "animator: the frame must have the photo's shape");
  return MIEN_OK;
}

/* The photo's pixels into frame over rectangle a, except where b lies
 * (b is about to be pasted over): at most four bands, the rows of a above
 * and below b, and beside b on the rows they share. */
static void
restore_outside (const mien_animator *anim, mien_rect a, mien_rect b,
                 mien_image *frame)
{
  int ax1 = a.x + a.width, ay1 = a.y + a.height;
  int bx0 = b.x > a.x ? b.x : a.x, by0 = b.y > a.y ? b.y : a.y;
  int bx1 = b.x + b.width < ax1 ? b.x + b.width : ax1;
  int by1 = b.y + b.height < ay1 ? b.y + b.height : ay1;
  if (b.width <= 0 || b.height <= 0 || bx1 <= bx0 || by1 <= by0)
    {
      copy_rect (anim->photo, a.x, a.y, frame, a.x, a.y, a.width, a.height);
      return;
    }
  /* Above, below, then left and right of the overlap. */
  copy_rect (anim->photo, a.x, a.y, frame, a.x, a.y, a.width, by0 - a.y);
  copy_rect (anim->photo, a.x, by1, frame, a.x, by1, a.width, ay1 - by1);
  copy_rect (anim->photo, a.x, by0, frame, a.x, by0, bx0 - a.x, by1 - by0);
  copy_rect (anim->photo, bx1, by0, frame, bx1, by0, ax1 - bx1, by1 - by0);
}

/* Puts the photo back where the previous paste went (but for what this
 * paste covers: restoring all of it first copied the overlap twice), then
 * pastes r of `from` (crop-sized) there. */
static void
paste (mien_animator *anim, const mien_image *from, mien_rect r,
       mien_image *frame)
{
  mien_rect old = anim->last_paste;
  if (old.width > 0 && old.height > 0)
    restore_outside (anim, old, r, frame);
  if (r.width > 0 && r.height > 0)
    copy_rect (from, r.x - anim->crop.x, r.y - anim->crop.y, frame, r.x, r.y,
               r.width, r.height);
  anim->last_paste = r;
}

mien_status
mien_animator_render (mien_animator *anim, mien_generator *gen,
                      const mien_driving *c, mien_image *frame,
                      mien_rect *pasted, mien_error *err)
{
  mien_status st = check_frame (anim, frame, err);
  if (st == MIEN_OK)
    st = mien_animator_render_crop (anim, gen, c, NULL, NULL, err);
  if (st != MIEN_OK)
    return st;
  mien_rect r = paste_rect (anim);
  /* The irises gaze moved, where the field is 0 (gaze alone) too. */
  if (anim->gaze && anim->gaze->touched.width > 0)
    {
      mien_rect t = anim->gaze->touched;
      t.x += anim->crop.x, t.y += anim->crop.y;
      if (r.width <= 0 || r.height <= 0)
        r = t;
      else
        {
          int x1 = r.x + r.width > t.x + t.width ? r.x + r.width
                                                 : t.x + t.width;
          int y1 = r.y + r.height > t.y + t.height ? r.y + r.height
                                                   : t.y + t.height;
          r.x = r.x < t.x ? r.x : t.x, r.y = r.y < t.y ? r.y : t.y;
          r.width = x1 - r.x, r.height = y1 - r.y;
        }
    }
  paste (anim, anim->crop_out, r, frame);
  if (pasted)
    *pasted = anim->last_paste;
  return MIEN_OK;
}

mien_status
mien_animator_paste (mien_animator *anim, const mien_image *crop,
                     mien_image *frame, mien_rect *pasted, mien_error *err)
{
  mien_status st = check_frame (anim, frame, err);
  if (st != MIEN_OK)
    return st;
  if (!crop || crop->width != anim->crop.width
      || crop->height != anim->crop.height
      || crop->channels != anim->photo->channels)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "animator: the image to paste must have the "
                           "crop's size and the photo's channels");
  paste (anim, crop, anim->crop, frame);
  if (pasted)
    *pasted = anim->crop;
  return MIEN_OK;
}

mien_status
mien_animator_restore (mien_animator *anim, mien_image *frame,
                       mien_error *err)
{
  mien_status st = check_frame (anim, frame, err);
  if (st == MIEN_OK)
    paste (anim, NULL, (mien_rect){ anim->crop.x, anim->crop.y, 0, 0 },
           frame);
  return st;
}
