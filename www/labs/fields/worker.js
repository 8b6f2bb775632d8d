// The fields lab's worker, around the lab's driver (FieldsSession). On start
// it does the driver's first unit, the operator study of the link (M, its
// spectrum, the norm curve), and replies at once; then, in the shared loop's
// slices (../../worker/loop.js), it renders the dye movie frame by frame
// (the Galerkin dye always, the grid dye too unless the page does it on the
// GPU) and, while playing, steps the driver (the dye transport, then one
// Adam step of each recurrence per unit), evaluating the models every
// EVAL_EVERY rounds.
//
// In:  the loop's start (with gpuGrid) / play / pause / step
// Out: {type: 'ready', summary, field, matrix, divergence, velocity?, dye?, status}
//      | {type: 'frame', k, galerkin, grid?} | {type: 'iters', stats: {kind: [...]}, status, report?}
//      | {type: 'eval', evals: {kind: evaluation}} | {type: 'error', message}

import { core } from '../../core.js';
import { runWorker, slice, SLICE_MS } from '../../worker/loop.js';

const KINDS = ['orthogonal', 'unconstrained', 'full'];
const EVAL_EVERY = 50;
const FIELD_RES = 48;

let session = null;
let frame = 0;
let gpuGrid = false;
let totalFrames = 0;
let sinceEval = 0;

const evaluate = () => postMessage({ type: 'eval', evals: session.evaluate() });

/** Posts a slice of the driver's units: each model's Adam steps, its status, the report at the end. */
function postIters(units) {
  const rounds = units.filter((u) => u.kind === 'round');
  const stats = Object.fromEntries(KINDS.map((k) => [k, []]));
  for (const { models } of rounds) for (const m of models) if (m.stats) stats[m.model].push(m.stats);
  const progress = session.progress();
  const reply = { type: 'iters', stats, status: session.status() };
  if (progress.finished) reply.report = session.report();
  postMessage(reply);
  sinceEval += rounds.length;
  if (rounds.length && (sinceEval >= EVAL_EVERY || progress.finished)) {
    sinceEval = 0;
    evaluate();
  }
  return !progress.finished;
}

/** Frames of the dye movie until a slice has passed; true while frames remain. */
function frames() {
  const start = performance.now();
  while (frame <= totalFrames && performance.now() - start < SLICE_MS) {
    const reply = { type: 'frame', k: frame, galerkin: session.galerkin(frame) };
    if (!gpuGrid) reply.grid = session.gridCpu(frame);
    postMessage(reply);
    frame += 1;
  }
  return frame <= totalFrames;
}

runWorker({
  start(m) {
    session?.free();
    session = new core.FieldsSession(m.link);
    const summary = session.summary();
    totalFrames = summary.frames;
    frame = 0;
    sinceEval = 0;
    gpuGrid = Boolean(m.gpuGrid);
    const reply = {
      summary,
      field: session.field(FIELD_RES),
      matrix: session.matrix(),
      divergence: session.divergence(),
      status: session.status(),
    };
    if (gpuGrid) Object.assign(reply, { velocity: session.velocity(), dye: session.dye() });
    return reply;
  },
  started() {
    evaluate();
  },
  turn(playing) {
    if (!session) return false;
    if (frames()) return true;
    if (!playing) return false;
    return postIters(slice(() => session.train()));
  },
  step() {
    const unit = session.train();
    postIters(unit ? [unit] : []);
  },
});
