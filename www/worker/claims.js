// The claims scoreboard's worker: its own instance of the wasm core, which
// runs one link of a lab (a claim's link or control) at one seed to the end
// and answers with the statistics of every claim that reads it: the numbers
// `continuum claims` gives for them.
//
// In:  {id, lab, link, seed, indices}
// Out: {id, values} | {id, error}

import { core, loadCore } from '../core.js';

const ready = loadCore();

onmessage = async ({ data: m }) => {
  await ready;
  try {
    postMessage({ id: m.id, values: Array.from(core.claimValues(m.lab, m.link, m.seed, Uint32Array.from(m.indices))) });
  } catch (e) {
    postMessage({ id: m.id, error: String(e?.message ?? e) });
  }
};
