// Training time per epoch in the wasm build under Node, through the calls the
// page's workers make (DepthSession / KoopmanSession `epoch()`), for the
// same links as benches/epochs.rs. Medians over every epoch.
//
//   node tools/ref/wasm_epochs.mjs [pkg folder, default www/pkg]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const pkg = resolve(process.argv[2] ?? new URL('../../www/pkg', import.meta.url).pathname);
const core = await import(pathToFileURL(`${pkg}/continuum.js`).href);
await core.default({ module_or_path: readFileSync(`${pkg}/continuum_bg.wasm`) });
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Milliseconds of each `epoch()` of a session of `link` until it returns nothing. */
function epochTimes(Session, link) {
  const session = new Session(link);
  const times = [];
  for (;;) {
    const t = performance.now();
    if (session.epoch() == null) break;
    times.push(performance.now() - t);
  }
  session.free();
  return times;
}

const depth = [1, 2, 3].flatMap((seed) => epochTimes(core.DepthSession, `#lab=depth&seed=${seed}`));
console.log(`wasm    depth #lab=depth: ${median(depth).toFixed(2)} ms per epoch (median of ${depth.length})`);
for (const [name, extra] of [['consistent', ''], ['plain', '&nu=0&eta=0']]) {
  const times = epochTimes(core.KoopmanSession, `#lab=koopman&epochs=100${extra}`);
  console.log(`wasm    koopman ${name}: ${median(times).toFixed(2)} ms per epoch (median of ${times.length})`);
}
