#!/usr/bin/env node
// The reference side of the class activation map parity test
// (tests/cli/t0760-cam.sh): TensorFlow.js (CPU backend) runs a layers model
// up to the layer its embedding averages (found here from the graph: the
// last Flatten or GlobalAveragePooling2D before the first Dense layer, back
// through the pooling to its input), and the trained head is applied to
// every position's activations as if they were an embedding: its own
// standardisation, weights and bias, no folding. The mean of those maps
// is the head's logit on the embedding, also written.
//
//   node tests/node/cam-reference.js MODEL_DIR IN.f32 HEAD_DIR OUT.f32
//
// IN.f32: input tensors, one after another, of the model's input shape.
// HEAD_DIR: mean.f32, scale.f32 (dim each), weights.f32 (dim x k,
// row-major), bias.f32 (k), as the catalog's heads table keeps them.
// OUT.f32, per input: the k maps (k x h x w, class after class, row-major),
// then the k logits on the embedding. Prints "LAYER HxW k" on stdout.
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
const { floats, loadModel } = require('./layers-model.js');

function pooledLayer(model) {
  let embed = null;
  for (const l of model.layers) {
    if (l.getClassName() === 'Dense') break;
    if (['Flatten', 'GlobalAveragePooling2D'].includes(l.getClassName())) embed = l;
  }
  if (!embed) throw new Error('no embedding layer');
  const inbound = (l) => l.inboundNodes[0].inboundLayers[0];
  const pool = embed.getClassName() === 'Flatten' ? inbound(embed) : embed;
  if (!['AveragePooling2D', 'GlobalAveragePooling2D'].includes(pool.getClassName()))
    throw new Error(`the embedding is not an average: ${pool.getClassName()}`);
  return { embed, feat: inbound(pool) };
}

async function main([dir, input, headDir, output]) {
  await tf.setBackend('cpu');
  const model = await loadModel(tf, dir);
  const { embed, feat } = pooledLayer(model);
  const both = tf.model({ inputs: model.inputs, outputs: [feat.output, embed.output] });
  const head = (name) => floats(path.join(headDir, name));
  const mean = head('mean.f32'), scale = head('scale.f32'), bias = head('bias.f32');
  const dim = mean.length, k = bias.length;
  const W = tf.tensor2d(head('weights.f32'), [dim, k]);
  // the head on rows of features: ((x - mean) * scale) W + bias
  const apply = (x) => x.sub(tf.tensor1d(mean)).mul(tf.tensor1d(scale)).matMul(W).add(tf.tensor1d(bias));
  const [h, w, c] = model.inputs[0].shape.slice(1);
  const x = floats(input), per = h * w * c, out = [];
  let shape = '';
  for (let i = 0; i < x.length / per; i++) {
    const t = tf.tensor4d(x.subarray(i * per, (i + 1) * per), [1, h, w, c]);
    const [acts, emb] = both.predict(t);
    const [, fh, fw, fc] = acts.shape;
    if (fc !== dim) throw new Error(`the head reads ${dim} features, ${feat.name} has ${fc}`);
    shape = `${feat.name} ${fh}x${fw} ${k}`;
    const maps = apply(acts.reshape([fh * fw, fc])).transpose();
    const logits = apply(emb.reshape([1, dim]));
    out.push(...maps.dataSync(), ...logits.dataSync());
    tf.dispose([t, acts, emb, maps, logits]);
  }
  fs.writeFileSync(output, Buffer.from(new Float32Array(out).buffer));
  console.log(shape);
}

main(process.argv.slice(2)).catch((e) => { console.error(e.message); process.exit(1); });
