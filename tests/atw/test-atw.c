/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the ATW generator's parts that the PyTorch parity test does
 * not reach: the network's warp (nn bilinear_sample with border clamping)
 * against the engine's mien_warp_bilinear, the driving-vector mapping, and
 * the safetensors dtypes F16 / BF16. */
#include <stdio.h>
#include <string.h>

#include "../mien-test.h"
#include "atw/mien-atw.h"
#include "mien-reswarp.h"
#include "nn/mien-nn.h"
#include "nn/mien-safetensors.h"

/* The network warps with mien_nn_bilinear_sample at positions x + F; ResWarp
 * and the rig use mien_warp_bilinear. They must be the same warp. */
static void
test_warp_matches_engine (void)
{
  mien_error err = { 0 };
  int W = 53, H = 40;
  mien_image *img = mien_image_new (W, H, 3, &err);
  mien_image *field = mien_image_new (W, H, 2, &err);
  mien_image *ref = mien_image_new (W, H, 3, &err);
  mien_tensor *x = mien_tensor_new_4d (1, H, W, 3, &err);
  mien_tensor *pos = mien_tensor_new_4d (1, H, W, 2, &err);
  mien_nn *nn = mien_nn_new (NULL, &err);
  for (size_t i = 0; i < mien_image_n_floats (img); i++)
    x->data[i] = img->data[i] = mien_test_uniform (-1, 1);
  for (int y = 0; y < H; y++)
    for (int xx = 0; xx < W; xx++)
      {
        size_t i = ((size_t)y * W + xx) * 2;
        /* Large enough to leave the image on every side. */
        field->data[i] = mien_test_uniform (-15, 15);
        field->data[i + 1] = mien_test_uniform (-15, 15);
        pos->data[i] = (float)xx + field->data[i];
        pos->data[i + 1] = (float)y + field->data[i + 1];
      }
  CHECK (mien_warp_bilinear (img, field, ref, NULL, &err) == MIEN_OK, "%s",
         err.message);
  mien_tensor *out = mien_nn_bilinear_sample (nn, x, pos, 1);
  CHECK (out != NULL, "bilinear_sample failed");
  float worst = 0.0f;
  for (size_t i = 0; out && i < mien_image_n_floats (ref); i++)
    worst = fmaxf (worst, fabsf (out->data[i] - ref->data[i]));
  printf ("nn bilinear_sample vs mien_warp_bilinear: max |diff| %.2e\n",
          (double)worst);
  CHECK (worst <= 1e-5f, "warps differ by %g", (double)worst);
  mien_tensor_free (out);
  mien_nn_free (nn);
  mien_tensor_free (x);
  mien_tensor_free (pos);
  mien_image_free (img);
  mien_image_free (field);
  mien_image_free (ref);
}

static void
test_driving_inputs (void)
{
  mien_atw_info info = { 0 };
  info.driving_kind = MIEN_ATW_DRIVING_EXPRESSIONS;
  info.n_driving = 3;
  info.driving_channel[0] = MIEN_PRESET_NEUTRAL;
  info.driving_channel[1] = MIEN_PRESET_HAPPY;
  info.driving_channel[2] = MIEN_PRESET_SURPRISED;
  info.driving_scale = 1.0f;
  mien_driving c;
  float in[3];
  mien_driving_init (&c);
  mien_atw_driving_inputs (&info, &c, in);
  CHECK (in[0] == 1.0f && in[1] == 0.0f && in[2] == 0.0f,
         "neutral face: %g %g %g", in[0], in[1], in[2]);
  mien_driving_add_preset (&c, MIEN_PRESET_HAPPY, 0.5f);
  mien_atw_driving_inputs (&info, &c, in);
  CHECK (fabsf (in[1] - 0.5f) < 1e-5f && fabsf (in[0] - 0.5f) < 1e-5f,
         "half happy: neutral %g happy %g", in[0], in[1]);

  info.driving_kind = MIEN_ATW_DRIVING_AUS;
  info.n_driving = 2;
  info.driving_channel[0] = MIEN_AU12;
  info.driving_channel[1] = MIEN_AU45;
  info.driving_scale = 0.2f;
  mien_driving_init (&c);
  c.values[MIEN_AU12] = 2.0f;
  c.values[MIEN_AU45_L] = 4.0f; /* a wink: half the bilateral AU */
  mien_atw_driving_inputs (&info, &c, in);
  CHECK (fabsf (in[0] - 0.4f) < 1e-6f && fabsf (in[1] - 0.4f) < 1e-6f,
         "AU inputs %g %g (want 0.4 0.4)", in[0], in[1]);
}

/* A one-tensor file: 8-byte length, header, body. */
static size_t
one_tensor_file (unsigned char *buf, const char *dtype, const unsigned char *body,
                 size_t n)
{
  char header[256];
  int len = snprintf (header, sizeof header,
                      "{\"t\":{\"dtype\":\"%s\",\"shape\":[%zu],"
                      "\"data_offsets\":[0,%zu]}}", dtype, n / 2, n);
  for (int i = 0; i < 8; i++)
    buf[i] = (unsigned char)((uint64_t)len >> (8 * i));
  memcpy (buf + 8, header, (size_t)len);
  memcpy (buf + 8 + len, body, n);
  return 8 + (size_t)len + n;
}

static void
test_half_dtypes (void)
{
  /* 1.0, -2.5, 65504 (largest half), 2^-24 (smallest subnormal). */
  const unsigned char f16[] = { 0x00, 0x3c, 0x00, 0xc1, 0xff, 0x7b, 0x01, 0x00 };
  const float want16[] = { 1.0f, -2.5f, 65504.0f, 5.9604645e-8f };
  /* bfloat16: 1.0, -2.5, 3.140625 */
  const unsigned char bf16[] = { 0x80, 0x3f, 0x20, 0xc0, 0x49, 0x40 };
  const float wantbf[] = { 1.0f, -2.5f, 3.140625f };
  unsigned char buf[512];
  mien_error err = { 0 };
  size_t n = one_tensor_file (buf, "F16", f16, sizeof f16);
  mien_safetensors *st = mien_safetensors_parse (buf, n, "f16", &err);
  const mien_tensor *t = st ? mien_weights_find (mien_safetensors_get_weights (st), "t") : NULL;
  CHECK (t && mien_tensor_n_elements (t) == 4, "F16: %s", err.message);
  for (int i = 0; t && i < 4; i++)
    CHECK (t->data[i] == want16[i], "F16[%d] = %g, want %g", i,
           (double)t->data[i], (double)want16[i]);
  mien_safetensors_free (st);
  n = one_tensor_file (buf, "BF16", bf16, sizeof bf16);
  st = mien_safetensors_parse (buf, n, "bf16", &err);
  t = st ? mien_weights_find (mien_safetensors_get_weights (st), "t") : NULL;
  CHECK (t && mien_tensor_n_elements (t) == 3, "BF16: %s", err.message);
  for (int i = 0; t && i < 3; i++)
    CHECK (t->data[i] == wantbf[i], "BF16[%d] = %g, want %g", i,
           (double)t->data[i], (double)wantbf[i]);
  mien_safetensors_free (st);
  /* An F16 infinity is refused like a float32 one. */
  const unsigned char inf16[] = { 0x00, 0x7c };
  n = one_tensor_file (buf, "F16", inf16, sizeof inf16);
  st = mien_safetensors_parse (buf, n, "inf", &err);
  CHECK (st == NULL && strstr (err.message, "non-finite"), "inf: %s",
         err.message);
  mien_safetensors_free (st);
}

int
main (void)
{
  test_warp_matches_engine ();
  test_driving_inputs ();
  test_half_dtypes ();
  return mien_test_exit_code ();
}
