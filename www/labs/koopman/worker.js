// The Koopman lab's worker. Two models train on the same data and seed,
// epoch by epoch in turn, in the shared loop's slices (../../worker/loop.js):
// the consistent one (the link's ν, η) and the plain Koopman autoencoder
// (ν = η = 0). Evaluation requests are answered between slices.
//
// The page runs a second instance of this worker for the spread over seeds:
// {type: 'seeds', links} trains both models of each link in turn (the same
// links `continuum run` takes) and reports each pair's error at the link's
// horizon. The view stops it by terminating the worker.
//
// In:  the loop's start / play / pause / step | {type: 'eval', horizon, n, packed}
//      | {type: 'seeds', links, horizon}
// Out: {type: 'ready', truth, status} | {type: 'epochs', consistent: [...], plain: [...], status}
//      | {type: 'eval', consistent, plain, starts, rollouts?: [Float32Array, Float32Array],
//         packed?: [Packed, Packed], ms}
//      | {type: 'seeds', results: [{link, consistent, plain, diverged}], running: {link, epoch, epochs} | null}
//      | {type: 'error', message}
// `status` is {consistent, plain}, each {epoch, epochs, done, params, divergence}.

import { KoopmanSession } from '../../pkg/continuum.js';
import { runWorker, slice } from '../../worker/loop.js';

let models = null;
let sweep = null; // {links, horizon, results, pair}

const status = () => ({ consistent: models.consistent.status(), plain: models.plain.status() });

/** One epoch of each model that is not finished, or null when both are. */
function epochs() {
  const c = models.consistent.epoch();
  const p = models.plain.epoch();
  return c || p ? [c, p] : null;
}

function postEpochs(pairs) {
  const st = status();
  postMessage({
    type: 'epochs',
    consistent: pairs.map(([c]) => c).filter(Boolean),
    plain: pairs.map(([, p]) => p).filter(Boolean),
    status: st,
  });
  return !(st.consistent.done && st.plain.done);
}

/** One slice of the seed sweep; false once every link is done. */
function sweepTurn() {
  const link = sweep.links[sweep.results.length];
  sweep.pair ??= { consistent: new KoopmanSession(link, false), plain: new KoopmanSession(link, true) };
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
    models?.consistent.free();
    models?.plain.free();
    models = null;
    models = { consistent: new KoopmanSession(m.link, false), plain: new KoopmanSession(m.link, true) };
    return { truth: models.consistent.truth(), status: status() };
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
      const reply = {
        type: 'eval',
        consistent: models.consistent.evaluate(m.horizon),
        plain: models.plain.evaluate(m.horizon),
        starts: models.consistent.starts(m.n, m.horizon),
      };
      if (m.packed) reply.packed = [models.consistent.packed(m.n, m.horizon), models.plain.packed(m.n, m.horizon)];
      else reply.rollouts = [models.consistent.rolloutsCpu(m.n, m.horizon), models.plain.rolloutsCpu(m.n, m.horizon)];
      reply.ms = performance.now() - t0;
      postMessage(reply);
    },
  },
});
