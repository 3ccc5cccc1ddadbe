// SPDX-License-Identifier: GPL-3.0-or-later
// Runs @vladmandic/face-api (the package itself, in node, pure-JS/WASM tfjs,
// no native binary) on photos and writes one mien-landmarks JSON file per
// photo: every face's box, score and 68 iBUG landmarks in photo pixels.
// These are the test fixtures in tests/data/landmarks/ and the stand-in for
// the C detector while it is being written. Format: engine/io/mien-landmarks-io.h.
//
//   npm ci && node make-landmarks.js OUT_DIR PHOTO...
//
// Decoding: jpeg-js / pngjs (pure JS). The demo photos carry no EXIF
// orientation, so none is applied here; the C loader applies it.
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
const jpeg = require('jpeg-js');
const { PNG } = require('pngjs');

const MODEL_DIR = process.env.MIEN_FACE_API_MODELS
  || path.join(__dirname, '../../../data/models/face-api');
const MIN_SCORE = 0.5;

function decode(file) {
  const buf = fs.readFileSync(file);
  let img;
  if (buf[0] === 0x89 && buf[1] === 0x50) img = PNG.sync.read(buf);
  else img = jpeg.decode(buf, { useTArray: true, maxMemoryUsageInMB: 1024 });
  const { width, height, data } = img; // RGBA
  const rgb = new Int32Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height; i++) {
    rgb[j++] = data[4 * i]; rgb[j++] = data[4 * i + 1]; rgb[j++] = data[4 * i + 2];
  }
  return { width, height, tensor: tf.tensor3d(rgb, [height, width, 3], 'int32') };
}

const r = (v) => Math.round(v * 100) / 100;

async function run(outDir, files) {
  await tf.setBackend('cpu');
  await tf.ready();
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(MODEL_DIR);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(MODEL_DIR);
  for (const file of files) {
    const img = decode(file);
    const opts = new faceapi.SsdMobilenetv1Options({ minConfidence: MIN_SCORE, maxResults: 100 });
    const res = await faceapi.detectAllFaces(img.tensor, opts).withFaceLandmarks();
    img.tensor.dispose();
    // Left to right, so "--face N" counts the way a person reads the photo.
    res.sort((a, b) => a.detection.box.x - b.detection.box.x);
    const faces = res.map((f) => ({
      box: [r(f.detection.box.x), r(f.detection.box.y), r(f.detection.box.width), r(f.detection.box.height)],
      score: Math.round(f.detection.score * 10000) / 10000,
      landmarks: f.landmarks.positions.map((p) => [r(p.x), r(p.y)]),
    }));
    const doc = {
      format: 'mien-landmarks',
      version: 1,
      image: path.basename(file),
      width: img.width,
      height: img.height,
      source: `@vladmandic/face-api ${faceapi.version} ssdMobilenetv1 (minConfidence ${MIN_SCORE}) + faceLandmark68Net, tfjs ${tf.version.tfjs} cpu`,
      faces,
    };
    const out = path.join(outDir, path.basename(file).replace(/\.[^.]+$/, '.json'));
    // One point per line keeps fixtures readable and diffs small.
    const text = JSON.stringify(doc, null, 1).replace(/\[\s+([-\d.e]+),\s+([-\d.e]+)\s+\]/g, '[$1, $2]');
    fs.writeFileSync(out, text + '\n');
    console.log(`${out}: ${faces.length} faces`);
  }
}

run(process.argv[2], process.argv.slice(3)).catch((e) => { console.error(e); process.exit(1); });
