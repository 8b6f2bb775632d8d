// The claims scoreboard's worker: its own instance of the wasm core, which
// runs one claim (or its control) at one seed to the end and answers with
// the claim's statistic: the number `continuum claims` gives for it.
//
// In:  {id, lab, index, control, seed}
// Out: {id, value} | {id, error}

import init, { claimValue } from '../pkg/continuum.js';

const ready = init();

onmessage = async ({ data: m }) => {
  await ready;
  try {
    postMessage({ id: m.id, value: claimValue(m.lab, m.index, m.control, m.seed) });
  } catch (e) {
    postMessage({ id: m.id, error: String(e?.message ?? e) });
  }
};
