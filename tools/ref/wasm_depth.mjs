// Times the wasm build's CPU forward pass (the depth benchmark's problem,
// `depthForwardBench`) under Node, and compares its logits bit for bit with
// the native build's (the little-endian f32 file named on the command line,
// written by `cargo bench --bench depth`). Prints one JSON object.
import { readFileSync } from 'node:fs';
import init, { depthForwardBench } from '../../www/pkg/continuum.js';

await init({ module_or_path: readFileSync(new URL('../../www/pkg/continuum_bg.wasm', import.meta.url)) });
const native = new Float32Array(readFileSync(process.argv[2]).buffer.slice(0));
let logits = depthForwardBench(); // warm up
const times = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  logits = depthForwardBench();
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const bits = (a) => new Uint32Array(a.buffer, a.byteOffset, a.length);
const [got, want] = [bits(logits), bits(native)];
const same = got.length === want.length && got.every((v, i) => v === want[i]);
console.log(JSON.stringify({ wasm_ms: times[2], identical: same, n: logits.length }));
