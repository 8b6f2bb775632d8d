// Times the wasm build's convolution benchmark (`ConvBench`: the problem of
// `num::cnn::benchmark_problem`) under Node, one thread: one forward pass and
// one training step, medians of 21 after a warm-up; and compares the forward
// pass's logits bit for bit with the native build's (the little-endian f64
// file named on the command line, written by `cargo bench --bench conv`).
// Prints one JSON object.
import { readFileSync } from 'node:fs';
import init, { ConvBench } from '../../www/pkg/continuum.js';

await init({ module_or_path: readFileSync(new URL('../../www/pkg/continuum_bg.wasm', import.meta.url)) });

// Copied out of the Buffer: a small file's Buffer is a view into Node's shared pool.
const native = new Float64Array(Uint8Array.from(readFileSync(process.argv[2])).buffer);
const median = (f) => {
  f();
  const times = Array.from({ length: 21 }, () => {
    const t = performance.now();
    f();
    return performance.now() - t;
  });
  return times.sort((a, b) => a - b)[10];
};
const bench = new ConvBench();
const logits = bench.forward();
const bits = (a) => new BigUint64Array(a.buffer, a.byteOffset, a.length);
const identical = logits.length === native.length && bits(logits).every((v, i) => v === bits(native)[i]);
const forward_ms = median(() => bench.forward());
const step_ms = median(() => bench.step());
console.log(JSON.stringify({ forward_ms, step_ms, identical }));
