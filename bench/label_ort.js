#!/usr/bin/env node
// ONNX Runtime's side of bench/label_ort.sh: onnxruntime-node (bench/ort/)
// runs bench/onnx-convert.py's graph on the prepared input tensors winnow's
// nn_bench reads (raw float32 NHWC, one image after another), one image a
// run (batch 1), all graph optimisations, THREADS intra-op threads and one
// inter-op thread, sequential execution.
//
//   node bench/label_ort.js MODEL.onnx IN.f32 THREADS REPEAT [OUT.f32]
//
// ORT_SPIN=0 in the environment turns off the intra-op threads' spinning
// while they wait for work (ONNX Runtime's default is to spin, which costs
// it dearly on a machine whose cores are all busy with other work).
//
// Prints "<seconds> <images> <processor seconds>" for REPEAT passes over the
// tensors, after one warm-up image (processor time: the whole process's,
// as nn_bench reports it); OUT receives each image's probabilities
// (float32), once.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, 'ort/node_modules/onnxruntime-node'));

async function main() {
  const [model, input, threads, repeat, out] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    executionProviders: ['cpu'],
    extra: { session: { intra_op: { allow_spinning: process.env.ORT_SPIN === '0' ? '0' : '1' } } },
  });
  const meta = session.inputMetadata ? session.inputMetadata[0] : null;
  const dims = meta && meta.shape ? meta.shape : null;
  const buf = fs.readFileSync(input);
  const x = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const per = dims ? dims[1] * dims[2] * dims[3] : Number(process.env.ORT_PER);
  const n = x.length / per;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${input}: not a whole number of tensors`);
  const shape = dims || [1, Math.round(Math.sqrt(per / 3)), Math.round(Math.sqrt(per / 3)), 3];
  const feeds = [];
  for (let k = 0; k < n; k++)
    feeds.push({ input: new ort.Tensor('float32', x.subarray(k * per, (k + 1) * per), shape) });
  const outs = new Array(n);
  await session.run(feeds[0]);
  const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
  for (let r = 0; r < Number(repeat); r++)
    for (let k = 0; k < n; k++) outs[k] = (await session.run(feeds[k])).probs.data;
  const c = process.cpuUsage(c0);
  console.log(Number(process.hrtime.bigint() - t0) / 1e9, n * Number(repeat), (c.user + c.system) / 1e6);
  if (out) fs.writeFileSync(out, Buffer.concat(outs.map((o) => Buffer.from(o.buffer, o.byteOffset, o.byteLength))));
  await session.release();
}
main().catch((e) => { console.error(e.message); process.exit(1); });
