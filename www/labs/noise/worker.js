// The noise lab's worker: the link's study's driver (noise::driver: a batch
// of both RNNs or a slice of their evaluation; 64 paths; one epoch of one
// classifier, or a step of the titration analysis) in the shared loop's
// slices (../../worker/loop.js, runDriver).
//
// The RNN study trains and evaluates its two models on two cores where
// there are two: this worker the deterministic models and ./noisy.js, a
// worker of its own, the noisy ones. Each seed's noisy model comes back as
// weights (adoptNoisy), then its accuracy on each perturbed test set
// (adoptNoisyAccuracy), while this worker evaluates the deterministic
// model. Same numbers either way.
//
// In:  the loop's start / play / pause / step | {type: 'gpu-inputs'}
// Out: {type: 'ready', status, examples?, images?, workers}
//      | {type: 'steps', steps, status, rnn?, stats?, titrate?, report?}
//      | {type: 'gpu-inputs', inputs} | {type: 'error', message}

import { core } from '../../core.js';
import { postError, runDriver } from '../../worker/loop.js';

/** The worker training the noisy models of the current run, if any. */
let helper = null;

/** Opens the run; for the RNN study on two cores or more, hands its noisy models to a second worker. */
function open(link) {
  helper?.terminate();
  helper = null;
  const session = new core.NoiseSession(link);
  if ((navigator.hardwareConcurrency ?? 1) < 2 || !session.trainNoisyElsewhere()) return session;
  const mine = new Worker(new URL('./noisy.js', import.meta.url), { type: 'module' });
  helper = mine;
  mine.onmessage = ({ data: m }) => {
    if (helper !== mine) return;
    try {
      if (m.type === 'error') throw new Error(`the noisy models' worker: ${m.message}`);
      if (m.type !== 'batch') return;
      if (m.trained) session.adoptNoisy(m.seed, m.trained);
      if (m.evaluated) session.adoptNoisyAccuracy(m.seed, m.evaluated.condition, m.evaluated.accuracy);
      if (m.stats) driver.post([{ kind: 'batch', seed: m.seed, deterministic: null, noisy: m.stats }]);
      driver.wake();
    } catch (e) {
      postError(e);
    }
  };
  mine.onerror = (e) => postError(`the noisy models' worker failed: ${e.message ?? 'no message'}`);
  mine.postMessage({ type: 'start', link, play: true });
  return session;
}

const driver = runDriver({
  open,
  idle: (session) => session.waiting(),
  played: (on) => helper?.postMessage({ type: on ? 'play' : 'pause' }),
  ready: (session) => ({ examples: session.examples(), images: session.images(), workers: helper ? 2 : 1 }),
  extra(session, steps, status, memo) {
    if (status.study === 'rnn') {
      // The figure's rows when a condition was evaluated; the first seed's models once trained.
      const evaluated = steps.some((s) => s.kind === 'evaluated');
      const trained = steps.some((s) => s.kind === 'batch') && !memo.models;
      if (!(evaluated || trained || status.finished)) return {};
      // The models' panels once: they cost about 0.3 s and never change.
      const rnn = session.rnnResult(!memo.models);
      if (rnn.models) memo.models = true;
      return { rnn };
    }
    return status.finished ? { stats: session.stats(), titrate: session.titrateResult() } : {};
  },
  on: {
    'gpu-inputs': (session) => postMessage({ type: 'gpu-inputs', inputs: session.gpuInputs() }),
  },
});
