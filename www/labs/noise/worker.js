// The noise lab's worker: the link's study's driver (noise::driver: a batch
// of both RNNs or a slice of their evaluation; 64 paths; one epoch of one
// classifier, or a step of the titration analysis) in the shared loop's
// slices (../../worker/loop.js, runDriver).
//
// In:  the loop's start / play / pause / step | {type: 'gpu-inputs'}
// Out: {type: 'ready', status, examples?, images?}
//      | {type: 'steps', steps, status, rnn?, stats?, titrate?, report?}
//      | {type: 'gpu-inputs', inputs} | {type: 'error', message}

import { core } from '../../core.js';
import { runDriver } from '../../worker/loop.js';

runDriver({
  open: (link) => new core.NoiseSession(link),
  ready: (session) => ({ examples: session.examples(), images: session.images() }),
  extra(session, steps, status, memo) {
    if (status.study === 'rnn') {
      // The figure's rows when a condition was evaluated; the first seed's models once trained.
      const evaluated = steps.some((s) => s.kind === 'evaluated');
      const trained = steps.some((s) => s.kind === 'batch') && !memo.models;
      if (!(evaluated || trained || status.finished)) return {};
      const rnn = session.rnnResult();
      if (rnn.models) memo.models = true;
      return { rnn };
    }
    return status.finished ? { stats: session.stats(), titrate: session.titrateResult() } : {};
  },
  on: {
    'gpu-inputs': (session) => postMessage({ type: 'gpu-inputs', inputs: session.gpuInputs() }),
  },
});
