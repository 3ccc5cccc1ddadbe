/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MienPreview: the photo in a GtkGLArea with the animated face crop drawn
 * over it by shaders/preview.frag, zoom (fit, 100 %, wheel around the
 * pointer) and pan, and the compare views (split with a draggable divider,
 * difference heat map, before). Textures are uploaded only when their
 * content changes; a redraw for zoom or pan uploads nothing new.
 *
 * The photo is a pyramid of tiles (mien-photo-tiles.h), built on a thread
 * when the photo is set: each frame draws the level that matches the zoom
 * and uploads at most a few of its visible tiles, over the coarsest level
 * until they are all there. One 4K texture with its mipmaps, allocated and
 * filled in one frame, stalled the main loop 0.3–1 s on a software GL. */
#include "mien-preview.h"
#include "mien-photo-tiles.h"

#include <epoxy/gl.h>
#include <math.h>
#include <string.h>

#define MIN_ZOOM 0.02
#define MAX_ZOOM 32.0
#define DIVIDER_GRAB_PX 8.0

struct _MienPreview {
  GtkGLArea parent_instance;

  /* What to show (CPU side). */
  GBytes *photo;
  int photo_w, photo_h;
  GBytes *result_a, *result_b;
  int crop_x, crop_y, crop_w, crop_h;
  int result_w, result_h; /* pixels in result_a/b (≤ the crop's size) */
  gboolean result_dirty;
  /* The photo's pyramid (NULL while it is being built) and, per level and
   * tile, its texture (0: not uploaded yet). */
  MienPhotoPyramid *pyramid;
  guint **tiles;
  GCancellable *pyramid_cancellable;
  guint redraw_tick;
  gsize photo_frame_bytes_max; /* the most photo texels uploaded in a frame */
  /* Per result texture (a, b): the picture last given (its serial and
   * version), whether the texture needs it whole, else the union of the
   * dirty rectangles not yet uploaded. */
  struct {
    guint64 serial, version;
    gboolean full;
    int dx0, dy0, dx1, dy1; /* empty when dx1 <= dx0 */
  } layer[2];
  guint64 uploaded_bytes;

  MienPreviewView view;
  double divider;
  double zoom;            /* 0 = fit */
  double center_x, center_y; /* photo pixel at the view centre */

  /* Gesture state. */
  gboolean dragging_divider;
  double drag_start_cx, drag_start_cy;
  double pointer_x, pointer_y;

  /* The faces found, outlined while the pointer is over the photo (they
   * are what a click chooses between); the animated one in the accent
   * colour. */
  MienPreviewFace *faces;
  int n_faces, active_face;
  gboolean hovering;

  /* GL objects, valid between realize and unrealize. */
  guint program, vao, vbo;
  guint tex_a, tex_b;
  int tex_size[3][2]; /* allocated size of each result texture (1, 2) */
  gboolean gl_ok;
};

G_DEFINE_FINAL_TYPE (MienPreview, mien_preview, GTK_TYPE_GL_AREA)

enum { PROP_0, PROP_VIEW, PROP_DIVIDER, PROP_ZOOM, N_PROPS };
static GParamSpec *properties[N_PROPS];
enum { SIGNAL_PHOTO_CLICKED, SIGNAL_VIEW_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- geometry ------------------------------------------------------------ */

static double
effective_scale (MienPreview *self)
{
  if (self->zoom > 0.0)
    return self->zoom;
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));
  if (self->photo_w <= 0 || w <= 0 || h <= 0)
    return 1.0;
  return MIN ((double)w / self->photo_w, (double)h / self->photo_h);
}

static void
view_center (MienPreview *self, double *cx, double *cy)
{
  if (self->zoom > 0.0)
    *cx = self->center_x, *cy = self->center_y;
  else
    *cx = self->photo_w / 2.0, *cy = self->photo_h / 2.0;
}

/* Widget coordinates → photo pixels. */
static void
widget_to_photo (MienPreview *self, double wx, double wy, double *px,
                 double *py)
{
  double s = effective_scale (self), cx, cy;
  view_center (self, &cx, &cy);
  *px = cx + (wx - gtk_widget_get_width (GTK_WIDGET (self)) / 2.0) / s;
  *py = cy + (wy - gtk_widget_get_height (GTK_WIDGET (self)) / 2.0) / s;
}

static void
clamp_center (MienPreview *self)
{
  self->center_x = CLAMP (self->center_x, 0, self->photo_w);
  self->center_y = CLAMP (self->center_y, 0, self->photo_h);
}

/* ---- GL ------------------------------------------------------------------ */

static char *
load_shader_source (const char *name, gboolean es)
{
  g_autofree char *path = g_strdup_printf ("/io/github/mien/Mien/shaders/%s",
                                           name);
  g_autoptr (GBytes) bytes = g_resources_lookup_data (path, 0, NULL);
  if (bytes == NULL)
    return NULL;
  const char *header = es ? "#version 300 es\nprecision highp float;\n"
                          : "#version 330 core\n";
  return g_strdup_printf ("%s%.*s", header, (int)g_bytes_get_size (bytes),
                          (const char *)g_bytes_get_data (bytes, NULL));
}

static guint
compile_shader (GLenum type, const char *source, GError **error)
{
  guint shader = glCreateShader (type);
  glShaderSource (shader, 1, &source, NULL);
  glCompileShader (shader);
  int ok = 0;
  glGetShaderiv (shader, GL_COMPILE_STATUS, &ok);
  if (!ok)
    {
      char log[1024] = "";
      glGetShaderInfoLog (shader, sizeof log, NULL, log);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "preview shader failed to compile: %s", log);
      glDeleteShader (shader);
      return 0;
    }
  return shader;
}

static gboolean
build_program (MienPreview *self, gboolean es, GError **error)
{
  g_autofree char *vs_src = load_shader_source ("preview.vert", es);
  g_autofree char *fs_src = load_shader_source ("preview.frag", es);
  if (vs_src == NULL || fs_src == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "preview shaders missing from the resources");
      return FALSE;
    }
  guint vs = compile_shader (GL_VERTEX_SHADER, vs_src, error);
  guint fs = vs ? compile_shader (GL_FRAGMENT_SHADER, fs_src, error) : 0;
  if (!vs || !fs)
    {
      if (vs)
        glDeleteShader (vs);
      return FALSE;
    }
  self->program = glCreateProgram ();
  glAttachShader (self->program, vs);
  glAttachShader (self->program, fs);
  glBindAttribLocation (self->program, 0, "position");
  glLinkProgram (self->program);
  glDeleteShader (vs);
  glDeleteShader (fs);
  int ok = 0;
  glGetProgramiv (self->program, GL_LINK_STATUS, &ok);
  if (!ok)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "preview shaders failed to link");
      return FALSE;
    }
  return TRUE;
}

static guint
new_texture (void)
{
  guint tex;
  glGenTextures (1, &tex);
  glBindTexture (GL_TEXTURE_2D, tex);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
  /* Nearest when magnified: at 400 % the user wants to see pixels, pores. */
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  return tex;
}

/* Uploads tight RGB rows; re-uses the texture's storage when the size is
 * unchanged (every frame of a drag), which avoids a reallocation per frame. */
static void
upload_rgb8 (guint tex, GBytes *bytes, int w, int h, int *tex_w, int *tex_h)
{
  glBindTexture (GL_TEXTURE_2D, tex);
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  const void *data = bytes ? g_bytes_get_data (bytes, NULL) : NULL;
  if (*tex_w == w && *tex_h == h)
    glTexSubImage2D (GL_TEXTURE_2D, 0, 0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE,
                     data);
  else
    glTexImage2D (GL_TEXTURE_2D, 0, GL_RGB8, w, h, 0, GL_RGB, GL_UNSIGNED_BYTE,
                  data);
  *tex_w = w, *tex_h = h;
}

/* ---- the photo's tiles ---------------------------------------------------- */

/* Deletes the tiles' textures (the GL context is current); the pyramid
 * stays, and the tiles are uploaded again as they are seen. */
static void
delete_tiles (MienPreview *self)
{
  if (self->pyramid == NULL || self->tiles == NULL)
    return;
  for (int k = 0; k < self->pyramid->n_levels; k++)
    {
      const MienPhotoLevel *l = &self->pyramid->levels[k];
      for (int i = 0; i < l->nx * l->ny; i++)
        if (self->tiles[k][i] != 0)
          {
            glDeleteTextures (1, &self->tiles[k][i]);
            self->tiles[k][i] = 0;
          }
    }
}

/* Drops the photo's pyramid and its textures. */
static void
clear_pyramid (MienPreview *self)
{
  g_cancellable_cancel (self->pyramid_cancellable);
  g_clear_object (&self->pyramid_cancellable);
  if (self->pyramid == NULL)
    return;
  if (self->gl_ok && gtk_widget_get_realized (GTK_WIDGET (self)))
    {
      gtk_gl_area_make_current (GTK_GL_AREA (self));
      delete_tiles (self);
    }
  for (int k = 0; k < self->pyramid->n_levels; k++)
    g_free (self->tiles[k]);
  g_clear_pointer (&self->tiles, g_free);
  g_clear_pointer (&self->pyramid, mien_photo_pyramid_free);
}

/* Every texture the shader samples has this sampler state (new_texture)
 * and is RGB8 of a size that is not a power of two: llvmpipe compiles a
 * shader variant per such state, ~50–100 ms on the main thread, so there
 * is one, compiled when the widget is realized (warm_up). */
static gsize
upload_tile (MienPreview *self, int k, int index)
{
  const MienPhotoLevel *l = &self->pyramid->levels[k];
  guint8 *pixels = g_malloc (MIEN_PHOTO_TILE_BYTES);
  mien_photo_tile_pixels (self->pyramid, k, index % l->nx, index / l->nx,
                          pixels);
  guint tex = new_texture ();
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D (GL_TEXTURE_2D, 0, GL_RGB8, MIEN_PHOTO_TILE_TEXTURE,
                MIEN_PHOTO_TILE_TEXTURE, 0, GL_RGB, GL_UNSIGNED_BYTE, pixels);
  g_free (pixels);
  self->tiles[k][index] = tex;
  return MIEN_PHOTO_TILE_BYTES;
}

static gboolean
redraw_on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  MIEN_PREVIEW (widget)->redraw_tick = 0;
  gtk_widget_queue_draw (widget);
  return G_SOURCE_REMOVE;
}

/* Tile `index` of level k as a quad: the core's part of the photo, and
 * where the texture (core and border) lies in photo uv. */
static void
draw_tile (MienPreview *self, int k, int index, int loc_rect, int loc_tex)
{
  const MienPhotoLevel *l = &self->pyramid->levels[k];
  MienPhotoRect c, t;
  mien_photo_tile_rects (self->pyramid, k, index % l->nx, index / l->nx, &c,
                         &t);
  /* The same expression for an edge two tiles share: no seam. */
  float rect[4] = { (float)((double)c.x / l->width),
                    (float)((double)c.y / l->height),
                    (float)((double)(c.x + c.width) / l->width),
                    (float)((double)(c.y + c.height) / l->height) };
  float tex[4] = { (float)((double)t.x / l->width),
                   (float)((double)t.y / l->height),
                   (float)((double)(t.x + t.width) / l->width),
                   (float)((double)(t.y + t.height) / l->height) };
  glUniform4fv (loc_rect, 1, rect);
  glUniform4fv (loc_tex, 1, tex);
  glActiveTexture (GL_TEXTURE0);
  glBindTexture (GL_TEXTURE_2D, self->tiles[k][index]);
  glDrawArrays (GL_TRIANGLE_STRIP, 0, 4);
}

/* Uploads what this frame may of the level that matches the zoom (the
 * coarsest level first, once), then draws the photo: the coarsest level
 * under it while visible tiles are missing, and the tiles there are. */
static void
draw_photo (MienPreview *self)
{
  MienPhotoPyramid *p = self->pyramid;
  int coarsest = p->n_levels - 1;
  double scale = effective_scale (self)
                 * gtk_widget_get_scale_factor (GTK_WIDGET (self));
  int k = mien_photo_level_for_scale (p, scale);
  double x0, y0, x1, y1;
  mien_preview_get_visible (self, &x0, &y0, &x1, &y1);

  gsize bytes = 0;
  if (self->tiles[coarsest][0] == 0)
    bytes += upload_tile (self, coarsest, 0);
  const MienPhotoLevel *l = &p->levels[k];
  int n_tiles = l->nx * l->ny;
  int *list = g_new (int, n_tiles);
  gboolean more = FALSE;
  if (bytes < MIEN_PHOTO_UPLOAD_BUDGET)
    {
      int n = mien_photo_plan_uploads (p, k, x0, y0, x1, y1, self->tiles[k],
                                       MIEN_PHOTO_UPLOAD_BUDGET - bytes, list,
                                       n_tiles, &more);
      for (int i = 0; i < n; i++)
        bytes += upload_tile (self, k, list[i]);
    }
  else
    more = TRUE; /* the coarsest level took this frame's share */
  self->photo_frame_bytes_max = MAX (self->photo_frame_bytes_max, bytes);
  if (more && self->redraw_tick == 0)
    self->redraw_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self),
                                                      redraw_on_tick, NULL,
                                                      NULL);

  int loc_rect = glGetUniformLocation (self->program, "tile_rect");
  int loc_tex = glGetUniformLocation (self->program, "tile_tex");
  int n = mien_photo_visible_tiles (p, k, x0, y0, x1, y1, list, n_tiles);
  gboolean complete = TRUE;
  for (int i = 0; i < n; i++)
    complete = complete && self->tiles[k][list[i]] != 0;
  if (!complete && k != coarsest)
    draw_tile (self, coarsest, 0, loc_rect, loc_tex);
  for (int i = 0; i < n; i++)
    if (self->tiles[k][list[i]] != 0)
      draw_tile (self, k, list[i], loc_rect, loc_tex);
  g_free (list);
}

/* Draws once into a small framebuffer of its own with every texture unit
 * holding a texture of the kind it will hold (upload_tile): llvmpipe then
 * compiles its shader variant here, at realize (the window realizes the
 * preview at start-up), not in the first frame of a photo. */
static void
warm_up (MienPreview *self)
{
  guint target, fbo, stand_in;
  glGenTextures (1, &target);
  glBindTexture (GL_TEXTURE_2D, target);
  glTexImage2D (GL_TEXTURE_2D, 0, GL_RGBA8, 4, 4, 0, GL_RGBA,
                GL_UNSIGNED_BYTE, NULL);
  glGenFramebuffers (1, &fbo);
  glBindFramebuffer (GL_FRAMEBUFFER, fbo);
  glFramebufferTexture2D (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D,
                          target, 0);
  static const guint8 black[3 * 3 * 3] = { 0 };
  stand_in = new_texture ();
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D (GL_TEXTURE_2D, 0, GL_RGB8, 3, 3, 0, GL_RGB, GL_UNSIGNED_BYTE,
                black);
  if (glCheckFramebufferStatus (GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE)
    {
      glViewport (0, 0, 4, 4);
      glUseProgram (self->program);
      static const float unit[4] = { 0, 0, 1, 1 };
      static const float clip[4] = { -1, 1, 1, -1 };
      glUniform4fv (glGetUniformLocation (self->program, "photo_rect"), 1,
                    clip);
      glUniform4fv (glGetUniformLocation (self->program, "crop_rect"), 1,
                    unit);
      glUniform4fv (glGetUniformLocation (self->program, "tile_rect"), 1,
                    unit);
      glUniform4fv (glGetUniformLocation (self->program, "tile_tex"), 1,
                    unit);
      const char *samplers[] = { "photo", "result_a", "result_b" };
      guint textures[] = { stand_in, self->tex_a, self->tex_b };
      for (int i = 0; i < 3; i++)
        {
          glActiveTexture (GL_TEXTURE0 + i);
          glBindTexture (GL_TEXTURE_2D, textures[i]);
          glUniform1i (glGetUniformLocation (self->program, samplers[i]), i);
        }
      glBindVertexArray (self->vao);
      glDrawArrays (GL_TRIANGLE_STRIP, 0, 4);
      glActiveTexture (GL_TEXTURE0);
      glFinish ();
    }
  glBindFramebuffer (GL_FRAMEBUFFER, 0);
  glDeleteFramebuffers (1, &fbo);
  guint gone[] = { target, stand_in };
  glDeleteTextures (2, gone);
}

static void
mien_preview_realize (GtkWidget *widget)
{
  MienPreview *self = MIEN_PREVIEW (widget);
  GTK_WIDGET_CLASS (mien_preview_parent_class)->realize (widget);
  gtk_gl_area_make_current (GTK_GL_AREA (self));
  if (gtk_gl_area_get_error (GTK_GL_AREA (self)) != NULL)
    return;
  GdkGLContext *context = gtk_gl_area_get_context (GTK_GL_AREA (self));
  GError *error = NULL;
  if (!build_program (self, gdk_gl_context_get_use_es (context), &error))
    {
      gtk_gl_area_set_error (GTK_GL_AREA (self), error);
      g_clear_error (&error);
      return;
    }
  static const float quad[] = { 0, 0, 1, 0, 0, 1, 1, 1 };
  glGenVertexArrays (1, &self->vao);
  glBindVertexArray (self->vao);
  glGenBuffers (1, &self->vbo);
  glBindBuffer (GL_ARRAY_BUFFER, self->vbo);
  glBufferData (GL_ARRAY_BUFFER, sizeof quad, quad, GL_STATIC_DRAW);
  glEnableVertexAttribArray (0);
  glVertexAttribPointer (0, 2, GL_FLOAT, GL_FALSE, 0, NULL);
  /* The result textures are never without storage, not even before the
   * first result: an incomplete texture is another shader variant. */
  static const guint8 black[3 * 3 * 3] = { 0 };
  self->tex_a = new_texture ();
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D (GL_TEXTURE_2D, 0, GL_RGB8, 3, 3, 0, GL_RGB, GL_UNSIGNED_BYTE,
                black);
  self->tex_b = new_texture ();
  glTexImage2D (GL_TEXTURE_2D, 0, GL_RGB8, 3, 3, 0, GL_RGB, GL_UNSIGNED_BYTE,
                black);
  self->result_dirty = TRUE;
  self->layer[0].full = self->layer[1].full = TRUE;
  memset (self->tex_size, 0, sizeof self->tex_size);
  warm_up (self);
  self->gl_ok = TRUE;
}

static void
mien_preview_unrealize (GtkWidget *widget)
{
  MienPreview *self = MIEN_PREVIEW (widget);
  gtk_gl_area_make_current (GTK_GL_AREA (self));
  if (self->gl_ok)
    {
      guint textures[] = { self->tex_a, self->tex_b };
      glDeleteTextures (2, textures);
      delete_tiles (self);
      glDeleteBuffers (1, &self->vbo);
      glDeleteVertexArrays (1, &self->vao);
      glDeleteProgram (self->program);
    }
  self->gl_ok = FALSE;
  GTK_WIDGET_CLASS (mien_preview_parent_class)->unrealize (widget);
}

/* A result texture: whole, or only what changed since the picture it
 * holds (a slider drag zoomed in uploads the visible part only). */
static void
upload_layer (MienPreview *self, int i, guint tex, GBytes *bytes)
{
  int *tw = &self->tex_size[1 + i][0], *th = &self->tex_size[1 + i][1];
  int w = self->result_w, h = self->result_h;
  if (self->layer[i].full || *tw != w || *th != h)
    {
      upload_rgb8 (tex, bytes, w, h, tw, th);
      self->uploaded_bytes += (guint64)w * h * 3;
    }
  else if (self->layer[i].dx1 > self->layer[i].dx0)
    {
      int x0 = self->layer[i].dx0, y0 = self->layer[i].dy0;
      int rw = self->layer[i].dx1 - x0, rh = self->layer[i].dy1 - y0;
      glBindTexture (GL_TEXTURE_2D, tex);
      glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
      glPixelStorei (GL_UNPACK_ROW_LENGTH, w);
      glPixelStorei (GL_UNPACK_SKIP_PIXELS, x0);
      glPixelStorei (GL_UNPACK_SKIP_ROWS, y0);
      glTexSubImage2D (GL_TEXTURE_2D, 0, x0, y0, rw, rh, GL_RGB,
                       GL_UNSIGNED_BYTE, g_bytes_get_data (bytes, NULL));
      glPixelStorei (GL_UNPACK_ROW_LENGTH, 0);
      glPixelStorei (GL_UNPACK_SKIP_PIXELS, 0);
      glPixelStorei (GL_UNPACK_SKIP_ROWS, 0);
      self->uploaded_bytes += (guint64)rw * rh * 3;
    }
  self->layer[i].full = FALSE;
  self->layer[i].dx0 = self->layer[i].dx1 = 0;
}

static void
upload_if_dirty (MienPreview *self)
{
  if (self->result_dirty && self->result_a != NULL)
    {
      upload_layer (self, 0, self->tex_a, self->result_a);
      /* The second result exists only for the split view. */
      if (self->result_b != NULL)
        upload_layer (self, 1, self->tex_b, self->result_b);
    }
  self->result_dirty = FALSE;
}

static gboolean
mien_preview_render (GtkGLArea *area, GdkGLContext *context)
{
  MienPreview *self = MIEN_PREVIEW (area);
  glClearColor (0.14f, 0.14f, 0.15f, 1.0f);
  glClear (GL_COLOR_BUFFER_BIT);
  if (!self->gl_ok || self->photo == NULL || self->pyramid == NULL)
    return TRUE; /* the pyramid is on its way */
  upload_if_dirty (self);

  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));
  double s = effective_scale (self), cx, cy;
  view_center (self, &cx, &cy);
  /* Photo corners in widget pixels, then clip space (y up). */
  double x0 = w / 2.0 - cx * s, y0 = h / 2.0 - cy * s;
  double x1 = x0 + self->photo_w * s, y1 = y0 + self->photo_h * s;
  float rect[4] = { (float)(x0 / w * 2 - 1), (float)(1 - y0 / h * 2),
                    (float)(x1 / w * 2 - 1), (float)(1 - y1 / h * 2) };
  float crop[4] = { 2, 2, -1, -1 }; /* empty */
  if (self->result_a != NULL)
    {
      crop[0] = (float)self->crop_x / self->photo_w;
      crop[1] = (float)self->crop_y / self->photo_h;
      crop[2] = (float)(self->crop_x + self->crop_w) / self->photo_w;
      crop[3] = (float)(self->crop_y + self->crop_h) / self->photo_h;
    }

  glUseProgram (self->program);
  glUniform4fv (glGetUniformLocation (self->program, "photo_rect"), 1, rect);
  glUniform4fv (glGetUniformLocation (self->program, "crop_rect"), 1, crop);
  glUniform1i (glGetUniformLocation (self->program, "view"), self->view);
  glUniform1f (glGetUniformLocation (self->program, "divider"),
               (float)self->divider);
  glUniform1f (glGetUniformLocation (self->program, "diff_gain"), 4.0f);
  /* 3 screen pixels wide at any zoom: visible, never hiding much. */
  glUniform1f (glGetUniformLocation (self->program, "divider_half_width"),
               (float)(1.5 / (self->photo_w * s)));
  /* The photo's tiles on unit 0 (draw_photo binds them), the results on
   * 1 and 2. */
  const char *samplers[] = { "photo", "result_a", "result_b" };
  guint textures[] = { 0, self->tex_a,
                       self->result_b ? self->tex_b : self->tex_a };
  for (int i = 0; i < 3; i++)
    {
      glActiveTexture (GL_TEXTURE0 + i);
      glBindTexture (GL_TEXTURE_2D, textures[i]);
      glUniform1i (glGetUniformLocation (self->program, samplers[i]), i);
    }
  glBindVertexArray (self->vao);
  draw_photo (self);
  glActiveTexture (GL_TEXTURE0);
  return TRUE;
}

/* ---- input --------------------------------------------------------------- */

static void
zoom_around (MienPreview *self, double factor, double wx, double wy)
{
  if (self->photo == NULL)
    return;
  double px, py;
  widget_to_photo (self, wx, wy, &px, &py);
  double old = effective_scale (self);
  double new_scale = CLAMP (old * factor, MIN_ZOOM, MAX_ZOOM);
  /* Keep the photo point under the pointer where it is. */
  double cx, cy;
  view_center (self, &cx, &cy);
  self->center_x = px - (px - cx) * old / new_scale;
  self->center_y = py - (py - cy) * old / new_scale;
  self->zoom = new_scale;
  clamp_center (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
on_scroll (GtkEventControllerScroll *controller, double dx, double dy,
           MienPreview *self)
{
  zoom_around (self, pow (1.15, -dy), self->pointer_x, self->pointer_y);
  return TRUE;
}

static void
on_motion (GtkEventControllerMotion *controller, double x, double y,
           MienPreview *self)
{
  self->pointer_x = x, self->pointer_y = y;
  if (!self->hovering)
    {
      self->hovering = TRUE;
      if (self->n_faces > 0)
        gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
on_leave (GtkEventControllerMotion *controller, MienPreview *self)
{
  self->hovering = FALSE;
  if (self->n_faces > 0)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- face outlines (drawn by GTK over the GL picture) -------------------- */

static void
append_outline (GtkSnapshot *snapshot, double w, double h, double width,
                const GdkRGBA *color)
{
  GskRoundedRect rect;
  gsk_rounded_rect_init_from_rect (
      &rect, &GRAPHENE_RECT_INIT (-w / 2.0, -h / 2.0, w, h), 4.0f);
  const float widths[4] = { width, width, width, width };
  const GdkRGBA colors[4] = { *color, *color, *color, *color };
  gtk_snapshot_append_border (snapshot, &rect, widths, colors);
}

static void
mien_preview_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  MienPreview *self = MIEN_PREVIEW (widget);
  GTK_WIDGET_CLASS (mien_preview_parent_class)->snapshot (widget, snapshot);
  if (!self->hovering || self->n_faces == 0 || self->photo == NULL)
    return;
  double s = effective_scale (self), cx, cy;
  view_center (self, &cx, &cy);
  double ww = gtk_widget_get_width (widget), wh = gtk_widget_get_height (widget);
  /* A dark line under a light one: visible on any skin or background. */
  const GdkRGBA shade = { 0.0f, 0.0f, 0.0f, 0.55f };
  const GdkRGBA other = { 1.0f, 1.0f, 1.0f, 0.85f };
  const GdkRGBA active = { 0.21f, 0.52f, 0.89f, 1.0f }; /* GNOME blue 3 */
  for (int i = 0; i < self->n_faces; i++)
    {
      const MienPreviewFace *f = &self->faces[i];
      double fx = ww / 2.0 + (f->x + f->width / 2.0 - cx) * s;
      double fy = wh / 2.0 + (f->y + f->height / 2.0 - cy) * s;
      double w = f->width * s, h = f->height * s;
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (fx, fy));
      /* The box of a rolled face is upright in the face's own frame. */
      gtk_snapshot_rotate (snapshot, (float)(f->roll * 180.0 / G_PI));
      append_outline (snapshot, w + 2.0, h + 2.0, 4.0f, &shade);
      append_outline (snapshot, w, h, i == self->active_face ? 3.0f : 2.0f,
                      i == self->active_face ? &active : &other);
      gtk_snapshot_restore (snapshot);
    }
}

static double
divider_widget_x (MienPreview *self)
{
  double s = effective_scale (self), cx, cy;
  view_center (self, &cx, &cy);
  return gtk_widget_get_width (GTK_WIDGET (self)) / 2.0
         + (self->divider * self->photo_w - cx) * s;
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, MienPreview *self)
{
  self->dragging_divider = self->view == MIEN_PREVIEW_VIEW_SPLIT
                           && fabs (x - divider_widget_x (self)) < DIVIDER_GRAB_PX;
  view_center (self, &self->drag_start_cx, &self->drag_start_cy);
}

static void
on_drag_update (GtkGestureDrag *gesture, double dx, double dy,
                MienPreview *self)
{
  if (self->photo == NULL)
    return;
  if (self->dragging_divider)
    {
      double sx, sy, px, py;
      gtk_gesture_drag_get_start_point (gesture, &sx, &sy);
      widget_to_photo (self, sx + dx, sy + dy, &px, &py);
      mien_preview_set_divider (self, px / self->photo_w);
      return;
    }
  if (dx == 0.0 && dy == 0.0)
    return; /* a click, not a pan: the view stays as it is (fit included) */
  double s = effective_scale (self);
  if (self->zoom <= 0.0)
    self->zoom = s; /* panning leaves "fit", from the fitted view */
  self->center_x = self->drag_start_cx - dx / s;
  self->center_y = self->drag_start_cy - dy / s;
  clamp_center (self);
  g_signal_emit (self, signals[SIGNAL_VIEW_CHANGED], 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* A click that did not drag: tell the window where, in photo pixels (it
 * picks the face there). */
static void
on_click_released (GtkGestureClick *gesture, int n_press, double x, double y,
                   MienPreview *self)
{
  if (self->photo == NULL || self->dragging_divider)
    return;
  double px, py;
  widget_to_photo (self, x, y, &px, &py);
  if (px >= 0 && py >= 0 && px < self->photo_w && py < self->photo_h)
    g_signal_emit (self, signals[SIGNAL_PHOTO_CLICKED], 0, px, py);
}

/* ---- public API ---------------------------------------------------------- */

void
mien_preview_set_faces (MienPreview *self, const MienPreviewFace *faces,
                        int n_faces, int active)
{
  g_return_if_fail (MIEN_IS_PREVIEW (self));
  g_return_if_fail (n_faces >= 0 && (faces != NULL || n_faces == 0));
  g_free (self->faces);
  self->faces = n_faces > 0 ? g_memdup2 (faces, sizeof *faces * n_faces)
                            : NULL;
  self->n_faces = n_faces;
  self->active_face = active;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
mien_preview_get_n_faces (MienPreview *self)
{
  g_return_val_if_fail (MIEN_IS_PREVIEW (self), 0);
  return self->n_faces;
}

static void
build_pyramid_in_thread (GTask *task, gpointer source, gpointer task_data,
                         GCancellable *cancellable)
{
  /* Only what set_photo gave the task: the bytes (ref'd) and the size. */
  GBytes *rgb8 = task_data;
  int *size = g_object_get_data (G_OBJECT (task), "size");
  g_task_return_pointer (task,
                         mien_photo_pyramid_new (rgb8, size[0], size[1]),
                         (GDestroyNotify)mien_photo_pyramid_free);
}

static void
on_pyramid_built (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MienPreview *self = MIEN_PREVIEW (source);
  MienPhotoPyramid *p = g_task_propagate_pointer (G_TASK (result), NULL);
  if (p == NULL)
    return; /* cancelled: another photo was set */
  if (g_task_get_task_data (G_TASK (result)) != self->photo)
    {
      mien_photo_pyramid_free (p);
      return;
    }
  g_clear_object (&self->pyramid_cancellable);
  self->pyramid = p;
  self->tiles = g_new0 (guint *, p->n_levels);
  for (int k = 0; k < p->n_levels; k++)
    self->tiles[k] = g_new0 (guint, p->levels[k].nx * p->levels[k].ny);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mien_preview_set_photo (MienPreview *self, GBytes *rgb8, int width, int height)
{
  g_return_if_fail (MIEN_IS_PREVIEW (self));
  clear_pyramid (self);
  g_clear_pointer (&self->photo, g_bytes_unref);
  self->photo = rgb8 ? g_bytes_ref (rgb8) : NULL;
  self->photo_w = width;
  self->photo_h = height;
  self->photo_frame_bytes_max = 0;
  if (self->photo != NULL && width > 0 && height > 0)
    {
      /* The pyramid off the main thread: ~40 ms for a 4K photo. */
      self->pyramid_cancellable = g_cancellable_new ();
      GTask *task = g_task_new (self, self->pyramid_cancellable,
                                on_pyramid_built, NULL);
      g_task_set_task_data (task, g_bytes_ref (self->photo),
                            (GDestroyNotify)g_bytes_unref);
      int *size = g_new (int, 2);
      size[0] = width, size[1] = height;
      g_object_set_data_full (G_OBJECT (task), "size", size, g_free);
      g_task_run_in_thread (task, build_pyramid_in_thread);
      g_object_unref (task);
    }
  self->zoom = 0.0;
  mien_preview_clear_result (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
store_result (MienPreview *self, int x, int y, int width, int height,
              int tex_width, int tex_height, GBytes *a_rgb8, GBytes *b_rgb8)
{
  g_return_if_fail (MIEN_IS_PREVIEW (self));
  self->result_w = tex_width, self->result_h = tex_height;
  g_clear_pointer (&self->result_a, g_bytes_unref);
  g_clear_pointer (&self->result_b, g_bytes_unref);
  self->result_a = a_rgb8 ? g_bytes_ref (a_rgb8) : NULL;
  self->result_b = b_rgb8 ? g_bytes_ref (b_rgb8) : NULL;
  self->crop_x = x, self->crop_y = y;
  self->crop_w = width, self->crop_h = height;
  self->result_dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mien_preview_set_result (MienPreview *self, int x, int y, int width,
                         int height, int tex_width, int tex_height,
                         GBytes *a_rgb8, GBytes *b_rgb8)
{
  g_return_if_fail (MIEN_IS_PREVIEW (self));
  memset (self->layer, 0, sizeof self->layer);
  self->layer[0].full = self->layer[1].full = TRUE;
  store_result (self, x, y, width, height, tex_width, tex_height, a_rgb8,
                b_rgb8);
}

static void store_result (MienPreview *self, int x, int y, int width,
                          int height, int tex_width, int tex_height,
                          GBytes *a_rgb8, GBytes *b_rgb8);

/* Layer i gets picture p: its dirty rectangle joins what is pending if p
 * follows the picture given before, else the texture needs p whole. */
static void
note_picture (MienPreview *self, int i, const MienPreviewPicture *p)
{
  if (p == NULL)
    return;
  gboolean follows = p->serial != 0 && self->layer[i].serial == p->serial
                     && self->layer[i].version + 1 == p->version;
  self->layer[i].serial = p->serial;
  self->layer[i].version = p->version;
  if (!follows)
    {
      self->layer[i].full = TRUE;
      return;
    }
  int x0 = p->dirty_x, y0 = p->dirty_y;
  int x1 = x0 + p->dirty_width, y1 = y0 + p->dirty_height;
  if (self->layer[i].dx1 > self->layer[i].dx0)
    {
      x0 = MIN (x0, self->layer[i].dx0), y0 = MIN (y0, self->layer[i].dy0);
      x1 = MAX (x1, self->layer[i].dx1), y1 = MAX (y1, self->layer[i].dy1);
    }
  self->layer[i].dx0 = x0, self->layer[i].dy0 = y0;
  self->layer[i].dx1 = x1, self->layer[i].dy1 = y1;
}

void
mien_preview_set_pictures (MienPreview *self, int x, int y, int width,
                           int height, const MienPreviewPicture *a,
                           const MienPreviewPicture *b)
{
  g_return_if_fail (MIEN_IS_PREVIEW (self));
  g_return_if_fail (a != NULL);
  note_picture (self, 0, a);
  note_picture (self, 1, b);
  store_result (self, x, y, width, height, a->width, a->height, a->rgb8,
                b ? b->rgb8 : NULL);
}

void
mien_preview_get_visible (MienPreview *self, double *x0, double *y0,
                          double *x1, double *y1)
{
  widget_to_photo (self, 0, 0, x0, y0);
  widget_to_photo (self, gtk_widget_get_width (GTK_WIDGET (self)),
                   gtk_widget_get_height (GTK_WIDGET (self)), x1, y1);
}

guint64
mien_preview_get_uploaded_bytes (MienPreview *self)
{
  return self->uploaded_bytes;
}

gsize
mien_preview_get_photo_frame_bytes_max (MienPreview *self)
{
  return self->photo_frame_bytes_max;
}

void
mien_preview_clear_result (MienPreview *self)
{
  memset (self->layer, 0, sizeof self->layer);
  self->layer[0].full = self->layer[1].full = TRUE;
  g_clear_pointer (&self->result_a, g_bytes_unref);
  g_clear_pointer (&self->result_b, g_bytes_unref);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mien_preview_set_view (MienPreview *self, MienPreviewView view)
{
  if (self->view == view)
    return;
  self->view = view;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIEW]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

MienPreviewView
mien_preview_get_view (MienPreview *self)
{
  return self->view;
}

void
mien_preview_set_divider (MienPreview *self, double position)
{
  position = CLAMP (position, 0.0, 1.0);
  if (self->divider == position)
    return;
  self->divider = position;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIVIDER]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
mien_preview_get_divider (MienPreview *self)
{
  return self->divider;
}

void
mien_preview_set_zoom (MienPreview *self, double zoom)
{
  if (zoom > 0.0)
    {
      double cx, cy;
      view_center (self, &cx, &cy);
      self->center_x = cx, self->center_y = cy;
      zoom = CLAMP (zoom, MIN_ZOOM, MAX_ZOOM);
    }
  self->zoom = MAX (zoom, 0.0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
mien_preview_get_zoom (MienPreview *self)
{
  return self->zoom;
}

double
mien_preview_get_scale (MienPreview *self)
{
  return effective_scale (self);
}

void
mien_preview_zoom_at (MienPreview *self, double zoom, double x, double y)
{
  g_return_if_fail (zoom > 0.0);
  self->zoom = CLAMP (zoom, MIN_ZOOM, MAX_ZOOM);
  self->center_x = x, self->center_y = y;
  clamp_center (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mien_preview_zoom_by (MienPreview *self, double factor)
{
  zoom_around (self, factor, gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
               gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
}

/* ---- GObject ------------------------------------------------------------- */

static void
mien_preview_get_property (GObject *object, guint id, GValue *value,
                           GParamSpec *pspec)
{
  MienPreview *self = MIEN_PREVIEW (object);
  switch (id)
    {
    case PROP_VIEW: g_value_set_int (value, self->view); break;
    case PROP_DIVIDER: g_value_set_double (value, self->divider); break;
    case PROP_ZOOM: g_value_set_double (value, self->zoom); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
mien_preview_set_property (GObject *object, guint id, const GValue *value,
                           GParamSpec *pspec)
{
  MienPreview *self = MIEN_PREVIEW (object);
  switch (id)
    {
    case PROP_VIEW: mien_preview_set_view (self, g_value_get_int (value)); break;
    case PROP_DIVIDER: mien_preview_set_divider (self, g_value_get_double (value)); break;
    case PROP_ZOOM: mien_preview_set_zoom (self, g_value_get_double (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
mien_preview_finalize (GObject *object)
{
  MienPreview *self = MIEN_PREVIEW (object);
  clear_pyramid (self); /* unrealized by now: frees the pyramid only */
  g_clear_pointer (&self->photo, g_bytes_unref);
  g_clear_pointer (&self->result_a, g_bytes_unref);
  g_clear_pointer (&self->result_b, g_bytes_unref);
  g_free (self->faces);
  G_OBJECT_CLASS (mien_preview_parent_class)->finalize (object);
}

static void
mien_preview_class_init (MienPreviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->get_property = mien_preview_get_property;
  object_class->set_property = mien_preview_set_property;
  object_class->finalize = mien_preview_finalize;
  widget_class->realize = mien_preview_realize;
  widget_class->unrealize = mien_preview_unrealize;
  widget_class->snapshot = mien_preview_snapshot;
  GTK_GL_AREA_CLASS (klass)->render = mien_preview_render;

  properties[PROP_VIEW] = g_param_spec_int (
      "view", NULL, NULL, 0, 3, 0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                                       | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_DIVIDER] = g_param_spec_double (
      "divider", NULL, NULL, 0, 1, 0.5,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_ZOOM] = g_param_spec_double (
      "zoom", NULL, NULL, 0, MAX_ZOOM, 0,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
  signals[SIGNAL_PHOTO_CLICKED] = g_signal_new (
      "photo-clicked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
      NULL, NULL, G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  signals[SIGNAL_VIEW_CHANGED] = g_signal_new (
      "view-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
      NULL, NULL, G_TYPE_NONE, 0);
}

static void
mien_preview_init (MienPreview *self)
{
  self->divider = 0.5;
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_gl_area_set_auto_render (GTK_GL_AREA (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Photo preview", -1);

  GtkEventController *scroll = gtk_event_controller_scroll_new (
      GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);
  GtkEventController *motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  GtkGesture *drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  GtkGesture *click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (on_click_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
}

GtkWidget *
mien_preview_new (void)
{
  return g_object_new (MIEN_TYPE_PREVIEW, NULL);
}
