// The flow lab's worker: the CPU simulation (when there is no WebGPU), the
// vortical network, Nyström, the exact solver and the error-against-l curve,
// all in the shared loop's slices (../../worker/loop.js) so frames keep
// coming while an analysis runs.
//
// In:  {type: 'start', link, simulate, target}  simulate: run the flow here (CPU path)
//      the loop's play / pause / step
//      {type: 'analyse', field?, t?, gpu}   field: the GPU's vorticity at time t; gpu:
//                                       columns and Lanczos come from the main thread
//      {type: 'columns', columns}       the GPU's sampled columns (after 'network')
//      {type: 'exact', values, vectors, ms, matvecs, converged}   GPU Lanczos (after 'need-exact')
//      {type: 'vector', which, index}   |u| of an eigenvector, for the overlay
// Out: {type: 'ready', geometry, body} | {type: 'frame', t, w} (CPU path)
//      | {type: 'network', network, samples, t} | {type: 'need-exact', n, k}
//      | {type: 'analysis', analysis, vector, pair, t}   analysis: the report `continuum run` prints | {type: 'curve', ls, points} | {type: 'vector', vector, pair}
//        (pair: the eigenvector, signed, Nyström then exact, for the side-by-side view)
//      | {type: 'idle'} (analysis finished) | {type: 'error', message}

import { core } from '../../core.js';
import { SLICE_MS, runWorker } from '../../worker/loop.js';

const FRAME_MS = 80;
/** Columns at which the error curve is traced (those up to n), and seeds per point. */
const CURVE_LS = [25, 50, 100, 200, 400];
const CURVE_SEEDS = 3;
/** The error curves: [name, sampling, form]. The view draws them in this order. */
const CURVES = [
  ['quasi', 'quasi', 'qr'],
  ['uniform', 'uniform', 'qr'],
  ['stratified', 'stratified', 'qr'],
  ['extension', 'uniform', 'extension'],
];

let session = null;
let simulate = false;
let target = 0;
let job = null; // a generator: the analysis in progress
let waiting = null; // what the job waits for from the main thread
let lastFrame = 0;
let curveDone = false;

function postFrame() {
  const w = new Float32Array(session.vorticity());
  postMessage({ type: 'frame', t: session.time(), w }, [w.buffer]);
  lastFrame = performance.now();
}

/** Advances the job; posts 'idle' when it is finished. */
function advance(value) {
  if (job.next(value).done) {
    job = null;
    postMessage({ type: 'idle' });
  }
}

/** Runs `fn`; a failure ends the job and is thrown on to the loop, which posts it. */
function guarded(fn) {
  try {
    fn();
  } catch (e) {
    job = null;
    throw e;
  }
}

/** The analysis of one field, as a generator that yields between units of work. */
function* analyse(field, gpu, time) {
  const t = time ?? session.time();
  const info = session.network(field ?? undefined, time ?? undefined);
  const n = info.network.gamma.length;
  postMessage({ type: 'network', network: info.network, samples: info.samples, t, gpu });
  yield;
  if (gpu) {
    waiting = 'columns';
    const columns = yield;
    session.nystrom(columns);
  } else {
    session.nystrom(undefined);
  }
  yield;
  let done = session.exactBegin();
  if (!done && gpu) {
    waiting = 'exact';
    // k: the analysis' pairs (the link's k, at most l).
    postMessage({ type: 'need-exact', n, k: Math.min(session.analysisK(), n) });
    const e = yield;
    session.setExact(e.values, e.vectors, e.ms, e.matvecs, e.converged);
    done = true;
  }
  while (!done) {
    yield;
    done = session.exactStep(SLICE_MS);
  }
  const vector = new Float32Array(session.eigenvector('nystrom', 0));
  const pair = new Float32Array(session.eigenvectorPair(0));
  postMessage({ type: 'analysis', analysis: session.report(), vector, pair, t }, [vector.buffer, pair.buffer]);
  if (curveDone) return;
  // The error against l, both samplings, averaged over seeds: traced once
  // per run, on the first analysed field.
  const ls = CURVE_LS.filter((l) => l < n);
  const points = Object.fromEntries(CURVES.map(([name]) => [name, []]));
  for (const l of ls) {
    for (const [name, sampling, form] of CURVES) {
      let rel = 0;
      let angle = 0;
      const signed = [];
      for (let seed = 1; seed <= CURVE_SEEDS; seed++) {
        yield;
        const p = session.curvePoint(l, sampling, form, seed);
        rel += p.rel / CURVE_SEEDS;
        angle += p.angle / CURVE_SEEDS;
        signed.push(p.signed);
      }
      // The bias (mean signed error over the k pairs): its mean and sd over the seeds.
      const bias = signed.reduce((a, b) => a + b, 0) / signed.length;
      const spread = Math.sqrt(signed.reduce((a, b) => a + (b - bias) ** 2, 0) / Math.max(1, signed.length - 1));
      points[name].push({ rel, angle, bias, spread });
    }
    postMessage({ type: 'curve', ls: ls.slice(0, points[CURVES.at(-1)[0]].length), points, t });
  }
  curveDone = true;
}

/** Resumes the job with what it waited for. */
function resume(kind, value) {
  if (!job || waiting !== kind) return;
  waiting = null;
  guarded(() => advance(value));
}

runWorker({
  start(m) {
    session?.free();
    session = new core.FlowSession(m.link);
    simulate = Boolean(m.simulate);
    target = m.target;
    job = null;
    waiting = null;
    curveDone = false;
    return { geometry: session.geometry(), body: session.body() };
  },
  started() {
    if (simulate) postFrame();
  },
  /** One turn: a slice of simulation (CPU path), then a slice of the analysis. */
  turn(playing) {
    if (!session) return false;
    guarded(() => {
      if (simulate && (playing || session.time() + 1e-9 < target)) {
        session.simulate(SLICE_MS, playing ? Infinity : target);
        if (performance.now() - lastFrame > FRAME_MS || session.time() + 1e-9 >= target) postFrame();
      }
      const start = performance.now();
      while (job && !waiting && performance.now() - start < SLICE_MS) advance();
    });
    return (simulate && (playing || session.time() + 1e-9 < target)) || Boolean(job && !waiting);
  },
  step() {
    if (simulate) target = session.time() + 0.1;
  },
  on: {
    analyse(m) {
      job = analyse(m.field, Boolean(m.gpu), m.t);
      waiting = null;
    },
    columns(m) {
      resume('columns', m.columns);
    },
    exact(m) {
      resume('exact', m);
    },
    vector(m) {
      const vector = new Float32Array(session.eigenvector(m.which, m.index));
      const pair = new Float32Array(session.eigenvectorPair(m.index));
      postMessage({ type: 'vector', vector, pair, which: m.which, index: m.index }, [vector.buffer, pair.buffer]);
    },
  },
});
