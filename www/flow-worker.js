// The flow lab's worker: the CPU simulation (when there is no WebGPU), the
// vortical network, Nyström, the exact solver and the error-against-l curve,
// all in slices of about 25 ms so frames keep coming while an analysis runs.
//
// In:  {type: 'start', link, simulate, target}  simulate: run the flow here (CPU path)
//      {type: 'play'} | {type: 'pause'} | {type: 'step'}
//      {type: 'analyse', field?, t?, gpu}   field: the GPU's vorticity at time t; gpu:
//                                       columns and Lanczos come from the main thread
//      {type: 'columns', columns}       the GPU's sampled columns (after 'network')
//      {type: 'exact', values, vectors, ms, matvecs}   GPU Lanczos (after 'need-exact')
//      {type: 'vector', which, index}   |u| of an eigenvector, for the overlay
// Out: {type: 'ready', geometry, body} | {type: 'frame', t, w} (CPU path)
//      | {type: 'network', network, samples, t} | {type: 'need-exact', n}
//      | {type: 'analysis', analysis, vector, t} | {type: 'curve', ls, points} | {type: 'vector', vector}
//      | {type: 'idle'} (analysis finished) | {type: 'error', message}

import init, { FlowSession } from './pkg/continuum.js';

const SLICE_MS = 25;
const FRAME_MS = 80;
/** Columns at which the error curve is traced (those up to n), and seeds per point. */
const CURVE_LS = [25, 50, 100, 200, 400];
const CURVE_SEEDS = 3;

let session = null;
let simulate = false;
let playing = false;
let target = 0;
let job = null; // a generator: the analysis in progress
let waiting = null; // what the job waits for from the main thread
let timer = null;
let lastFrame = 0;
let curveDone = false;

const ready = init();

function schedule() {
  if (timer === null) timer = setTimeout(loop, 0);
}

function postFrame() {
  const w = new Float32Array(session.vorticity());
  postMessage({ type: 'frame', t: session.time(), w }, [w.buffer]);
  lastFrame = performance.now();
}

/** One turn: a slice of simulation (CPU path), then a slice of the analysis. */
function loop() {
  timer = null;
  if (!session) return;
  try {
    const toTarget = session.time() + 1e-9 < target;
    if (simulate && (playing || toTarget)) {
      session.simulate(SLICE_MS, playing ? Infinity : target);
      if (performance.now() - lastFrame > FRAME_MS || session.time() + 1e-9 >= target) postFrame();
    }
    if (job && !waiting) {
      const start = performance.now();
      while (job && !waiting && performance.now() - start < SLICE_MS) {
        if (job.next().done) {
          job = null;
          postMessage({ type: 'idle' });
        }
      }
    }
  } catch (e) {
    job = null;
    playing = false;
    postMessage({ type: 'error', message: String(e?.message ?? e) });
    return;
  }
  if ((simulate && (playing || session.time() + 1e-9 < target)) || (job && !waiting)) schedule();
}

/** The analysis of one field, as a generator that yields between units of work. */
function* analyse(field, gpu, time) {
  const t = time ?? session.time();
  const info = session.network(field ?? undefined);
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
    postMessage({ type: 'need-exact', n });
    const e = yield;
    session.setExact(e.values, e.vectors, e.ms, e.matvecs);
    done = true;
  }
  while (!done) {
    yield;
    done = session.exactStep(SLICE_MS);
  }
  const vector = new Float32Array(session.eigenvector('nystrom', 0));
  postMessage({ type: 'analysis', analysis: session.analysis(), vector, t }, [vector.buffer]);
  if (curveDone) return;
  // The error against l, both samplings, averaged over seeds: traced once
  // per run, on the first analysed field.
  const ls = CURVE_LS.filter((l) => l < n);
  const points = { uniform: [], quasi: [] };
  for (const l of ls) {
    for (const sampling of ['uniform', 'quasi']) {
      let rel = 0;
      let angle = 0;
      for (let seed = 1; seed <= CURVE_SEEDS; seed++) {
        yield;
        const p = session.curvePoint(l, sampling, seed);
        rel += p.rel / CURVE_SEEDS;
        angle += p.angle / CURVE_SEEDS;
      }
      points[sampling].push({ rel, angle });
    }
    postMessage({ type: 'curve', ls: ls.slice(0, points.quasi.length), points, t });
  }
  curveDone = true;
}

/** Resumes the job with what it waited for. */
function resume(kind, value) {
  if (!job || waiting !== kind) return;
  waiting = null;
  try {
    if (job.next(value).done) {
      job = null;
      postMessage({ type: 'idle' });
    }
  } catch (e) {
    job = null;
    postMessage({ type: 'error', message: String(e?.message ?? e) });
    return;
  }
  schedule();
}

onmessage = async (event) => {
  await ready;
  const m = event.data;
  try {
    switch (m.type) {
      case 'start':
        session?.free();
        session = new FlowSession(m.link);
        simulate = Boolean(m.simulate);
        target = m.target;
        playing = false;
        job = null;
        waiting = null;
        curveDone = false;
        postMessage({ type: 'ready', geometry: session.geometry(), body: session.body() });
        if (simulate) postFrame();
        schedule();
        break;
      case 'play':
        playing = true;
        schedule();
        break;
      case 'pause':
        playing = false;
        break;
      case 'step':
        playing = false;
        if (simulate) {
          target = session.time() + 0.1;
          schedule();
        }
        break;
      case 'analyse':
        job = analyse(m.field, Boolean(m.gpu), m.t);
        waiting = null;
        schedule();
        break;
      case 'columns':
        resume('columns', m.columns);
        break;
      case 'exact':
        resume('exact', m);
        break;
      case 'vector': {
        const vector = new Float32Array(session.eigenvector(m.which, m.index));
        postMessage({ type: 'vector', vector, which: m.which, index: m.index }, [vector.buffer]);
        break;
      }
      default:
        throw new Error(`unknown message ${m.type}`);
    }
  } catch (e) {
    postMessage({ type: 'error', message: String(e?.message ?? e) });
  }
};
