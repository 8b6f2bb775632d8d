// One worker of the depth lab's CPU grid pool (./grid.js): its own wasm
// instance evaluates a band of the decision boundary's rows.
//
// In:  {id, packed, res, row0, row1}
// Out: {id, logits: Float32Array} | {id, error}

import { core, loadCore } from '../../core.js';

const ready = loadCore();

onmessage = async ({ data: m }) => {
  try {
    await ready;
    const logits = core.depthGridRows(m.packed, m.res, m.row0, m.row1);
    postMessage({ id: m.id, logits }, [logits.buffer]);
  } catch (e) {
    postMessage({ id: m.id, error: String(e?.message ?? e) });
  }
};
