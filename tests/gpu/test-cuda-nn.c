/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The CUDA nn backend against the CPU backend: every op it supports, on
 * random inputs in [-1, 1], with outputs guarded by sentinel floats and
 * checked for NaN; then the four face-api models end to end on the sample
 * photos (when fetched). Skipped (exit 77) without a device.
 *
 * Tolerances: |gpu − cpu| ≤ tol · (1 + |cpu|). Convolutions and fully
 * connected layers sum in a different order (cuDNN, cuBLAS): 1e-4. The
 * own kernels repeat the CPU's loops: 1e-6, 2e-6 where the GPU's expf /
 * tanhf / expm1f (a few ulps off glibc's) are involved. */
#include <stdlib.h>
#include <string.h>

#include "face/mien-face-analyzer.h"
#include "gpu-test.h"
#ifdef MIEN_ENGINE_ONLY
#include "gpu/gpu-device-data.h"
#else
#include "io/mien-image-io.h"
#endif
#include "mien-cuda-nn.h"
#include "mien-device.h"
#include "nn/mien-nn.h"

#define GUARD 32

static int n_fallbacks;

static void
count_log (const char *message, void *data)
{
  fprintf (stderr, "log: %s\n", message);
  n_fallbacks++;
}

static mien_tensor *
random_tensor (int rank, const int *dims)
{
  mien_tensor *t = mien_tensor_new (rank, dims, NULL);
  for (size_t i = 0; i < mien_tensor_n_elements (t); i++)
    t->data[i] = mien_test_uniform (-1.0f, 1.0f);
  return t;
}

static mien_tensor *
guarded_dst (const mien_nn_op *op)
{
  mien_tensor *t = calloc (1, sizeof *t);
  mien_error err = { 0 };
  CHECK (mien_nn_op_infer_shape (op, &t->rank, t->dims, &err) == MIEN_OK,
         "%s", err.message);
  size_t n = mien_tensor_n_elements (t);
  t->data = malloc ((n + GUARD) * sizeof (float));
  for (size_t i = 0; i < n + GUARD; i++)
    t->data[i] = gpu_test_sentinel;
  return t;
}

static void
free_guarded (mien_tensor *t)
{
  mien_tensor_drop_device (t); /* not made by mien_tensor_new */
  free (t->data);
  free (t);
}

/* Runs op on both backends and compares. */
static void
check_op (mien_nn_backend *cpu, mien_nn_backend *gpu, mien_nn_op op,
          float tol, const char *what)
{
  mien_tensor *want = guarded_dst (&op), *got = guarded_dst (&op);
  mien_error err = { 0 };
  op.dst = want;
  CHECK (mien_nn_backend_compute (cpu, &op, &err) == MIEN_OK, "%s: %s", what,
         err.message);
  op.dst = got;
  CHECK (mien_nn_backend_supports_op (gpu, &op), "%s: not on CUDA", what);
  int before = n_fallbacks;
  CHECK (mien_nn_backend_compute (gpu, &op, &err) == MIEN_OK, "%s: %s", what,
         err.message);
  CHECK (n_fallbacks == before, "%s fell back to the CPU", what);
  /* The output stays on the device until asked for; the copy back writes
   * exactly its values (the guard below checks that copy). */
  CHECK (got->device != NULL && got->device->host_stale, "%s: output not "
         "left on the device", what);
  CHECK (mien_tensor_host (got, &err) == got->data, "%s: %s", what,
         err.message);
  size_t n = mien_tensor_n_elements (want);
  float worst = 0.0f;
  int nan = 0, bad = 0;
  for (size_t i = 0; i < n; i++)
    {
      float a = want->data[i], b = got->data[i];
      nan += isnan (b) && !isnan (a);
      float d = fabsf (a - b) / (1.0f + fabsf (a));
      worst = d > worst ? d : worst;
      bad += !(d <= tol);
    }
  int guard_ok = 1;
  for (size_t i = n; i < n + GUARD; i++)
    guard_ok &= got->data[i] == gpu_test_sentinel;
  printf ("%-40s %8zu values, worst relative error %.3g (limit %.1g)\n", what,
          n, worst, tol);
  CHECK (nan == 0, "%s: %d NaN", what, nan);
  CHECK (bad == 0, "%s: %d values beyond %g (worst %g)", what, bad, tol, worst);
  CHECK (guard_ok, "%s: wrote past its output", what);
  free_guarded (want);
  free_guarded (got);
}

static mien_nn_op
conv_op (mien_nn_op_type type, const mien_tensor *x, const mien_tensor *f,
         const mien_tensor *b, int stride, int same, mien_nn_act act)
{
  mien_nn_op op = { .type = type, .src = { x, f, b } };
  op.params.stride_h = op.params.stride_w = stride;
  if (same)
    {
      mien_nn_same_padding (x->dims[1], f->dims[0], stride, &op.params.pad_top,
                            &op.params.pad_bottom);
      mien_nn_same_padding (x->dims[2], f->dims[1], stride,
                            &op.params.pad_left, &op.params.pad_right);
    }
  op.params.act = act;
  return op;
}

static void
test_ops (mien_nn_backend *cpu, mien_nn_backend *gpu)
{
  mien_nn_act relu = { MIEN_NN_ACT_RELU, 0 };
  mien_nn_act none = { MIEN_NN_ACT_NONE, 0 };
  mien_nn_act leaky = { MIEN_NN_ACT_LEAKY_RELU, 0.1f };
  mien_tensor *x = random_tensor (4, (int[]){ 2, 17, 19, 8 });
  mien_tensor *f3 = random_tensor (4, (int[]){ 3, 3, 8, 16 });
  mien_tensor *f1 = random_tensor (4, (int[]){ 1, 1, 8, 24 });
  mien_tensor *f5 = random_tensor (4, (int[]){ 5, 5, 8, 4 });
  mien_tensor *b16 = random_tensor (1, (int[]){ 16 });
  mien_tensor *b24 = random_tensor (1, (int[]){ 24 });
  check_op (cpu, gpu, conv_op (MIEN_NN_OP_CONV2D, x, f3, b16, 1, 1, relu),
            1e-4f, "conv2d 3×3 s1 same +bias relu");
  check_op (cpu, gpu, conv_op (MIEN_NN_OP_CONV2D, x, f3, NULL, 2, 1, none),
            1e-4f, "conv2d 3×3 s2 same (asymmetric pad)");
  check_op (cpu, gpu, conv_op (MIEN_NN_OP_CONV2D, x, f1, b24, 1, 0, leaky),
            1e-4f, "conv2d 1×1 +bias leaky");
  mien_nn_op c5 = conv_op (MIEN_NN_OP_CONV2D, x, f5, NULL, 1, 0, none);
  c5.params.pad_top = 2, c5.params.pad_bottom = 1, c5.params.pad_left = 0,
  c5.params.pad_right = 2;
  check_op (cpu, gpu, c5, 1e-4f, "conv2d 5×5 explicit pads");

  mien_tensor *dw1 = random_tensor (4, (int[]){ 3, 3, 8, 1 });
  mien_tensor *dw2 = random_tensor (4, (int[]){ 3, 3, 8, 2 });
  check_op (cpu, gpu,
            conv_op (MIEN_NN_OP_DEPTHWISE_CONV2D, x, dw1, NULL, 1, 1, none),
            1e-6f, "depthwise 3×3 s1");
  check_op (cpu, gpu,
            conv_op (MIEN_NN_OP_DEPTHWISE_CONV2D, x, dw2, b16, 2, 1, relu),
            1e-6f, "depthwise 3×3 s2 ×2 +bias relu");

  mien_tensor *fx = random_tensor (2, (int[]){ 3, 40 });
  mien_tensor *fw = random_tensor (2, (int[]){ 40, 7 });
  mien_tensor *fb = random_tensor (1, (int[]){ 7 });
  check_op (cpu, gpu,
            (mien_nn_op){ .type = MIEN_NN_OP_FULLY_CONNECTED,
                          .src = { fx, fw, fb } },
            1e-4f, "fully connected 40→7 +bias");
  mien_tensor *fw2 = random_tensor (2, (int[]){ 2 * 17 * 19 * 8 / 2, 5 });
  check_op (cpu, gpu,
            (mien_nn_op){ .type = MIEN_NN_OP_FULLY_CONNECTED,
                          .src = { x, fw2, NULL }, .params.act = relu },
            1e-4f, "fully connected rank 4 → 5 relu");

  for (int t = 0; t < 3; t++)
    {
      mien_nn_op p = { .type = t == 0 ? MIEN_NN_OP_MAX_POOL : MIEN_NN_OP_AVG_POOL,
                       .src = { x } };
      p.params.kernel_h = p.params.kernel_w = 3;
      p.params.stride_h = p.params.stride_w = 2;
      mien_nn_same_padding (17, 3, 2, &p.params.pad_top, &p.params.pad_bottom);
      mien_nn_same_padding (19, 3, 2, &p.params.pad_left, &p.params.pad_right);
      p.params.count_include_pad = t == 2;
      check_op (cpu, gpu, p, 1e-6f,
                t == 0 ? "max pool 3×3 s2 same"
                : t == 1 ? "avg pool 3×3 s2 same"
                         : "avg pool counting padding");
    }
  check_op (cpu, gpu,
            (mien_nn_op){ .type = MIEN_NN_OP_GLOBAL_AVG_POOL, .src = { x } },
            1e-6f, "global average pool");

  mien_tensor *y = random_tensor (4, (int[]){ 2, 17, 19, 8 });
  mien_tensor *s8 = random_tensor (1, (int[]){ 8 });
  mien_tensor *t8 = random_tensor (1, (int[]){ 8 });
  check_op (cpu, gpu,
            (mien_nn_op){ .type = MIEN_NN_OP_ADD, .src = { x, y },
                          .params.act = relu },
            1e-6f, "add relu");
  check_op (cpu, gpu,
            (mien_nn_op){ .type = MIEN_NN_OP_CHANNEL_AFFINE,
                          .src = { x, s8, t8 }, .params.act = leaky },
            1e-6f, "channel affine leaky");
  const mien_nn_act_type acts[] = { MIEN_NN_ACT_ELU, MIEN_NN_ACT_TANH,
                                    MIEN_NN_ACT_SIGMOID };
  const char *act_names[] = { "activation elu", "activation tanh",
                              "activation sigmoid" };
  for (int i = 0; i < 3; i++)
    check_op (cpu, gpu,
              (mien_nn_op){ .type = MIEN_NN_OP_ACTIVATION, .src = { x },
                            .params.act = { acts[i], 1.0f } },
              2e-6f, act_names[i]);
  mien_nn_op pad = { .type = MIEN_NN_OP_PAD, .src = { x } };
  int pads[4][2] = { { 0, 1 }, { 2, 0 }, { 1, 3 }, { 0, 0 } };
  memcpy (pad.params.pads, pads, sizeof pads);
  pad.params.pad_value = 0.25f;
  check_op (cpu, gpu, pad, 0.0f, "pad");
  mien_tensor *logits = random_tensor (2, (int[]){ 5, 7 });
  check_op (cpu, gpu,
            (mien_nn_op){ .type = MIEN_NN_OP_SOFTMAX, .src = { logits } },
            2e-6f, "softmax");

  mien_tensor *all[] = { x, f3, f1, f5, b16, b24, dw1, dw2, fx, fw, fb, fw2,
                         y, s8, t8, logits };
  for (size_t i = 0; i < sizeof all / sizeof *all; i++)
    mien_tensor_free (all[i]);
}

/* The face models end to end: CUDA against CPU on the sample photos. */
static void
test_models (void)
{
  char models[4096], photo[4096];
#ifdef MIEN_ENGINE_ONLY
  /* gpu/device-check-build.sh: the models and the photos at half size as
   * PPM (the nets see fixed-size inputs, so the comparison is the same). */
  const char *dir = gpu_device_data_dir ();
  snprintf (models, sizeof models, "%s/face-api", dir);
#else
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  snprintf (models, sizeof models, "%s/data/models/face-api",
            root ? root : ".");
#endif
  mien_error err = { 0 };
  for (int s = 1; s <= 2; s++)
    {
#ifdef MIEN_ENGINE_ONLY
      snprintf (photo, sizeof photo, "%s/sample%d.ppm", dir, s);
      mien_image *im = gpu_device_data_load_ppm (photo, &err);
#else
      snprintf (photo, sizeof photo, "%s/data/samples/sample%d.jpg",
                root ? root : ".", s);
      mien_image *im = mien_image_load (photo, &err);
#endif
      if (im == NULL)
        {
          printf ("models: %s missing, not compared (%s)\n", photo,
                  err.message);
          return;
        }
      mien_face *faces[2] = { NULL, NULL };
      int n[2] = { 0, 0 };
      for (int dev = 0; dev < 2; dev++)
        {
          mien_device_force_cpu (dev == 0);
          mien_face_analyzer *fa = mien_face_analyzer_new (models, NULL, &err);
          CHECK (fa != NULL, "%s", err.message);
          if (fa == NULL)
            break;
          CHECK (mien_face_analyzer_run (fa, im, NULL, &faces[dev], &n[dev],
                                         &err)
                     == MIEN_OK,
                 "%s", err.message);
          mien_face_analyzer_free (fa);
        }
      mien_device_force_cpu (0);
      CHECK (n[0] == n[1] && n[0] > 0, "sample%d: %d faces on the CPU, %d "
             "on CUDA", s, n[0], n[1]);
      float d_lm = 0, d_desc = 0, d_expr = 0, d_score = 0;
      for (int i = 0; i < n[0] && n[0] == n[1]; i++)
        {
          for (int k = 0; k < MIEN_N_LANDMARKS; k++)
            d_lm = fmaxf (d_lm, fmaxf (fabsf (faces[0][i].landmarks[k].x
                                              - faces[1][i].landmarks[k].x),
                                       fabsf (faces[0][i].landmarks[k].y
                                              - faces[1][i].landmarks[k].y)));
          d_desc = fmaxf (d_desc, mien_face_descriptor_distance (
                                      faces[0][i].descriptor,
                                      faces[1][i].descriptor));
          for (int k = 0; k < MIEN_N_EXPRESSIONS; k++)
            d_expr = fmaxf (d_expr, fabsf (faces[0][i].expressions[k]
                                           - faces[1][i].expressions[k]));
          d_score = fmaxf (d_score, fabsf (faces[0][i].score
                                           - faces[1][i].score));
        }
      printf ("models sample%d: %d faces; landmarks %.3g px, descriptor "
              "distance %.3g, expressions %.3g, scores %.3g\n",
              s, n[0], d_lm, d_desc, d_expr, d_score);
      /* face-api's own tolerance in the node parity test is 0.5 px and a
       * descriptor distance of 0.01; a backend must do far better. */
      CHECK (d_lm <= 0.05f && d_desc <= 1e-3f && d_expr <= 1e-4f
                 && d_score <= 1e-4f,
             "sample%d: CUDA models differ from the CPU's", s);
      mien_faces_free (faces[0]);
      mien_faces_free (faces[1]);
      mien_image_free (im);
    }
}

/* A small network through mien_nn on CUDA and on the CPU: weights are
 * uploaded once, outputs stay on the device between CUDA ops, a CPU op
 * (concat) gets its input copied back, and with lazy outputs only what is
 * asked for comes back. Run twice per mode; the counts are exact. */
static mien_tensor *
small_net (mien_nn *nn, const mien_tensor *x, mien_tensor *const w[4],
           mien_tensor **keep_b)
{
  mien_tensor *a = mien_nn_conv2d (nn, x, w[0], w[1], 1,
                                   mien_nn_padding_same (), MIEN_NN_RELU);
  mien_tensor *b = mien_nn_max_pool (nn, a, 2, 2, mien_nn_padding_same ());
  mien_tensor *c = mien_nn_concat (nn, b, b, 3); /* CPU only */
  mien_tensor *d = mien_nn_conv2d (nn, c, w[2], w[3], 1,
                                   mien_nn_padding_same (), MIEN_NN_NO_ACT);
  mien_tensor *e = mien_nn_add (nn, d, d, MIEN_NN_RELU);
  mien_tensor *out = mien_nn_global_avg_pool (nn, e);
  mien_tensor_free (a);
  if (keep_b != NULL)
    *keep_b = b;
  else
    mien_tensor_free (b);
  mien_tensor_free (c);
  mien_tensor_free (d);
  mien_tensor_free (e);
  return out;
}

static void
test_residency (void)
{
  mien_error err = { 0 };
  mien_tensor *x = random_tensor (4, (int[]){ 1, 24, 20, 8 });
  mien_tensor *w[4] = {
    random_tensor (4, (int[]){ 3, 3, 8, 16 }), random_tensor (1, (int[]){ 16 }),
    random_tensor (4, (int[]){ 3, 3, 32, 12 }), random_tensor (1, (int[]){ 12 }),
  };
  size_t w_bytes = 0;
  for (int i = 0; i < 4; i++)
    {
      w[i]->constant = 1; /* as mien_weights marks its tensors */
      w_bytes += mien_tensor_n_elements (w[i]) * sizeof (float);
    }
  mien_nn *ref = mien_nn_new (mien_nn_cpu_backend_new (NULL, 0, &err), &err);
  mien_tensor *want = small_net (ref, x, w, NULL);
  CHECK (want != NULL, "CPU net: %s", err.message);
  size_t x_bytes = mien_tensor_n_elements (x) * sizeof (float);
  /* c = concat(b, b): 12×10×32 floats. */
  size_t c_bytes = (size_t)12 * 10 * 32 * sizeof (float);
  for (int lazy = 0; lazy < 2 && want != NULL; lazy++)
    {
      mien_nn_backend *gb = mien_nn_cuda_backend_new (NULL, &err);
      CHECK (gb != NULL, "%s", err.message);
      if (gb == NULL)
        break;
      mien_nn *nn = mien_nn_new (gb, &err);
      mien_nn_set_lazy_outputs (nn, lazy);
      mien_nn_cuda_stats s0, s1, s2;
      mien_nn_cuda_backend_get_stats (gb, &s0);
      mien_tensor *got[2] = { NULL, NULL };
      for (int run = 0; run < 2; run++)
        {
          got[run] = small_net (nn, x, w, NULL);
          CHECK (got[run] != NULL, "lazy %d run %d: %s", lazy, run,
                 mien_nn_take_error (nn, &err) ? err.message : "");
          if (got[run] == NULL)
            break;
          CHECK (got[run]->device != NULL
                     && got[run]->device->host_stale == lazy,
                 "lazy %d: output %s on the host", lazy,
                 lazy ? "already" : "not");
          CHECK (mien_tensor_host (got[run], &err) != NULL, "%s", err.message);
          mien_nn_cuda_backend_get_stats (gb, run ? &s2 : &s1);
        }
      if (got[0] == NULL || got[1] == NULL)
        {
          mien_tensor_free (got[0]);
          mien_tensor_free (got[1]);
          mien_nn_free (nn);
          continue;
        }
      float worst = 0;
      for (size_t i = 0; i < mien_tensor_n_elements (want); i++)
        worst = fmaxf (worst, fabsf (got[1]->data[i] - want->data[i])
                                  / (1.0f + fabsf (want->data[i])));
      printf ("residency (lazy %d): worst relative error %.3g; run 2 copied "
              "in %zu B of inputs, %zu B of weights, back %zu tensors; "
              "%zu device allocations in all\n",
              lazy, worst, s2.input_upload_bytes - s1.input_upload_bytes,
              s2.resident.constant_upload_bytes
                  - s1.resident.constant_upload_bytes,
              s2.resident.downloads - s1.resident.downloads,
              s2.resident.allocs);
      CHECK (worst <= 1e-4f, "lazy %d: CUDA net differs from the CPU's", lazy);
      /* Weights: once, in the first run only. */
      CHECK (s1.resident.constant_uploads - s0.resident.constant_uploads == 4
                 && s1.resident.constant_upload_bytes == w_bytes
                 && s2.resident.constant_uploads == s1.resident.constant_uploads,
             "lazy %d: weights uploaded %zu then %zu times", lazy,
             s1.resident.constant_uploads,
             s2.resident.constant_uploads - s1.resident.constant_uploads);
      /* Copied in per run: the input x and concat's host output c. */
      CHECK (s2.input_uploads - s1.input_uploads == 2
                 && s2.input_upload_bytes - s1.input_upload_bytes
                        == x_bytes + c_bytes,
             "lazy %d: %zu inputs (%zu B) copied in, want 2 (%zu B)", lazy,
             s2.input_uploads - s1.input_uploads,
             s2.input_upload_bytes - s1.input_upload_bytes,
             x_bytes + c_bytes);
      /* Copied back per run: every CUDA output (a, b, d, e, out) when
       * eager; b for concat and out when asked, when lazy. */
      size_t back = s2.resident.downloads - s1.resident.downloads;
      CHECK (back == (lazy ? 2u : 5u), "lazy %d: %zu tensors copied back",
             lazy, back);
      /* The second run reuses the first run's freed buffers (a, b, d, e);
       * only its output needs new memory, since run 1's is still held. */
      CHECK (s2.resident.allocs - s1.resident.allocs == 1,
             "lazy %d: %zu device allocations in run 2, want 1", lazy,
             s2.resident.allocs - s1.resident.allocs);
      /* Only the two outputs and the weights hold device memory. */
      CHECK (s2.resident.live_copies == 4 + 2, "lazy %d: %zu live copies",
             lazy, s2.resident.live_copies);
      mien_tensor_free (got[0]);
      mien_tensor_free (got[1]);
      /* A lazy output that outlives its backend is copied back then. */
      mien_tensor *b = NULL;
      mien_tensor *late = small_net (nn, x, w, &b);
      mien_nn_free (nn);
      CHECK (late != NULL && late->device == NULL && b != NULL
                 && b->device == NULL,
             "lazy %d: outputs still tied to a freed backend", lazy);
      for (int i = 0; i < 4; i++)
        CHECK (w[i]->device == NULL, "weight %d still has a device copy", i);
      float late_worst = late != NULL ? 0.0f : INFINITY;
      for (size_t i = 0; late != NULL && i < mien_tensor_n_elements (want);
           i++)
        late_worst = fmaxf (late_worst,
                            fabsf (late->data[i] - want->data[i])
                                / (1.0f + fabsf (want->data[i])));
      CHECK (late_worst <= 1e-4f,
             "lazy %d: output lost when its backend was freed (%g)", lazy,
             late_worst);
      mien_tensor_free (late);
      mien_tensor_free (b);
    }
  mien_tensor_free (want);
  mien_nn_free (ref);
  mien_tensor_free (x);
  for (int i = 0; i < 4; i++)
    mien_tensor_free (w[i]);
}

int
main (void)
{
  if (!gpu_test_have_device ())
    return MIEN_TEST_SKIP;
  mien_device_set_log_func (count_log, NULL);
  mien_error err = { 0 };
  mien_nn_backend *cpu = mien_nn_cpu_backend_new (NULL, 0, &err);
  mien_nn_backend *gpu = mien_nn_cuda_backend_new (NULL, &err);
  CHECK (cpu != NULL && gpu != NULL, "%s", err.message);
  if (cpu == NULL || gpu == NULL)
    return mien_test_exit_code ();
  CHECK (strcmp (mien_nn_backend_name (gpu), "CUDA") == 0, "name");
  test_ops (cpu, gpu);
  mien_nn_backend_free (gpu);
  mien_nn_backend_free (cpu);
  test_residency ();
  test_models ();
  CHECK (n_fallbacks == 0, "%d ops fell back to the CPU", n_fallbacks);
  return mien_test_exit_code ();
}
