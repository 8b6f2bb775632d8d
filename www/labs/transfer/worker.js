// The transfer lab's worker: for each seed, both sources (natural and
// robust) train epoch by epoch side by side, then the transfer sweep runs
// one sample count at a time, in the shared loop's slices
// (../../worker/loop.js).
//
// In:  the loop's start / play / pause / step | {type: 'gpu-inputs'}
// Out: {type: 'ready', status} (status: core::driver::Progress) | {type: 'steps', steps, status, rows, sources?}
//      | {type: 'gpu-inputs', inputs} | {type: 'error', message}

import { TransferSession } from '../../pkg/continuum.js';
import { runWorker, slice } from '../../worker/loop.js';

let session = null;
let sentSources = false;

function post(steps) {
  const status = session.progress();
  const reply = { type: 'steps', steps, status, rows: session.rows() };
  if (!sentSources) {
    const sources = session.sources();
    if (sources) {
      reply.sources = sources;
      sentSources = true;
    }
  }
  // The report `continuum run` prints for this link, once the run is done.
  if (status.finished) reply.report = session.report();
  postMessage(reply);
  return !status.finished;
}

runWorker({
  start(m) {
    session?.free();
    session = new TransferSession(m.link);
    sentSources = false;
    return { status: session.progress() };
  },
  turn(playing) {
    if (!session || !playing) return false;
    return post(slice(() => session.step()));
  },
  step() {
    const s = session.step();
    post(s ? [s] : []);
  },
  on: {
    'gpu-inputs'() {
      postMessage({ type: 'gpu-inputs', inputs: session.gpuInputs() });
    },
  },
});
