// The depth lab's worker: trains epoch after epoch in slices (the shared
// loop in ../../worker/loop.js), posting stats after each slice, and answers
// evaluation requests between slices (so the page can move the evaluation
// sliders while training runs).
//
// In:  the loop's start / play / pause / step
//      | {type: 'eval', id, scheme, steps, basis, K, packed, samples?, gpuImages?}
//      | {type: 'weights', link} | {type: 'pendulum', studies: [{scheme, link}]}
// Out: {type: 'ready', points, status} | {type: 'epochs', stats: [...], status}
//      | {type: 'studies', invariance, compression, thetaVariation, report}
//      | {type: 'eval', id, evaluation, trajectory | predictions, functions, packed?, packedImages?}
// (The decision boundary itself is drawn from `packed`: by the GPU, or on
// the CPU by the pool of ./grid.js.)
//      | {type: 'weights', weights} | {type: 'pendulum', scheme, status, points?, report?}
//        (each study is the lab's driver for its link, an epoch per unit, in slices)
//      | {type: 'error', message}

import { core } from '../../core.js';
import { runWorker, slice } from '../../worker/loop.js';

let session = null;
/** The pendulum studies still to run ({scheme, link}), the first one in progress. */
let studies = [];
let study = null;

/** A slice of the pendulum studies; true while any remain. */
function pendulumTurn() {
  const { scheme, link } = studies[0];
  study ??= new core.PendulumSession(link);
  const steps = slice(() => study.step());
  const status = study.progress();
  const reply = { type: 'pendulum', scheme, status };
  if (status.finished) {
    reply.report = study.report();
    reply.points = steps.find((s) => s.kind === 'convergence')?.points ?? reply.report.convergence;
    study.free();
    study = null;
    studies.shift();
  }
  postMessage(reply);
  return studies.length > 0;
}

/** Posts the finished model's studies once training ends without diverging. */
function finished(st) {
  if (st.done && !st.divergence) {
    // The report `continuum run` prints for this link, studies included.
    const report = session.report();
    postMessage({
      type: 'studies',
      invariance: report.invariance,
      compression: report.compression,
      thetaVariation: report.theta_variation,
      report,
    });
  }
}

function postEpochs(stats) {
  const st = session.status();
  postMessage({ type: 'epochs', stats, status: st });
  if (st.done) finished(st);
  return st;
}

runWorker({
  start(m) {
    session?.free();
    studies = [];
    study?.free();
    study = null;
    session = new core.DepthSession(m.link);
    return { points: session.points(), status: session.status() };
  },
  turn(playing) {
    if (studies.length) return pendulumTurn();
    if (!session || !playing) return false;
    return !postEpochs(slice(() => session.epoch())).done;
  },
  step() {
    const s = session.epoch();
    if (s !== null) postEpochs([s]);
    else postMessage({ type: 'epochs', stats: [], status: session.status() });
  },
  on: {
    eval(m) {
      const t0 = performance.now();
      const reply = {
        type: 'eval',
        id: m.id,
        evaluation: session.evaluate(m.scheme, m.steps, m.basis, m.K),
        functions: session.weightFunctions(m.basis, m.K, 4),
      };
      // Models on images have no boundary or 2-D flow to draw: their test images' predicted classes instead.
      if (m.samples) reply.predictions = session.predictions(m.scheme, m.steps, m.basis, m.K, m.samples);
      else reply.trajectory = session.trajectory(m.scheme, m.steps, m.basis, m.K);
      if (m.packed && !m.samples) reply.packed = session.packed(m.scheme, m.steps, m.basis, m.K);
      if (m.gpuImages) reply.packedImages = session.packedImages(m.scheme, m.steps, m.basis, m.K);
      reply.ms = performance.now() - t0;
      postMessage(reply);
    },
    weights(m) {
      postMessage({ type: 'weights', weights: session.weights(m.link) });
    },
    pendulum(m) {
      session?.free();
      session = null;
      study?.free();
      study = null;
      studies = m.studies;
    },
  },
});
