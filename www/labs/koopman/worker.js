// The Koopman lab's worker. Two models train on the same data and seed:
// the consistent one (the link's ν, η) and the plain Koopman autoencoder
// (ν = η = 0), epoch by epoch in the shared loop's slices
// (../../worker/loop.js). Evaluation requests are answered between slices.
//
// The page's main run starts two instances, one per model ({only:
// 'consistent' | 'plain'} in the start message; ./pair.js merges their
// replies), so the models train at the same time on two cores. Without
// `only` an instance trains both in turn.
//
// The page runs two more instances for the spread over seeds, each with
// its share of the seeds: {type: 'seeds', links} trains both models of each
// link in turn (the same links `continuum run` takes) and reports each
// pair's error at the link's horizon. The view stops them by terminating
// the workers.
//
// In:  the loop's start (with optional `only`, and `wake`: snapshots recorded on the GPU) / play / pause / step
//      | {type: 'eval', horizon, n, packed} | {type: 'seeds', links, horizon}
// Out: {type: 'ready', truth (the wake's with `scale`, its colour scale), status} | {type: 'epochs', consistent: [...], plain: [...], status}
//      | {type: 'eval', consistent, plain, starts, rollouts?: [Float32Array, Float32Array],
//         packed?: [Packed, Packed], fields?: [Float32Array, Float32Array] (the wake), ms,
//         status (of the models as evaluated: a reply can land after later epochs)}
//      | {type: 'seeds', results: [{link, consistent, plain, diverged}], running: {link, epoch, epochs} | null}
//      | {type: 'error', message}
// `status` is {consistent, plain}, each {epoch, epochs, done, params, divergence}.
// Everything about a model this instance does not train is left out
// (status) or null (eval: its error curve, its rollouts or packed model).

import { core } from '../../core.js';
import { runWorker, slice } from '../../worker/loop.js';

const MODELS = ['consistent', 'plain'];
let models = null; // {consistent?, plain?}: the sessions this instance trains
let sweep = null; // {links, horizon, results, pair}
let wake = false; // whether the data are the cylinder wake (fields, not pendulum states)

const status = () => Object.fromEntries(Object.entries(models).map(([name, s]) => [name, s.status()]));

/** [name → f(session)] over both names, null for a model not trained here. */
const each = (f) => MODELS.map((name) => (models[name] ? f(models[name]) : null));

/** One epoch of each model that is not finished, or null when all are. */
function epochs() {
  const pair = each((s) => s.epoch());
  return pair.some(Boolean) ? pair : null;
}

function postEpochs(pairs) {
  const st = status();
  postMessage({
    type: 'epochs',
    consistent: pairs.map(([c]) => c).filter(Boolean),
    plain: pairs.map(([, p]) => p).filter(Boolean),
    status: st,
  });
  return !Object.values(st).every((s) => s.done);
}

/** One slice of the seed sweep; false once every link is done. */
function sweepTurn() {
  const link = sweep.links[sweep.results.length];
  sweep.pair ??= { consistent: new core.KoopmanSession(link, false), plain: new core.KoopmanSession(link, true) };
  const { consistent, plain } = sweep.pair;
  slice(() => consistent.epoch() ?? plain.epoch());
  const [c, p] = [consistent.status(), plain.status()];
  const done = c.done && p.done;
  if (done) {
    const error = (s) => s.evaluate(sweep.horizon).rel_error.at(-1);
    const diverged = Boolean(c.divergence ?? p.divergence);
    sweep.results.push({ link, consistent: error(consistent), plain: error(plain), diverged });
    consistent.free();
    plain.free();
    sweep.pair = null;
  }
  const finished = sweep.results.length === sweep.links.length;
  postMessage({
    type: 'seeds',
    results: sweep.results,
    running: finished ? null : { link, epoch: done ? 0 : c.epoch + p.epoch, epochs: c.epochs + p.epochs },
  });
  if (finished) sweep = null;
  return !finished;
}

runWorker({
  start(m) {
    for (const s of Object.values(models ?? {})) s.free();
    models = null;
    // A wake recorded on the GPU comes with the start; otherwise the session simulates it.
    const session = (plain) =>
      m.wake
        ? core.KoopmanSession.onWake(m.link, plain, m.wake.snapshots, m.wake.probe, m.wake.onset, m.wake.re)
        : new core.KoopmanSession(m.link, plain);
    models = Object.fromEntries(MODELS.filter((name) => !m.only || m.only === name).map((name) => [name, session(name === 'plain')]));
    const truth = Object.values(models)[0].truth();
    wake = Boolean(truth.wake);
    if (wake) {
      // 235,520 numbers: as a typed array the page receives them in a copy, not
      // a 60 ms task that rebuilds a JS array on its main thread.
      const clean = Float32Array.from(truth.wake.clean);
      // One colour scale for the truth and the predictions: 60 % of the
      // largest |vorticity| in the snapshots (here, off the page's thread).
      let max = 0;
      for (let i = 0; i < clean.length; i++) max = Math.max(max, Math.abs(clean[i] - truth.wake.zero));
      Object.assign(truth.wake, { clean, scale: 0.6 * max || 1 });
    }
    return { truth, status: status() };
  },
  turn(playing) {
    if (sweep) return sweepTurn();
    if (!models || !playing) return false;
    return postEpochs(slice(epochs));
  },
  step() {
    const pair = epochs();
    postEpochs(pair ? [pair] : []);
  },
  on: {
    seeds(m) {
      sweep = { links: m.links, horizon: m.horizon, results: [], pair: null };
    },
    eval(m) {
      const t0 = performance.now();
      const [consistent, plain] = each((s) => s.evaluate(m.horizon));
      const reply = { type: 'eval', consistent, plain, starts: Object.values(models)[0].starts(m.n, m.horizon), status: status() };
      if (wake) reply.fields = each((s) => s.fieldRollout(m.horizon));
      else if (m.packed) reply.packed = each((s) => s.packed(m.n, m.horizon));
      else reply.rollouts = each((s) => s.rolloutsCpu(m.n, m.horizon));
      reply.ms = performance.now() - t0;
      postMessage(reply);
    },
  },
});
