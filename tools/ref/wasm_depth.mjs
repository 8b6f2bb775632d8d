// Times the wasm build's CPU forward pass (the depth benchmark's problem,
// `depthForwardBench`) under Node, and compares its logits bit for bit with
// the native build's (the little-endian f32 file named on the command line,
// written by `cargo bench --bench depth`). Twice: one instance on one
// thread, and a pool of worker threads each with its own instance and a band
// of the grid's rows (`kernel::row_share`) — what the page's CPU grid pool
// (www/labs/depth/grid.js) does with Web Workers. Prints one JSON object.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import init, { depthForwardBench } from '../../www/pkg/continuum.js';

await init({ module_or_path: readFileSync(new URL('../../www/pkg/continuum_bg.wasm', import.meta.url)) });

if (!isMainThread) {
  // A pool worker: answer every request with its band.
  parentPort.on('message', () => parentPort.postMessage(depthForwardBench(workerData.part, workerData.parts)));
} else {
  // Copied out of the Buffer: a small file's Buffer is a view into Node's shared pool.
  const native = new Float32Array(Uint8Array.from(readFileSync(process.argv[2])).buffer);
  const bits = (a) => new Uint32Array(a.buffer, a.byteOffset, a.length);
  const same = (a) => a.length === native.length && bits(a).every((v, i) => v === bits(native)[i]);
  const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];

  let logits = depthForwardBench(0, 1); // warm up
  const one = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    logits = depthForwardBench(0, 1);
    one.push(performance.now() - t);
  }

  const parts = Math.min(4, availableParallelism());
  const pool = Array.from({ length: parts }, (_, part) => new Worker(new URL(import.meta.url), { workerData: { part, parts } }));
  const round = () =>
    Promise.all(pool.map((w) => new Promise((ok) => (w.once('message', ok), w.postMessage(null))))).then((bands) => {
      const out = new Float32Array(bands.reduce((n, b) => n + b.length, 0));
      let at = 0;
      for (const b of bands) (out.set(b, at), (at += b.length));
      return out;
    });
  let pooled = await round(); // warm up (each instance compiles)
  const many = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    pooled = await round();
    many.push(performance.now() - t);
  }
  await Promise.all(pool.map((w) => w.terminate()));
  console.log(JSON.stringify({ wasm_ms: median(one), identical: same(logits), pool_ms: median(many), pool_workers: parts, pool_identical: same(pooled), n: logits.length }));
}
