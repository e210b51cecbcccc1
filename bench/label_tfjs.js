#!/usr/bin/env node
// nsfwjs' way of classifying, for bench/label.sh: TensorFlow.js with the
// WebAssembly backend runs the same converted model on input tensors that
// are already decoded and resized (decode excluded), one at a time, as
// nsfwjs.classify() does.
//
//   node bench/label_tfjs.js MODEL_DIR IN.f32
//
// Prints "<seconds> <images>" for the inference loop alone (after one
// warm-up image).
'use strict';
const fs = require('fs');
const path = require('path');
const modules = path.resolve(__dirname, '../tests/node/node_modules');
const tf = require(path.join(modules, '@tensorflow/tfjs'));
require(path.join(modules, '@tensorflow/tfjs-backend-wasm'));

async function main() {
  const [dir, input] = process.argv.slice(2);
  await tf.setBackend('wasm');
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const specs = [], parts = [];
  for (const g of json.weightsManifest) {
    specs.push(...g.weights);
    for (const p of g.paths) parts.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(parts);
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: specs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.length) }));
  const [h, w, c] = model.inputs[0].shape.slice(1);
  const b = fs.readFileSync(input);
  const x = new Float32Array(b.buffer, b.byteOffset, b.length / 4), per = h * w * c, n = x.length / per;
  const run = (k) => tf.tidy(() => model.predict(tf.tensor4d(x.subarray(k * per, (k + 1) * per), [1, h, w, c])).dataSync());
  run(0);
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < n; k++) run(k);
  console.log(Number(process.hrtime.bigint() - t0) / 1e9, n);
}
main().catch((e) => { console.error(e.message); process.exit(1); });
