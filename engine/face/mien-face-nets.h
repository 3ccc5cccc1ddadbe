/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal: the four face-api networks, written from the TypeScript sources
 * of @vladmandic/face-api 1.7.15, on the engine's nn runtime. Each holds
 * borrowed pointers into its weights, fetched and shape-checked once at
 * load so that inference cannot meet a missing or misshapen tensor. */
#pragma once

#include "../nn/mien-nn.h"
#include "../nn/mien-weights.h"

typedef struct face_conv {
  const mien_tensor *filters, *bias;
} face_conv;

typedef struct face_sep_conv {
  const mien_tensor *depthwise, *pointwise, *bias;
} face_sep_conv;

/* tinyFaceDetector: a TinyYolov2 with separable convolutions, 5 anchors. */
typedef struct face_detector_net {
  mien_weights *weights;
  face_conv conv0;
  face_sep_conv conv[5]; /* conv1..conv5 */
  face_conv conv8;
} face_detector_net;

/* FaceFeatureExtractor (four dense blocks) + a fully connected layer: the
 * 68-point landmark net (136 outputs) and the expression net (7). */
typedef struct face_dense_block {
  face_conv conv0;      /* first block: a plain convolution */
  face_sep_conv sconv0; /* other blocks: separable */
  face_sep_conv conv[3];
} face_dense_block;

typedef struct face_feature_net {
  mien_weights *weights;
  face_dense_block dense[4];
  const mien_tensor *fc_weights, *fc_bias;
  int n_outputs;
} face_feature_net;

/* FaceRecognitionNet: dlib's ResNet-34-like descriptor network. */
typedef struct face_scale_conv {
  const mien_tensor *filters, *bias, *scale, *shift;
} face_scale_conv;

#define FACE_RESNET_BLOCKS 14

typedef struct face_resnet {
  mien_weights *weights;
  face_scale_conv conv32_down;
  face_scale_conv blocks[FACE_RESNET_BLOCKS][2];
  int block_down[FACE_RESNET_BLOCKS];
  const mien_tensor *fc;
} face_resnet;

mien_status face_detector_net_load (face_detector_net *net, const char *dir,
                                    mien_error *err);
void face_detector_net_clear (face_detector_net *net);
/* x: [1,S,S,3] normalised input; returns [1,S/32,S/32,25]. */
mien_tensor *face_detector_net_forward (const face_detector_net *net,
                                        mien_nn *nn, const mien_tensor *x);

mien_status face_feature_net_load (face_feature_net *net, const char *dir,
                                   const char *model, int n_outputs,
                                   mien_error *err);
void face_feature_net_clear (face_feature_net *net);
/* x: [N,112,112,3]; returns [N,n_outputs] (before any softmax). */
mien_tensor *face_feature_net_forward (const face_feature_net *net,
                                       mien_nn *nn, const mien_tensor *x);

mien_status face_resnet_load (face_resnet *net, const char *dir,
                              mien_error *err);
void face_resnet_clear (face_resnet *net);
/* x: [N,150,150,3]; returns [N,128]. */
mien_tensor *face_resnet_forward (const face_resnet *net, mien_nn *nn,
                                  const mien_tensor *x);
