// The Koopman lab's training loop, off the main thread. Two models train on
// the same data and seed, epoch by epoch in turn, in slices of about 25 ms:
// the consistent one (the link's ν, η) and the plain Koopman autoencoder
// (ν = η = 0). Evaluation requests are answered between slices.
//
// In:  {type: 'start', link, play} | {type: 'play'} | {type: 'pause'} | {type: 'step'}
//      | {type: 'eval', horizon, n, packed}
// Out: {type: 'ready', truth, status} | {type: 'epochs', consistent: [...], plain: [...], status}
//      | {type: 'eval', consistent, plain, starts, rollouts?: [Float32Array, Float32Array],
//         packed?: [Packed, Packed], ms} | {type: 'error', message}
// `status` is {consistent, plain}, each {epoch, epochs, done, params, divergence}.

import init, { KoopmanSession } from './pkg/continuum.js';

const SLICE_MS = 25;
let models = null;
let playing = false;
let timer = null;

const ready = init();

const status = () => ({ consistent: models.consistent.status(), plain: models.plain.status() });
const done = (st) => st.consistent.done && st.plain.done;

/** One epoch of each model that is not finished. */
function epochs() {
  const c = models.consistent.epoch();
  const p = models.plain.epoch();
  return [c, p];
}

function slice() {
  timer = null;
  if (!models || !playing) return;
  const consistent = [];
  const plain = [];
  const start = performance.now();
  while (performance.now() - start < SLICE_MS) {
    const [c, p] = epochs();
    if (c) consistent.push(c);
    if (p) plain.push(p);
    if (!c && !p) break;
  }
  const st = status();
  postMessage({ type: 'epochs', consistent, plain, status: st });
  if (done(st)) playing = false;
  else timer = setTimeout(slice, 0);
}

onmessage = async (event) => {
  await ready;
  const m = event.data;
  try {
    switch (m.type) {
      case 'start':
        models?.consistent.free();
        models?.plain.free();
        models = null;
        models = { consistent: new KoopmanSession(m.link, false), plain: new KoopmanSession(m.link, true) };
        playing = Boolean(m.play);
        postMessage({ type: 'ready', truth: models.consistent.truth(), status: status() });
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
        const [c, p] = epochs();
        postMessage({ type: 'epochs', consistent: c ? [c] : [], plain: p ? [p] : [], status: status() });
        break;
      }
      case 'eval': {
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
        break;
      }
      default:
        throw new Error(`unknown message ${m.type}`);
    }
  } catch (e) {
    postMessage({ type: 'error', message: String(e?.message ?? e) });
  }
};
