// The claims scoreboard's worker: its own instance of the wasm core, which
// runs a group of links of a lab (a claim's link and its control) at one
// seed to the end, one after the other, and answers with the statistics of
// every claim that reads each: the numbers `continuum claims` gives for
// them. The runs of a group share repeated work, as in `continuum claims`
// (the control that only re-evaluates the claim's trained model does not
// train it again); what was kept is dropped after each group.
//
// In:  {id, lab, seed, runs: [{link, indices}]}
// Out: {id, values: [[…] per run]} | {id, error}

import { core, loadCore } from '../core.js';

const ready = loadCore().then(() => core.shareWork());

onmessage = async ({ data: m }) => {
  await ready;
  try {
    const values = m.runs.map((r) => Array.from(core.claimValues(m.lab, r.link, m.seed, Uint32Array.from(r.indices))));
    postMessage({ id: m.id, values });
  } catch (e) {
    postMessage({ id: m.id, error: String(e?.message ?? e) });
  } finally {
    core.forgetSharedWork();
  }
};
