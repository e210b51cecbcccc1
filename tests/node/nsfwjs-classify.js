#!/usr/bin/env node
// The nsfwjs side of label export's parity test: serves a model folder
// over HTTP on 127.0.0.1, loads it with nsfwjs from npm as its README
// says to host your own model (nsfwjs.load(URL, {type: 'layers', size})),
// and prints classify()'s probabilities for decoded images as CSV in the
// order of the folder's classes.txt, as `label predict --format csv` does.
//
//   node tests/node/nsfwjs-classify.js DIR SIZE LIST OUT.csv REQUESTS.log
//
// LIST holds one image a line: "NAME RGB W H", RGB its full decode as
// bytes (tests/nntool rgb), so that nsfwjs gets the very pixels winnow
// decodes. classify() names its results with nsfwjs' own five class names
// by output index (nsfw_classes.js; neither load() nor classify() takes
// other names), so an output past the fifth comes back with no name. The
// probabilities are read with infer() (nsfwjs' own preparation, the raw
// output tensor); with five outputs or fewer classify()'s too, mapped back
// to the index, and they must agree exactly. Prints "classify" or "infer":
// which gave the CSV. Every request the server answers is appended to
// REQUESTS.log ("GET /PATH STATUS").
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const tf = require('@tensorflow/tfjs');
const nsfwjs = require('nsfwjs');

// nsfwjs' index -> name table, from the package itself.
const NSFW_CLASSES = require(path.join(path.dirname(require.resolve('nsfwjs')),
  'nsfw_classes.js')).NSFW_CLASSES;

// A static server for the files right in dir, nothing else.
function serve(dir, log) {
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\//, '');
    let body = null;
    if (req.method === 'GET' && name && !name.includes('/') && !name.startsWith('.')) {
      try { body = fs.readFileSync(path.join(dir, name)); } catch (e) { body = null; }
    }
    const status = body ? 200 : 404;
    fs.appendFileSync(log, `${req.method} ${req.url} ${status}\n`);
    res.writeHead(status, { 'Content-Type': name.endsWith('.json') ? 'application/json' :
      'application/octet-stream' });
    res.end(body || 'not found');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function main([dir, size, list, out, log]) {
  await tf.setBackend('cpu');
  const classes = fs.readFileSync(path.join(dir, 'classes.txt'), 'utf8').split('\n').filter(Boolean);
  const named = classes.length <= Object.keys(NSFW_CLASSES).length;
  const index = {};
  for (const [i, name] of Object.entries(NSFW_CLASSES)) index[name] = Number(i);
  const server = await serve(dir, log);
  const url = `http://127.0.0.1:${server.address().port}/`;
  const model = await nsfwjs.load(url, { type: 'layers', size: Number(size) });
  const rows = [['path', ...classes].join(',')];
  for (const line of fs.readFileSync(list, 'utf8').split('\n').filter(Boolean)) {
    const [name, rgb, w, h] = line.split(' ');
    const b = fs.readFileSync(rgb);
    const img = tf.tensor3d(new Uint8Array(b.buffer, b.byteOffset, b.length),
      [Number(h), Number(w), 3], 'int32');
    const output = model.infer(img);
    const raw = Array.from(await output.data());
    output.dispose();
    if (raw.length !== classes.length)
      throw new Error(`${name}: ${raw.length} outputs for ${classes.length} classes`);
    let probs = raw;
    if (named) {
      const top = await model.classify(img, classes.length);
      probs = new Array(classes.length).fill(NaN);
      for (const { className, probability } of top) probs[index[className]] = probability;
      if (probs.some((p, i) => p !== raw[i]))
        throw new Error(`${name}: classify() and infer() disagree`);
    }
    img.dispose();
    rows.push([name, ...probs.map((p) => p.toFixed(6))].join(','));
  }
  model.dispose();
  server.close();
  fs.writeFileSync(out, rows.join('\n') + '\n');
  console.log(named ? 'classify' : 'infer');
}

main(process.argv.slice(2)).catch((e) => { console.error(e.message); process.exit(1); });
