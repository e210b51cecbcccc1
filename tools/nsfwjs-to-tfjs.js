#!/usr/bin/env node
// Converts one model bundled in the nsfwjs npm package to the standard
// TensorFlow.js layers-model format: model.json plus binary weight shards.
//
//   node tools/nsfwjs-to-tfjs.js PACKAGE_MODEL_DIR OUT_DIR
//
// In the package, dist/models/<name>/model.min.js and
// group1-shard*of*.min.js are UMD modules: require() gives the model.json
// object and a base64 string of each shard. Nothing else is needed (no
// node_modules). The shards' total size is checked against the manifest.
// classes.txt gets the class names, one a line, from nsfw_classes.js.
'use strict';
const fs = require('fs');
const path = require('path');

function main() {
  const [src, out] = process.argv.slice(2);
  if (!src || !out) {
    console.error('usage: nsfwjs-to-tfjs.js PACKAGE_MODEL_DIR OUT_DIR');
    process.exit(2);
  }
  const model = require(path.resolve(src, 'model.min.js'));
  if (!model.modelTopology || !Array.isArray(model.weightsManifest))
    throw new Error(`${src}/model.min.js: not a layers model`);
  const bytesPerElem = { uint8: 1, uint16: 2, float32: 4, int32: 4 };
  let want = 0;
  for (const group of model.weightsManifest)
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      want += n * bytesPerElem[w.quantization ? w.quantization.dtype : w.dtype];
    }
  fs.mkdirSync(out, { recursive: true });
  let have = 0;
  const manifest = model.weightsManifest.map((group) => ({
    paths: group.paths.map((p) => {
      const b64 = require(path.resolve(src, `${p}.min.js`));
      if (typeof b64 !== 'string') throw new Error(`${src}/${p}.min.js: not a base64 shard`);
      const buf = Buffer.from(b64, 'base64');
      have += buf.length;
      fs.writeFileSync(path.join(out, `${p}.bin`), buf);
      return `${p}.bin`;
    }),
    weights: group.weights,
  }));
  if (have !== want)
    throw new Error(`${src}: shards hold ${have} bytes, the manifest wants ${want}`);
  const json = {
    format: 'layers-model',
    generatedBy: model.modelTopology.keras_version || 'keras',
    convertedBy: 'winnow tools/nsfwjs-to-tfjs.js from nsfwjs',
    modelTopology: model.modelTopology,
    weightsManifest: manifest,
  };
  // The class names, in output order, from the package's nsfw_classes.js.
  const classes = require(path.resolve(src, '../../cjs/nsfw_classes.js')).NSFW_CLASSES;
  const names = Object.keys(classes).sort((a, b) => a - b).map((k) => classes[k]);
  fs.writeFileSync(path.join(out, 'classes.txt'), names.join('\n') + '\n');
  fs.writeFileSync(path.join(out, 'model.json.tmp'), JSON.stringify(json));
  fs.renameSync(path.join(out, 'model.json.tmp'), path.join(out, 'model.json'));
  console.log(`${out}: ${manifest.reduce((a, g) => a + g.weights.length, 0)} tensors, ${have} bytes`);
}

main();
