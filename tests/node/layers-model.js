// What the TensorFlow.js reference scripts share (tests/node/tfjs-golden.js,
// bench/label_tfjs.js): a converted layers model read from its folder, and
// raw float32 tensor files.
'use strict';
const fs = require('fs');
const path = require('path');

// floats(file): the file's bytes as a Float32Array (no copy).
function floats(file) {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
}

// loadModel(tf, dir): the model of dir/model.json and its weight shards,
// loaded by the caller's tf (whose backend it has chosen) from memory.
async function loadModel(tf, dir) {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const specs = [], parts = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) parts.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(parts);
  const data = all.buffer.slice(all.byteOffset, all.byteOffset + all.length);
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: data }));
}

module.exports = { floats, loadModel };
