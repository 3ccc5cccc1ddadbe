/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The headshot crop: square, inside the photo, covering the face with
 * margin, shifted near edges, shrunk only for small photos. */
#include <math.h>
#include <string.h>

#include "mien-headshot.h"
#include "mien-reswarp.h"
#include "mien-test.h"

/* A frontal face: eyes 40 px apart around (cx, cy), chin 75 px below. */
static mien_face
synthetic_face (float cx, float cy)
{
  mien_face f;
  memset (&f, 0, sizeof f);
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    f.landmarks[i] = (mien_point){ cx, cy + 30.0f };
  for (int i = 36; i < 42; i++)
    f.landmarks[i] = (mien_point){ cx - 20.0f, cy };
  for (int i = 42; i < 48; i++)
    f.landmarks[i] = (mien_point){ cx + 20.0f, cy };
  f.landmarks[0] = (mien_point){ cx - 45.0f, cy };
  f.landmarks[16] = (mien_point){ cx + 45.0f, cy };
  f.landmarks[8] = (mien_point){ cx, cy + 75.0f };
  return f;
}

static int
inside (const mien_rect *r, int w, int h)
{
  return r->x >= 0 && r->y >= 0 && r->x + r->width <= w && r->y + r->height <= h;
}

int
main (void)
{
  mien_rect r;
  mien_face f = synthetic_face (500.0f, 400.0f);
  CHECK (mien_headshot_choose (&f, 1000, 1000, &r, NULL) == MIEN_OK, "centre");
  CHECK (r.width == r.height && inside (&r, 1000, 1000), "square inside");
  /* Hair up to ~2 eye distances above the eyes, chin + a dropped jaw and
   * some neck below, ears at the sides. */
  CHECK (r.x < 500 - 45 - 40 && r.x + r.width > 500 + 45 + 40 && r.y < 400 - 80
             && r.y + r.height > 400 + 75 + 25,
         "head with margin: %d %d %d", r.x, r.y, r.width);
  int side = r.width;
  f = synthetic_face (30.0f, 20.0f); /* near the top-left corner: shifted */
  CHECK (mien_headshot_choose (&f, 1000, 800, &r, NULL) == MIEN_OK, "corner");
  CHECK (r.x == 0 && r.y == 0 && r.width == side, "shifted, not shrunk: %d", r.width);
  f = synthetic_face (100.0f, 80.0f); /* photo smaller than the head box */
  CHECK (mien_headshot_choose (&f, 300, 200, &r, NULL) == MIEN_OK, "small");
  CHECK (r.width == 200 && inside (&r, 300, 200), "shrunk to the photo: %d", r.width);
  mien_face tiny = synthetic_face (500.0f, 500.0f);
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    tiny.landmarks[i].x = 500.0f + (tiny.landmarks[i].x - 500.0f) * 0.1f,
    tiny.landmarks[i].y = 500.0f + (tiny.landmarks[i].y - 500.0f) * 0.1f;
  CHECK (mien_headshot_choose (&tiny, 1000, 1000, &r, NULL) == MIEN_OK
             && r.width == MIEN_LOW_RES, "at least 128: %d", r.width);
  f.landmarks[40].x = NAN;
  CHECK (mien_headshot_choose (&f, 300, 200, &r, NULL) == MIEN_ERR_INVALID, "NaN");
  mien_point p = { 123.4f, 56.7f };
  mien_rect c = { 100, 40, 256, 256 };
  mien_point q = mien_headshot_from_grid (&c, 128, mien_headshot_to_grid (&c, 128, p));
  CHECK (fabsf (q.x - p.x) < 1e-4f && fabsf (q.y - p.y) < 1e-4f, "grid round trip");
  return mien_test_exit_code ();
}
