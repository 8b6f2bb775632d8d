// The sketch lab's worker: the link's driver (SketchRun: either study's
// sweep, one sketch (svd) or one trial (opnorm) at a time, then the adaptive
// check) in the shared loop's slices (../../worker/loop.js, runDriver),
// posting the figure's numbers after every slice. Pause stops the sweep
// where it is; play continues it.
//
// In:  the loop's start / play / pause / step | {type: 'bench'} | {type: 'gpu-check', bootstrap, sketches}
// Out: {type: 'ready', status, state} | {type: 'steps', steps, status, state, adaptive?, report?}
//      | {type: 'bench', …} | {type: 'gpu-check', …} | {type: 'error', message}

import { core } from '../../core.js';
import { runDriver } from '../../worker/loop.js';

runDriver({
  open: (link) => new core.SketchSession(link),
  ready: (session) => ({ state: session.state() }),
  extra: (session, steps, status) => ({ state: session.state(), ...(status.finished ? { adaptive: session.adaptive() } : {}) }),
  on: {
    bench: (session) => postMessage({ type: 'bench', ...session.bench() }),
    'gpu-check': (session, m) => postMessage({ type: 'gpu-check', ...session.checkGpu(m.bootstrap, m.sketches) }),
  },
});
