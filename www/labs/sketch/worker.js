// The sketch lab's worker: the link's driver (src/labs/sketch: either
// study's sweep, one sketch (svd) or one trial (opnorm) at a time, then the
// adaptive check), in the shared loop's slices
// (../../worker/loop.js), posting progress and the figure's numbers after
// every slice. Pause stops the sweep where it is; play continues it.
//
// In:  the loop's start / play / pause / step | {type: 'bench'} | {type: 'gpu-check', bootstrap, sketches}
// Out: {type: 'ready', progress, state} | {type: 'progress', progress, state}
//      | {type: 'adaptive', adaptive} | {type: 'report', report} | {type: 'bench', …} | {type: 'gpu-check', …} | {type: 'error', message}

import { SketchSession } from '../../pkg/continuum.js';
import { runWorker, slice } from '../../worker/loop.js';

let session = null;
let finished = false;

function report() {
  const progress = session.progress();
  postMessage({ type: 'progress', progress, state: session.state() });
  if (progress.finished && !finished) {
    finished = true;
    const adaptive = session.adaptive();
    if (adaptive) postMessage({ type: 'adaptive', adaptive });
    // The report `continuum run` prints for this link.
    postMessage({ type: 'report', report: session.report() });
  }
  return !progress.finished;
}

runWorker({
  start(m) {
    session?.free();
    session = new SketchSession(m.link);
    finished = false;
    return { progress: session.progress(), state: session.state() };
  },
  turn(playing) {
    if (!session || !playing) return false;
    slice(() => session.step());
    return report();
  },
  step() {
    session.step();
    report();
  },
  on: {
    bench() {
      postMessage({ type: 'bench', ...session.bench() });
    },
    'gpu-check'(m) {
      postMessage({ type: 'gpu-check', ...session.checkGpu(m.bootstrap, m.sketches) });
    },
  },
});
