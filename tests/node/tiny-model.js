#!/usr/bin/env node
// Writes a small Keras-style layers model that uses what the nsfwjs
// models do not (GlobalAveragePooling2D, sigmoid and tanh, strided "same"
// convolutions, ReLU with a max_value, a BatchNormalization
// that cannot be folded, a Sequential-free functional graph with a
// Concatenate of three), with seeded random weights, some uint8-quantized.
//
//   node tests/node/tiny-model.js OUT_DIR
'use strict';
const fs = require('fs');
const path = require('path');

let seed = 7;
function rnd() { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 - 0.5; }

const out = process.argv[2];
fs.mkdirSync(out, { recursive: true });
const layers = [], specs = [], bufs = [];
function layer(cls, name, config, inputs) {
  layers.push({ class_name: cls, name, config: { name, ...config },
                inbound_nodes: inputs ? [inputs.map((i) => [i, 0, 0, {}])] : [] });
}
function weight(name, shape, quant) {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, () => rnd());
  if (quant) {
    const min = Math.min(...v), max = Math.max(...v), scale = (max - min) / 255;
    bufs.push(Buffer.from(v.map((x) => Math.round((x - min) / scale))));
    specs.push({ name, shape, dtype: 'float32', quantization: { min, scale, dtype: 'uint8' } });
  } else {
    bufs.push(Buffer.from(new Float32Array(v).buffer));
    specs.push({ name, shape, dtype: 'float32' });
  }
}
layer('InputLayer', 'in', { batch_input_shape: [null, 13, 11, 3], dtype: 'float32' });
layer('Conv2D', 'c1', { filters: 6, kernel_size: [3, 3], strides: [2, 2], padding: 'same',
                        activation: 'tanh', use_bias: true }, ['in']);
weight('c1/kernel', [3, 3, 3, 6], true); weight('c1/bias', [6]);
layer('ReLU', 'r1', { max_value: 0.6, negative_slope: 0, threshold: 0 }, ['c1']);
layer('BatchNormalization', 'bn', { axis: -1, epsilon: 0.001, center: true, scale: true }, ['r1']);
weight('bn/gamma', [6]); weight('bn/beta', [6]); weight('bn/moving_mean', [6]);
bufs.push(Buffer.from(new Float32Array([0.5, 1, 1.5, 2, 0.7, 0.9]).buffer));
specs.push({ name: 'bn/moving_variance', shape: [6], dtype: 'float32' });
layer('DepthwiseConv2D', 'd1', { kernel_size: [3, 3], strides: [1, 1], padding: 'valid',
                                 depth_multiplier: 1, activation: 'sigmoid', use_bias: false }, ['bn']);
weight('d1/depthwise_kernel', [3, 3, 6, 1]);
layer('MaxPooling2D', 'mp', { pool_size: [2, 2], strides: [1, 1], padding: 'same' }, ['d1']);
layer('AveragePooling2D', 'ap', { pool_size: [3, 3], strides: [1, 1], padding: 'same' }, ['bn']);
layer('Conv2D', 'c2', { filters: 6, kernel_size: [1, 1], strides: [1, 1], padding: 'valid',
                        activation: 'linear', use_bias: false }, ['ap']);
weight('c2/kernel', [1, 1, 6, 6]);
layer('ZeroPadding2D', 'zp', { padding: [[1, 1], [1, 1]] }, ['mp']);
layer('Concatenate', 'cat', { axis: -1 }, ['zp', 'c2', 'zp']);
layer('GlobalAveragePooling2D', 'gap', {}, ['cat']);
layer('Dense', 'fc', { units: 4, activation: 'softmax', use_bias: true }, ['gap']);
weight('fc/kernel', [18, 4]); weight('fc/bias', [4]);

const json = {
  format: 'layers-model',
  modelTopology: { class_name: 'Model', config: { name: 'tiny', layers,
    input_layers: [['in', 0, 0]], output_layers: [['fc', 0, 0]] } },
  weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: specs }],
};
fs.writeFileSync(path.join(out, 'group1-shard1of1.bin'), Buffer.concat(bufs));
fs.writeFileSync(path.join(out, 'model.json'), JSON.stringify(json));
