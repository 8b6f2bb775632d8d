// The noise lab's second worker: trains and evaluates the RNN study's noisy
// models (core NoisyTrainer: noise::NoisyModels) while the lab's worker
// trains and evaluates the deterministic ones, so the two models of a seed
// train and are evaluated on two cores. The two share nothing but the seed,
// so the numbers are the ones a single worker (and `continuum run`) gives.
//
// In:  the loop's start / play / pause (from ./worker.js)
// Out: {type: 'batch', seed, stats?, trained?, evaluated?}: stats when an
//      epoch ended, trained (the weights) when the seed's model is done,
//      evaluated ({condition, accuracy}) when a perturbed test set is
//      | {type: 'ready'} | {type: 'error', message}

import { core } from '../../core.js';
import { runWorker, slice } from '../../worker/loop.js';

let trainer = null;

runWorker({
  start(m) {
    trainer?.free();
    trainer = new core.NoisyTrainer(m.link);
    return {};
  },
  turn(playing) {
    if (!trainer || !playing) return false;
    let ended = false;
    const batches = slice(() => {
      const b = trainer.batch();
      ended = b === null;
      return b;
    });
    for (const b of batches) if (b.stats || b.trained || b.evaluated) postMessage({ type: 'batch', ...b });
    return !ended;
  },
  step() {},
});
