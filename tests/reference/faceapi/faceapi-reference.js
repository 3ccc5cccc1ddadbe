// SPDX-License-Identifier: GPL-3.0-or-later
// The reference for Mien's C face models: runs @vladmandic/face-api 1.7.15
// itself (tiny face detector 416 / 0.5, 68-point landmarks, expressions,
// descriptors) on photos given as PFM files, so that both sides see the same
// decoded pixels, and prints one JSON object per photo.
//
// Usage: node faceapi-reference.js MODEL_DIR [--backend cpu|wasm]
//          [--input-size N] [--score-threshold T] PHOTO.pfm...
// The cpu backend (plain JavaScript, float32) is the default: it needs no
// binary and no network at run time.
'use strict';

const fs = require('fs');
const path = require('path');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

const { tf } = faceapi;

/* PFM: "PF" (RGB) or "Pf" (gray), width height, scale (< 0: little endian),
 * rows bottom to top. */
function readPfm(file) {
  const buf = fs.readFileSync(file);
  let pos = 0;
  const token = () => {
    while (/\s/.test(String.fromCharCode(buf[pos]))) pos++;
    const start = pos;
    while (!/\s/.test(String.fromCharCode(buf[pos]))) pos++;
    return buf.toString('latin1', start, pos);
  };
  const kind = token();
  const width = parseInt(token(), 10);
  const height = parseInt(token(), 10);
  const scale = parseFloat(token());
  pos++; // the single whitespace before the data
  const channels = kind === 'PF' ? 3 : 1;
  if ((kind !== 'PF' && kind !== 'Pf') || !(width > 0) || !(height > 0)) throw new Error(`${file}: not a PFM file`);
  const n = width * height * channels;
  if (buf.length - pos < 4 * n) throw new Error(`${file}: truncated`);
  const out = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = height - 1 - y;
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const src = pos + 4 * ((row * width + x) * channels + (channels === 3 ? c : 0));
        const v = scale < 0 ? buf.readFloatLE(src) : buf.readFloatBE(src);
        out[(y * width + x) * 3 + c] = v * 255; // face-api works on 0..255
      }
    }
  }
  return tf.tensor3d(out, [height, width, 3], 'float32');
}

function parseArgs(argv) {
  const opts = { backend: 'cpu', inputSize: 416, scoreThreshold: 0.5, photos: [] };
  opts.modelDir = argv[0];
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '--backend') opts.backend = argv[++i];
    else if (argv[i] === '--input-size') opts.inputSize = parseInt(argv[++i], 10);
    else if (argv[i] === '--score-threshold') opts.scoreThreshold = parseFloat(argv[++i]);
    else opts.photos.push(argv[i]);
  }
  if (!opts.modelDir || !opts.photos.length) {
    process.stderr.write('usage: faceapi-reference.js MODEL_DIR [--backend cpu|wasm] PHOTO.pfm...\n');
    process.exit(2);
  }
  return opts;
}

const round = (v) => Math.round(v * 1e6) / 1e6;

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  await tf.setBackend(opts.backend);
  await tf.ready();
  await faceapi.nets.tinyFaceDetector.loadFromDisk(opts.modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(opts.modelDir);
  await faceapi.nets.faceExpressionNet.loadFromDisk(opts.modelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(opts.modelDir);
  const options = new faceapi.TinyFaceDetectorOptions({
    inputSize: opts.inputSize, scoreThreshold: opts.scoreThreshold,
  });
  const results = [];
  for (const photo of opts.photos) {
    const input = readPfm(photo);
    const t0 = Date.now();
    const faces = await faceapi.detectAllFaces(input, options)
      .withFaceLandmarks().withFaceExpressions().withFaceDescriptors();
    const ms = Date.now() - t0;
    results.push({
      photo: path.basename(photo),
      width: input.shape[1],
      height: input.shape[0],
      backend: tf.getBackend(),
      ms,
      faces: faces.map((f) => ({
        box: {
          x: round(f.detection.box.x), y: round(f.detection.box.y),
          width: round(f.detection.box.width), height: round(f.detection.box.height),
        },
        score: round(f.detection.score),
        landmarks: f.landmarks.positions.map((p) => [round(p.x), round(p.y)]),
        expressions: faceapi.FACE_EXPRESSION_LABELS.map((k) => round(f.expressions[k])),
        descriptor: Array.from(f.descriptor, round),
      })),
    });
    input.dispose();
  }
  process.stdout.write(`${JSON.stringify({ faceapi: faceapi.version, photos: results })}\n`);
}

main().catch((e) => { process.stderr.write(`faceapi-reference: ${e.stack || e}\n`); process.exit(1); });
