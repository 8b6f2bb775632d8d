// The fields lab's worker. On start it computes the operator study of the
// link (M, its spectrum, the norm curve) and replies at once; then, in the
// shared loop's slices (../../worker/loop.js), it renders the dye movie
// frame by frame (the Galerkin dye always, the grid dye too unless the page
// does it on the GPU) and, while playing, trains the three recurrences on
// the copy task in turn, evaluating them every EVAL_EVERY iterations.
//
// In:  the loop's start (with gpuGrid) / play / pause / step
// Out: {type: 'ready', summary, field, matrix, divergence, velocity?, dye?, status}
//      | {type: 'frame', k, galerkin, grid?} | {type: 'iters', stats: {kind: [...]}, status}
//      | {type: 'eval', evals: {kind: evaluation}} | {type: 'error', message}

import { CopySession, FieldsSession } from '../../pkg/continuum.js';
import { runWorker, slice, SLICE_MS } from '../../worker/loop.js';

const KINDS = ['orthogonal', 'unconstrained', 'full'];
const EVAL_EVERY = 50;
const FIELD_RES = 48;

let session = null;
let models = null;
let frame = 0;
let gpuGrid = false;
let totalFrames = 0;
let sinceEval = 0;

const status = () => Object.fromEntries(KINDS.map((k) => [k, models[k].status()]));
const evaluate = () => postMessage({ type: 'eval', evals: Object.fromEntries(KINDS.map((k) => [k, models[k].evaluate()])) });

/** One step of each model not finished, or null when all are. */
function steps() {
  const out = KINDS.map((k) => models[k].step());
  return out.some(Boolean) ? out : null;
}

function postIters(rows) {
  const stats = Object.fromEntries(KINDS.map((k, i) => [k, rows.map((r) => r[i]).filter(Boolean)]));
  const st = status();
  postMessage({ type: 'iters', stats, status: st });
  sinceEval += rows.length;
  const done = KINDS.every((k) => st[k].done);
  if (sinceEval >= EVAL_EVERY || done) {
    sinceEval = 0;
    evaluate();
  }
  return !done;
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
    for (const k of KINDS) models?.[k].free();
    session = new FieldsSession(m.link);
    models = Object.fromEntries(KINDS.map((k) => [k, new CopySession(m.link, k)]));
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
      status: status(),
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
    return postIters(slice(steps));
  },
  step() {
    const row = steps();
    postIters(row ? [row] : []);
  },
});
