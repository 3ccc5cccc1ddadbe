// SPDX-License-Identifier: GPL-3.0-or-later
// The reference for Mien's TensorFlow.js graph-model executor
// (engine/nn/mien-tfjs-graph.c): loads a graph model (model.json + its
// weight shards) with TensorFlow.js itself, runs it on one input tensor and
// prints the named outputs as JSON, every value at full precision.
//
// TensorFlow.js 4.22 comes from the face-api reference's node_modules
// (tests/reference/faceapi, installed by scripts/fetch-assets.sh): no other
// dependency. The pure-JS cpu backend (float32) is used, as there.
//
// Usage: node run-graph.js MODEL.json INPUT.f32 D0,D1,... [OUTPUT_NAME...]
// INPUT.f32 is raw little-endian float32 in the given shape (NHWC). Without
// output names, the model's own outputs are printed. Output:
//   {"outputs": {"NAME": {"shape": [...], "values": [...]}, ...}}
'use strict';

const fs = require('fs');
const path = require('path');

const faceapiDir = path.join(__dirname, '..', 'faceapi', 'node_modules');
const { tf } = require(path.join(faceapiDir, '@vladmandic', 'face-api', 'dist',
  'face-api.node-wasm.js'));

// tf.io.fileSystem is only in tfjs-node: this handler reads model.json and
// its shards (concatenated group by group, as the manifest orders them).
function fileHandler(modelPath) {
  return {
    load: async () => {
      const model = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
      const dir = path.dirname(modelPath);
      const weightSpecs = [];
      const buffers = [];
      for (const group of model.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
      }
      const all = Buffer.concat(buffers);
      return {
        modelTopology: model.modelTopology,
        format: model.format,
        generatedBy: model.generatedBy,
        convertedBy: model.convertedBy,
        userDefinedMetadata: model.userDefinedMetadata,
        weightSpecs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.length),
      };
    },
  };
}

async function main() {
  const [modelPath, inputPath, shapeText, ...names] = process.argv.slice(2);
  if (!modelPath || !inputPath || !shapeText) {
    process.stderr.write('usage: run-graph.js MODEL.json INPUT.f32 D0,D1,... [OUTPUT...]\n');
    process.exit(2);
  }
  const shape = shapeText.split(',').map((s) => parseInt(s, 10));
  const n = shape.reduce((a, b) => a * b, 1);
  const buf = fs.readFileSync(inputPath);
  if (!(n > 0) || buf.length !== 4 * n) throw new Error(`${inputPath}: ${buf.length} bytes, expected ${4 * n}`);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = buf.readFloatLE(4 * i);

  await tf.setBackend('cpu');
  await tf.ready();
  const model = await tf.loadGraphModel(fileHandler(modelPath));
  const input = tf.tensor(data, shape, 'float32');
  const outNames = names.length ? names : model.outputs.map((o) => o.name);
  let results = model.execute(input, outNames);
  if (!Array.isArray(results)) results = [results];
  const outputs = {};
  outNames.forEach((name, i) => {
    outputs[name] = { shape: results[i].shape, values: Array.from(results[i].dataSync()) };
  });
  process.stdout.write(`${JSON.stringify({ backend: tf.getBackend(), tfjs: tf.version_core, outputs })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
