/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CUDA–GL interop in a headless EGL context on the CUDA device: the warped
 * residual levels are written into GL textures by gpu/mien-cuda-gl, a
 * fragment shader composes them with O^r the way the preview would
 * (O = up(O) + level_k, coarse to fine, up-sampling with texelFetch at
 * half-pixel centres), and the frame read back must match the CPU's
 * mien_reswarp to 1e-4 (the shader's taps are float, the CPU's double).
 * The composed-frame texture is checked the same way. Skipped (exit 77)
 * without a device or without EGL device support. */
#include <epoxy/egl.h>
#include <epoxy/gl.h>

#include "gpu-test.h"
#include "mien-cuda-gl.h"
#include "mien-cuda-reswarp.h"
#include "mien-reswarp.h"

static const char *vertex_src =
    "#version 330 core\n"
    "void main () {\n"
    "  vec2 p = vec2 ((gl_VertexID << 1) & 2, gl_VertexID & 2);\n"
    "  gl_Position = vec4 (p * 2.0 - 1.0, 0.0, 1.0);\n"
    "}\n";

/* out = up(coarse) + level at this pixel: the engine's bilinear, vertical
 * half first, weights from (i + 0.5)·in/out − 0.5 clamped to the image. */
static const char *fragment_src =
    "#version 330 core\n"
    "uniform sampler2D coarse;\n"
    "uniform sampler2D level;\n"
    "uniform int use_level;\n"
    "out vec4 colour;\n"
    "void tap (int i, int n_in, int n_out, out int i0, out int i1, out float w) {\n"
    "  float s = (float (i) + 0.5) * float (n_in) / float (n_out) - 0.5;\n"
    "  s = clamp (s, 0.0, float (n_in - 1));\n"
    "  i0 = int (s); i1 = min (i0 + 1, n_in - 1); w = s - float (i0);\n"
    "}\n"
    "void main () {\n"
    "  ivec2 p = ivec2 (gl_FragCoord.xy);\n"
    "  ivec2 n_in = textureSize (coarse, 0);\n"
    "  ivec2 n_out = textureSize (level, 0);\n"
    "  int x0, x1, y0, y1; float wx, wy;\n"
    "  tap (p.x, n_in.x, n_out.x, x0, x1, wx);\n"
    "  tap (p.y, n_in.y, n_out.y, y0, y1, wy);\n"
    "  vec4 a = texelFetch (coarse, ivec2 (x0, y0), 0), b = texelFetch (coarse, ivec2 (x0, y1), 0);\n"
    "  vec4 c = texelFetch (coarse, ivec2 (x1, y0), 0), d = texelFetch (coarse, ivec2 (x1, y1), 0);\n"
    "  vec4 left = a + wy * (b - a), right = c + wy * (d - c);\n"
    "  vec4 v = left + wx * (right - left);\n"
    "  if (use_level != 0) v += texelFetch (level, p, 0);\n"
    "  colour = vec4 (v.rgb, 1.0);\n"
    "}\n";

static const char *skip_reason;

static int
init_egl (void)
{
  if (!epoxy_has_egl_extension (EGL_NO_DISPLAY, "EGL_EXT_device_enumeration")
      || !epoxy_has_egl_extension (EGL_NO_DISPLAY, "EGL_EXT_platform_device"))
    return skip_reason = "EGL has no device enumeration", 0;
  EGLDeviceEXT devices[16];
  EGLint n = 0;
  if (!eglQueryDevicesEXT (16, devices, &n) || n == 0)
    return skip_reason = "no EGL devices", 0;
  EGLDisplay dpy = EGL_NO_DISPLAY;
  for (int i = 0; i < n && dpy == EGL_NO_DISPLAY; i++)
    {
      EGLAttrib cuda = -1;
      const char *ext = eglQueryDeviceStringEXT (devices[i], EGL_EXTENSIONS);
      if (ext != NULL && strstr (ext, "EGL_NV_device_cuda") != NULL
          && eglQueryDeviceAttribEXT (devices[i], EGL_CUDA_DEVICE_NV, &cuda)
          && cuda == 0)
        dpy = eglGetPlatformDisplayEXT (EGL_PLATFORM_DEVICE_EXT, devices[i],
                                        NULL);
    }
  if (dpy == EGL_NO_DISPLAY || !eglInitialize (dpy, NULL, NULL))
    return skip_reason = "no EGL display on CUDA device 0", 0;
  const EGLint cfg_attr[] = { EGL_SURFACE_TYPE, EGL_PBUFFER_BIT,
                              EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_NONE };
  EGLConfig cfg;
  EGLint n_cfg = 0;
  if (!eglBindAPI (EGL_OPENGL_API)
      || !eglChooseConfig (dpy, cfg_attr, &cfg, 1, &n_cfg) || n_cfg == 0)
    return skip_reason = "no EGL OpenGL config", 0;
  const EGLint ctx_attr[] = { EGL_CONTEXT_MAJOR_VERSION, 3,
                              EGL_CONTEXT_MINOR_VERSION, 3,
                              EGL_CONTEXT_OPENGL_PROFILE_MASK,
                              EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL_NONE };
  EGLContext ctx = eglCreateContext (dpy, cfg, EGL_NO_CONTEXT, ctx_attr);
  if (ctx == EGL_NO_CONTEXT
      || !eglMakeCurrent (dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx))
    return skip_reason = "no surfaceless OpenGL 3.3 context", 0;
  printf ("GL: %s\n", (const char *)glGetString (GL_RENDERER));
  return 1;
}

static GLuint
rgba_texture (int w, int h, const float *rgba)
{
  GLuint t;
  glGenTextures (1, &t);
  glBindTexture (GL_TEXTURE_2D, t);
  glTexImage2D (GL_TEXTURE_2D, 0, GL_RGBA32F, w, h, 0, GL_RGBA, GL_FLOAT, rgba);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  return t;
}

static GLuint
program (void)
{
  GLuint p = glCreateProgram ();
  const char *src[2] = { vertex_src, fragment_src };
  GLenum type[2] = { GL_VERTEX_SHADER, GL_FRAGMENT_SHADER };
  for (int i = 0; i < 2; i++)
    {
      GLuint s = glCreateShader (type[i]);
      glShaderSource (s, 1, &src[i], NULL);
      glCompileShader (s);
      GLint ok;
      glGetShaderiv (s, GL_COMPILE_STATUS, &ok);
      char log[1024] = "";
      glGetShaderInfoLog (s, sizeof log, NULL, log);
      CHECK (ok, "shader: %s", log);
      glAttachShader (p, s);
    }
  glLinkProgram (p);
  return p;
}

/* dst = up(coarse) [+ level], dst_tex sized w × h. */
static void
compose_pass (GLuint prog, GLuint coarse, GLuint level, GLuint dst_tex, int w,
              int h, int use_level)
{
  GLuint fbo;
  glGenFramebuffers (1, &fbo);
  glBindFramebuffer (GL_FRAMEBUFFER, fbo);
  glFramebufferTexture2D (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D,
                          dst_tex, 0);
  CHECK (glCheckFramebufferStatus (GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE,
         "framebuffer incomplete");
  glViewport (0, 0, w, h);
  glUseProgram (prog);
  glActiveTexture (GL_TEXTURE0);
  glBindTexture (GL_TEXTURE_2D, coarse);
  glActiveTexture (GL_TEXTURE1);
  glBindTexture (GL_TEXTURE_2D, level);
  glUniform1i (glGetUniformLocation (prog, "coarse"), 0);
  glUniform1i (glGetUniformLocation (prog, "level"), 1);
  glUniform1i (glGetUniformLocation (prog, "use_level"), use_level);
  glDrawArrays (GL_TRIANGLES, 0, 3);
  glFinish ();
  glDeleteFramebuffers (1, &fbo);
}

static float
read_back_diff (GLuint tex, const mien_image *want)
{
  int W = want->width, H = want->height;
  float *px = malloc ((size_t)W * H * 4 * sizeof (float));
  glBindTexture (GL_TEXTURE_2D, tex);
  glGetTexImage (GL_TEXTURE_2D, 0, GL_RGBA, GL_FLOAT, px);
  float worst = 0;
  for (size_t i = 0; i < (size_t)W * H; i++)
    for (int c = 0; c < 3; c++)
      {
        float d = fabsf (px[i * 4 + c] - want->data[i * 3 + c]);
        worst = isnan (d) ? INFINITY : d > worst ? d : worst;
      }
  free (px);
  return worst;
}

static float *
to_rgba (const mien_image *im)
{
  size_t n = (size_t)im->width * im->height;
  float *px = malloc (n * 4 * sizeof (float));
  for (size_t i = 0; i < n; i++)
    {
      for (int c = 0; c < 3; c++)
        px[i * 4 + c] = im->data[i * 3 + c];
      px[i * 4 + 3] = 1.0f;
    }
  return px;
}

static void
run_mode (mien_reswarp_mode mode, GLuint prog)
{
  const int W = 1000, H = 750;
  mien_image *hd = gpu_test_random_image (W, H, 3, 0.0f, 1.0f);
  mien_error err = { 0 };
  mien_decomposition *cpu = mien_decomposition_new (hd, 128, 128, mode, NULL,
                                                    &err);
  mien_cuda_decomposition *dec = mien_cuda_decomposition_new (
      hd, 128, 128, mode, MIEN_CUDA_STORAGE_FLOAT, &err);
  mien_cuda_gl *gl = dec ? mien_cuda_gl_new (dec, &err) : NULL;
  CHECK (cpu && dec && gl, "%s", err.message);
  if (!cpu || !dec || !gl)
    return;
  int n = mien_cuda_decomposition_get_n_residuals (dec);
  GLuint level_tex[MIEN_PYRAMID_MAX_LEVELS], work_tex[MIEN_PYRAMID_MAX_LEVELS];
  int lw[MIEN_PYRAMID_MAX_LEVELS], lh[MIEN_PYRAMID_MAX_LEVELS];
  for (int k = 0; k < n; k++)
    {
      mien_cuda_decomposition_get_residual_size (dec, k, &lw[k], &lh[k]);
      level_tex[k] = rgba_texture (lw[k], lh[k], NULL);
      work_tex[k] = rgba_texture (lw[k], lh[k], NULL);
      CHECK (mien_cuda_gl_register_level (gl, k, level_tex[k], &err)
                 == MIEN_OK,
             "%s", err.message);
    }
  GLuint frame_tex = rgba_texture (W, H, NULL);
  CHECK (mien_cuda_gl_register_frame (gl, frame_tex, &err) == MIEN_OK, "%s",
         err.message);
  GLuint wrong = rgba_texture (W / 2, H, NULL);

  mien_image *field = gpu_test_field (128, 128, 3.0f);
  mien_image *refined = mien_image_copy (mien_decomposition_get_low (cpu),
                                         NULL);
  mien_image *want = mien_image_new (W, H, 3, NULL);
  mien_reswarp (cpu, refined, field, want, NULL, &err);
  CHECK (mien_cuda_gl_update (gl, refined, field, &err) == MIEN_OK, "%s",
         err.message);

  float *rgba = to_rgba (refined);
  GLuint coarse = rgba_texture (128, 128, rgba);
  free (rgba);
  for (int k = n - 1; k >= 0; k--)
    {
      compose_pass (prog, coarse, level_tex[k], work_tex[k], lw[k], lh[k], 1);
      coarse = work_tex[k];
    }
  float d_shader = read_back_diff (work_tex[0], want);
  float d_frame = read_back_diff (frame_tex, want);
  printf ("%s: %d levels; shader composition %.3g, frame texture %.3g from "
          "the CPU\n",
          mien_reswarp_mode_to_string (mode), n, d_shader, d_frame);
  CHECK (d_shader <= 1e-4f, "composed in GL: differs by %g", d_shader);
  CHECK (d_frame <= 1e-5f, "frame texture: differs by %g", d_frame);
  CHECK (glGetError () == GL_NO_ERROR, "GL error");

  /* A texture of the wrong size is refused, and GL gets it back. */
  mien_cuda_gl *bad = mien_cuda_gl_new (dec, &err);
  CHECK (mien_cuda_gl_register_frame (bad, wrong, &err) == MIEN_OK, "%s",
         err.message);
  CHECK (mien_cuda_gl_update (bad, refined, field, &err) == MIEN_ERR_INVALID,
         "a half-width frame texture must be refused");
  mien_cuda_gl_free (bad);

  mien_cuda_gl_free (gl);
  mien_cuda_decomposition_free (dec);
  mien_decomposition_free (cpu);
  mien_image_free (hd);
  mien_image_free (field);
  mien_image_free (refined);
  mien_image_free (want);
}

int
main (void)
{
  if (!gpu_test_have_device ())
    return MIEN_TEST_SKIP;
  if (!init_egl ())
    {
      printf ("SKIP: %s\n", skip_reason);
      return MIEN_TEST_SKIP;
    }
  GLuint prog = program ();
  GLuint vao;
  glGenVertexArrays (1, &vao);
  glBindVertexArray (vao);
  run_mode (MIEN_RESWARP_MULTISCALE, prog);
  run_mode (MIEN_RESWARP_VANILLA, prog);
  return mien_test_exit_code ();
}
