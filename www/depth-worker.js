// The depth lab's training loop, off the main thread: its own instance of the
// wasm core trains epoch after epoch in slices of about 25 ms, posting stats
// after each slice, and answers evaluation requests between slices (so the
// page can move the evaluation sliders while training runs).
//
// In:  {type: 'start', link} | {type: 'play'} | {type: 'pause'} | {type: 'step'}
//      | {type: 'eval', id, scheme, steps, basis, K, packed, res}
//      | {type: 'weights', link} | {type: 'pendulum', dt, epochs, lr, batch, seed}
// Out: {type: 'ready', points, status} | {type: 'epochs', stats: [...], status}
//      | {type: 'studies', invariance, compression}
//      | {type: 'eval', id, evaluation, trajectory, functions, packed?, grid?}
//      | {type: 'weights', weights} | {type: 'pendulum', scheme, points}
//      | {type: 'error', message}

import init, { DepthSession, pendulumStudy } from './pkg/continuum.js';

const SLICE_MS = 25;
let session = null;
let playing = false;
let timer = null;

const ready = init();

function status() {
  return session.status();
}

function finished(st) {
  if (st.done && !st.divergence) {
    postMessage({ type: 'studies', invariance: session.invariance(), compression: session.compression() });
  }
}

function slice() {
  timer = null;
  if (!session || !playing) return;
  const stats = [];
  const start = performance.now();
  while (performance.now() - start < SLICE_MS) {
    const s = session.epoch();
    if (s === null) break;
    stats.push(s);
  }
  const st = status();
  postMessage({ type: 'epochs', stats, status: st });
  if (st.done) {
    playing = false;
    finished(st);
  }
  else timer = setTimeout(slice, 0);
}

onmessage = async (event) => {
  await ready;
  const m = event.data;
  try {
    switch (m.type) {
      case 'start':
        session?.free();
        session = new DepthSession(m.link);
        playing = Boolean(m.play);
        postMessage({ type: 'ready', points: session.points(), status: status() });
        if (playing && timer === null) timer = setTimeout(slice, 0);
        break;
      case 'play':
        playing = true;
        if (timer === null) timer = setTimeout(slice, 0);
        break;
      case 'pause':
        playing = false;
        break;
      case 'step': {
        playing = false;
        const s = session.epoch();
        const st = status();
        postMessage({ type: 'epochs', stats: s === null ? [] : [s], status: st });
        if (s !== null && st.done) finished(st);
        break;
      }
      case 'eval': {
        const t0 = performance.now();
        const evaluation = session.evaluate(m.scheme, m.steps, m.basis, m.K);
        const reply = {
          type: 'eval',
          id: m.id,
          evaluation,
          trajectory: session.trajectory(m.scheme, m.steps, m.basis, m.K),
          functions: session.weightFunctions(m.basis, m.K, 4),
        };
        if (m.packed) reply.packed = session.packed(m.scheme, m.steps, m.basis, m.K);
        else reply.grid = session.gridCpu(m.scheme, m.steps, m.basis, m.K, m.res);
        reply.ms = performance.now() - t0;
        postMessage(reply);
        break;
      }
      case 'weights':
        postMessage({ type: 'weights', weights: session.weights(m.link) });
        break;
      case 'pendulum':
        // The three trainings take seconds; each result is posted as it lands.
        for (const scheme of ['euler', 'midpoint', 'rk4']) {
          const points = pendulumStudy(scheme, m.dt, m.epochs, m.lr, m.batch, m.seed);
          postMessage({ type: 'pendulum', scheme, points });
        }
        break;
      default:
        throw new Error(`unknown message ${m.type}`);
    }
  } catch (e) {
    postMessage({ type: 'error', message: String(e?.message ?? e) });
  }
};
