// The transfer lab's worker: the link's driver (TransferRun: for each seed,
// both sources an epoch at a time, then the sweep over n one sample count at
// a time) in the shared loop's slices (../../worker/loop.js, runDriver).
//
// In:  the loop's start / play / pause / step | {type: 'gpu-inputs'}
// Out: {type: 'ready', status} | {type: 'steps', steps, status, rows, sources?, report?}
//      | {type: 'gpu-inputs', inputs} | {type: 'error', message}

import { core } from '../../core.js';
import { runDriver } from '../../worker/loop.js';

runDriver({
  open: (link) => new core.TransferSession(link),
  extra(session, steps, status, memo) {
    const out = { rows: session.rows() };
    // The first seed's sources, once, when trained.
    if (!memo.sources) {
      const sources = session.sources();
      if (sources) out.sources = memo.sources = sources;
    }
    return out;
  },
  on: {
    'gpu-inputs': (session) => postMessage({ type: 'gpu-inputs', inputs: session.gpuInputs() }),
  },
});
