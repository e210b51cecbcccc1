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
const path = require('path');
const node = path.resolve(__dirname, '../tests/node');
const tf = require(path.join(node, 'node_modules/@tensorflow/tfjs'));
require(path.join(node, 'node_modules/@tensorflow/tfjs-backend-wasm'));
const { floats, loadModel } = require(path.join(node, 'layers-model.js'));

async function main() {
  const [dir, input] = process.argv.slice(2);
  await tf.setBackend('wasm');
  const model = await loadModel(tf, dir);
  const [h, w, c] = model.inputs[0].shape.slice(1);
  const x = floats(input), per = h * w * c, n = x.length / per;
  const run = (k) => tf.tidy(() => model.predict(tf.tensor4d(x.subarray(k * per, (k + 1) * per), [1, h, w, c])).dataSync());
  run(0);
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < n; k++) run(k);
  console.log(Number(process.hrtime.bigint() - t0) / 1e9, n);
}
main().catch((e) => { console.error(e.message); process.exit(1); });
