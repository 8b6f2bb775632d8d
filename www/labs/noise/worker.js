// The noise lab's worker: the link's study (rnn, stabilize or titrate) runs
// in the shared loop's slices (../../worker/loop.js), one small unit per
// step (a batch of both RNNs or a slice of their evaluation; 64 paths; one
// epoch of one classifier, or the titration analysis).
//
// In:  the loop's start / play / pause / step | {type: 'gpu-inputs'}
// Out: {type: 'ready', status, examples?, images?}
//      | {type: 'steps', steps, status, rnn?, stats?, titrate?, report?}
//      | {type: 'gpu-inputs', inputs} | {type: 'error', message}

import { NoiseSession } from '../../pkg/continuum.js';
import { runWorker, slice } from '../../worker/loop.js';

let session = null;
let sentModels = false;

function post(steps) {
  const status = session.status();
  const reply = { type: 'steps', steps, status };
  if (status.study === 'rnn') {
    const evaluated = steps.some((s) => s.kind === 'evaluated');
    const finishedSeed = steps.some((s) => s.kind === 'batch') && !sentModels;
    if (evaluated || finishedSeed || status.finished) {
      reply.rnn = session.rnnResult();
      if (reply.rnn.models) sentModels = true;
    }
  } else if (status.finished) {
    reply.stats = session.stats();
    reply.titrate = session.titrateResult();
  }
  // The report `continuum run` prints for this link, once the study is done.
  if (status.finished) reply.report = session.report();
  postMessage(reply);
  return !status.finished;
}

runWorker({
  start(m) {
    session?.free();
    session = new NoiseSession(m.link);
    sentModels = false;
    return { status: session.status(), examples: session.examples(), images: session.images() };
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
