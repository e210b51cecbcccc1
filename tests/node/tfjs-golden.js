#!/usr/bin/env node
// The reference side of the classifier parity test: TensorFlow.js
// (@tensorflow/tfjs, CPU backend) runs a layers model on input tensors
// and writes, per input, the model's output and then the embedding (the
// last Flatten or global pooling before the first Dense layer).
//
//   node tests/node/tfjs-golden.js MODEL_DIR IN.f32 OUT.f32
//   node tests/node/tfjs-golden.js --compare A.f32 B.f32 PER TOL
//   node tests/node/tfjs-golden.js --nsfwjs-prep RGB.u8 W H SIZE OUT.f32
//
// Tensors are raw float32, one input after another, of the model's input
// shape. --compare prints the largest absolute difference over all
// values and exits 1 when it exceeds TOL (PER: values per input).
// --nsfwjs-prep does nsfwjs' own preprocessing on decoded RGB bytes:
// toFloat().div(255), then resizeBilinear(..., alignCorners = true).
'use strict';
const fs = require('fs');
const tf = require('@tensorflow/tfjs');
const { floats, loadModel } = require('./layers-model.js');

function compare([a, b, per, tol]) {
  const x = floats(a), y = floats(b);
  if (x.length !== y.length) {
    console.error(`lengths differ: ${x.length} and ${y.length}`);
    process.exit(1);
  }
  let worst = 0, at = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i] - y[i]);
    if (!(d <= worst)) { worst = d; at = i; }
  }
  console.log(`${x.length / per} inputs, largest difference ${worst.toExponential(3)}` +
              ` (input ${Math.floor(at / per)}, value ${at % per})`);
  process.exit(worst <= Number(tol) ? 0 : 1);
}

async function golden([dir, input, output]) {
  await tf.setBackend('cpu');
  const model = await loadModel(tf, dir);
  let embed = null;
  for (const l of model.layers) {
    if (l.getClassName() === 'Dense') break;
    if (['Flatten', 'GlobalAveragePooling2D'].includes(l.getClassName())) embed = l;
  }
  const both = tf.model({ inputs: model.inputs, outputs: embed ? [model.outputs[0], embed.output] : model.outputs });
  const [h, w, c] = model.inputs[0].shape.slice(1);
  const x = floats(input), per = h * w * c, out = [];
  for (let k = 0; k < x.length / per; k++) {
    const t = tf.tensor4d(x.subarray(k * per, (k + 1) * per), [1, h, w, c]);
    const ys = [].concat(both.predict(t));
    for (const y of ys) { out.push(...y.dataSync()); y.dispose(); }
    t.dispose();
  }
  fs.writeFileSync(output, Buffer.from(new Float32Array(out).buffer));
}

async function nsfwjsPrep([rgb, w, h, size, output]) {
  await tf.setBackend('cpu');
  const b = fs.readFileSync(rgb);
  const img = tf.tensor3d(new Uint8Array(b.buffer, b.byteOffset, b.length), [Number(h), Number(w), 3], 'int32');
  let x = img.toFloat().div(tf.scalar(255));
  if (Number(h) !== Number(size) || Number(w) !== Number(size))
    x = tf.image.resizeBilinear(x, [Number(size), Number(size)], true);
  fs.appendFileSync(output, Buffer.from(x.dataSync().buffer));
}

const args = process.argv.slice(2);
if (args[0] === '--compare') compare(args.slice(1));
else if (args[0] === '--nsfwjs-prep') nsfwjsPrep(args.slice(1));
else golden(args).catch((e) => { console.error(e.message); process.exit(1); });
