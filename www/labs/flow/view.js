// The flow lab page: a 2D vortical flow evolves (on the GPU through WebGPU,
// else on the CPU in the worker); its vortical network is analysed at time t
// and then again and again while the flow plays. Nyström's leading
// eigenvectors are drawn over the vorticity, its eigenvalues and time are
// compared with the exact solver's, and the error against l is traced for
// both samplings. Every control is in the hash.
//
// GPU path: the main thread steps the flow (`flowAdvance`), reads the
// vorticity back, and for each analysis computes the sampled columns and
// the exact solver's mat-vecs on the GPU; the worker (./worker.js)
// builds the network and does Nyström's small dense algebra. CPU path: the
// worker does all of it.

import { clearMetrics, publishReport } from '../../ui/metrics.js';
import { RUN_BUTTONS, download, hashSetter, labPage } from '../../ui/lab-page.js';
import { buildControls } from '../../ui/controls.js';
import { lineChart } from '../../ui/charts.js';
import { gpu, labGpu, onBackendChange } from '../../backend.js';
import { drawNodes, drawVector } from './plots.js';
import { drawField } from '../../ui/field.js';
import { PALETTE } from '../../ui/palette.js';

const FIELD_WIDTH = 512;

const INTRO = `Every strong vortical cell of the flow is a node; two nodes are linked by the velocity each
      induces at the other (Biot–Savart). The network's leading eigenvectors mark its dominant vortical structures.
      Finding them exactly costs a pass over all n² links per iteration; Nyström estimates them from only l
      columns. Watch the eigenvector move with the vortices, and compare the error and the time. Try first: lower
      l to 50, then switch the sampling between uniform and quasi-uniform.`;

const BODY = `
    <div class="depth-grid">
      <div class="panel">
        <h2>Flow and network</h2>
${RUN_BUTTONS}
        <div class="controls flow-controls"></div>
      </div>
      <div class="panel">
        <h2>Vorticity and eigenvector</h2>
        <canvas class="field" width="${FIELD_WIDTH}" height="${FIELD_WIDTH}" aria-label="Vorticity (red positive, blue negative) with the eigenvector's magnitude on the nodes"></canvas>
        <div class="control">
          <label for="flow-vector">Eigenvector</label>
          <select id="flow-vector" class="vector-index"></select>
          <select class="vector-source" aria-label="Which estimate">
            <option value="nystrom">Nyström</option>
            <option value="exact">exact</option>
          </select>
          <label><input type="checkbox" class="show-samples"> sampled columns</label>
        </div>
        <p class="hint sim-status"></p>
        <p class="buttons to-koopman-row" hidden><a class="button to-koopman" href="#lab=koopman&amp;data=wake">Learn this wake's Koopman operator →</a></p>
      </div>
      <div class="panel wide vector-panel">
        <h2>The eigenvector on the nodes: Nyström and exact</h2>
        <div class="vector-pair">
          <figure><canvas class="vec-nystrom" width="420" height="420" aria-label="Nyström's eigenvector on the nodes, signed"></canvas>
            <figcaption>Nyström (black rings: the sampled columns)</figcaption></figure>
          <figure><canvas class="vec-exact" width="420" height="420" aria-label="The exact eigenvector on the nodes, signed"></canvas>
            <figcaption>exact</figcaption></figure>
        </div>
        <p class="hint">Each node coloured by its entry of the eigenvector chosen above, blue negative and red positive, on
          one scale for both (Nyström's sign matched to the exact one's). The same analysed time as the vorticity.</p>
      </div>
      <div class="panel">
        <h2>Metrics</h2>
        <dl class="metrics">
          <dt>Flow time t</dt><dd data-metric="time">0</dd>
          <dt>Analysed at t</dt><dd data-metric="analysed-t">—</dd>
          <dt>Reynolds number</dt><dd data-metric="reynolds">—</dd>
          <dt>Nodes (cells)</dt><dd data-metric="nodes">—</dd>
          <dt>Columns l</dt><dd data-metric="l">—</dd>
          <dt>λ Nyström</dt><dd data-metric="eigenvalues-nystrom">—</dd>
          <dt>λ exact</dt><dd data-metric="eigenvalues-exact">—</dd>
          <dt>Rel. error λ₁</dt><dd data-metric="eig-rel-error">—</dd>
          <dt>Angle u₁ (°)</dt><dd data-metric="vec-angle">—</dd>
          <dt>Largest angle between the top-k subspaces (°)</dt><dd data-metric="subspace-angle">—</dd>
          <dt>Signed relative error of λ₁ … λ_k (bias)</dt><dd data-metric="signed-rel-error">—</dd>
          <dt>Nyström time</dt><dd data-metric="nystrom-ms">—</dd>
          <dt>Exact time</dt><dd data-metric="exact-ms">—</dd>
          <dt>Exact ÷ Nyström</dt><dd data-metric="speedup">—</dd>
        </dl>
        <p class="hint exact-method"></p>
      </div>
      <div class="panel">
        <h2>Error against l</h2>
        <div class="chart rel-chart"></div>
        <div class="chart angle-chart"></div>
        <div class="chart bias-chart"></div>
        <p class="hint">Mean over the k pairs and 3 seeds, at the first analysed time, QR form with the link's τ
          unless marked. Quasi-uniform columns give better eigenvectors but worse, upward-biased eigenvalues than
          uniform ones: evenly spread columns never hold close pairs of nodes, so W misses the 1/d near field;
          stratified columns (random inside each patch) sit between. Smaller τ keeps W's near-zero eigenvalues and
          the errors grow: try the τ = 1e-8 preset.</p>
        <div class="buttons"><button type="button" data-action="csv">Curve as CSV</button></div>
      </div>
    </div>`;

export function mount(app, core, report) {
  const page = labPage(app, core, 'flow', { intro: INTRO, body: BODY });
  const { root } = page;
  const controls = root.querySelector('.flow-controls');
  buildControls(controls, core.knobs('flow'), report.config, hashSetter(core));
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  // The run's state, renewed by start(); `run` bumps on every start, so stale async work can tell.
  const st = {
    config: report.config,
    core,
    worker,
    charts: makeCharts(root),
    ui: {
      canvas: root.querySelector('.field'),
      vectorIndex: root.querySelector('.vector-index'),
      vectorSource: root.querySelector('.vector-source'),
      showSamples: root.querySelector('.show-samples'),
      simStatus: root.querySelector('.sim-status'),
    },
    run: 0,
    geometry: null,
    body: null, // the bluff body's cells, for drawing
    field: null,
    network: null,
    samples: null,
    vector: null,
    pair: null,
    playing: false,
    target: 0,
    analysing: false,
    wantAnalysis: true,
    device: null,
    wake: null, // resolves the paused GPU loop
    simTime: 0, // the flow's time, as last drawn
    // While an analysis waits on the GPU (columns, Lanczos' mat-vecs), the GPU
    // loop stops stepping the flow so those read-backs do not queue behind
    // simulation work: a pause of milliseconds on a real GPU, and what lets an
    // analysis finish at all on a software one.
    gpuAnalysis: false,
    curveCsv: '',
  };
  const askVector = () => worker.postMessage({ type: 'vector', which: st.ui.vectorSource.value, index: Number(st.ui.vectorIndex.value) });
  st.ui.vectorIndex.addEventListener('change', askVector);
  st.ui.vectorSource.addEventListener('change', askVector);
  st.ui.showSamples.addEventListener('change', () => redraw(page, st));
  onBackendChange(() => start(page, st));
  koopmanLink(root, report.config);
  return page.run({
    worker,
    start: () => start(page, st),
    controls: [controls],
    onConfig: (config) => {
      st.config = config;
      koopmanLink(root, config);
    },
    onMessage: (m) => onMessage(page, st, m),
    actions: {
      csv: () => download('flow-error-curve.csv', st.curveCsv),
      play() {
        st.playing = true;
        st.wantAnalysis = true;
        st.wake?.();
      },
      pause() {
        st.playing = false;
      },
      step() {
        st.playing = false;
        st.target = st.simTime + 0.1;
        st.wantAnalysis = true;
        st.wake?.();
      },
    },
    destroy() {
      st.run += 1;
      st.wake?.();
    },
  });
}

/**
 * The Koopman lab on this cylinder's wake, as a link: the same Re and seed
 * (the Koopman lab's range is Re 20–200) on its lattice of 64 cells across,
 * or 128 for any finer one. Shown for the cylinder only.
 */
function koopmanLink(root, config) {
  const row = root.querySelector('.to-koopman-row');
  row.hidden = config.flow !== 'cylinder';
  const re = Math.min(200, Math.max(20, Number(config.Re)));
  const res = Number(config.res) > 64 ? 128 : 64;
  root.querySelector('.to-koopman').href = `#lab=koopman&data=wake&Re=${re}&res=${res}&seed=${config.seed}`;
}

function makeCharts(root) {
// One line per way of choosing the columns (the error and angle charts).
const SAMPLING_SERIES = [
  { label: 'quasi', stroke: PALETTE.blue, points: true },
  { label: 'uniform', stroke: PALETTE.vermillion, dash: [5, 4], points: true },
  { label: 'stratified', stroke: PALETTE.green, dash: [2, 3], points: true },
  { label: 'uniform, extension form', stroke: PALETTE.purple, dash: [8, 3], points: true },
];
const rel = lineChart(root.querySelector('.rel-chart'), {
  title: 'Relative eigenvalue error',
  xLabel: 'columns l',
  xLog: true,
  yLog: true,
  series: SAMPLING_SERIES,
});
// The bias: the mean signed eigenvalue error, ± its sd over the seeds (dotted).
const bias = lineChart(root.querySelector('.bias-chart'), {
  title: 'Signed eigenvalue error (bias), mean ± sd over seeds',
  xLabel: 'columns l',
  xLog: true,
  series: [
    { label: 'quasi', stroke: PALETTE.blue, points: true },
    { label: 'quasi ± sd', stroke: PALETTE.blue, dash: [2, 3] },
    { label: 'quasi ∓ sd', stroke: PALETTE.blue, dash: [2, 3] },
    { label: 'uniform', stroke: PALETTE.vermillion, points: true },
    { label: 'uniform ± sd', stroke: PALETTE.vermillion, dash: [2, 3] },
    { label: 'uniform ∓ sd', stroke: PALETTE.vermillion, dash: [2, 3] },
  ],
});
const angle = lineChart(root.querySelector('.angle-chart'), {
  title: 'Eigenvector angle (degrees)',
  xLabel: 'columns l',
  xLog: true,
  series: SAMPLING_SERIES,
});

  return { rel, bias, angle };
}

// Run state, renewed by start().
// While an analysis waits on the GPU (columns, Lanczos' mat-vecs), the GPU
// loop stops stepping the flow so those read-backs do not queue behind
// simulation work: a pause of milliseconds on a real GPU, and what lets an
// analysis finish at all on a software one.

function stopped(page, st, message) {
  st.gpuAnalysis = false;
  page.banner.textContent = message;
  page.banner.hidden = false;
  st.playing = false;
  st.ui.simStatus.textContent = 'Stopped.';
}

function redraw(page, st) {
  if (!st.field || !st.geometry) return;
  drawField(st.ui.canvas, st.field, st.geometry.nx, st.geometry.ny, st.body);
  if (st.network && st.vector) drawNodes(st.ui.canvas, st.network, st.vector, st.geometry.h, st.geometry.nx, st.geometry.ny, st.ui.showSamples.checked ? st.samples : null);
}

/**
 * The side-by-side view: Nyström's and the exact eigenvector, signed, on one
 * scale. It changes with an analysis or a new choice of vector, not with the
 * flow's frames, so only those draw it; and each map in a task of its own
 * (with a few thousand nodes, one map is 10–20 ms of sorting and filling
 * squares, and the two with the field were one task of 50–80 ms).
 */
function drawPair(page, st) {
  const { pair, network, geometry, samples } = st;
  const n = network?.x.length;
  if (!n || !pair || pair.length !== 2 * n) return;
  const index = st.ui.vectorIndex.value;
  const scale = pair.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const maps = [
    ['vec-nystrom', pair.subarray(0, n), samples],
    ['vec-exact', pair.subarray(n), null],
  ];
  maps.forEach(([cls, u, marks], i) =>
    setTimeout(() => {
      if (st.pair !== pair) return; // a newer pair is drawn after this one
      const c = page.root.querySelector(`canvas.${cls}`);
      c.height = Math.round((c.width * geometry.ny) / geometry.nx);
      drawVector(c, network, u, scale, geometry.h, geometry.nx, geometry.ny, marks);
      if (i === maps.length - 1) page.root.querySelector('.vector-panel').dataset.index = index;
    }),
  );
}

function showTime(page, t) {
  page.metric('time').textContent = t.toFixed(2);
  page.metric('time').dataset.value = String(t);
}

/** A new field arrived (either path): draw it; analyse when due. */
function onField(page, st, t, w) {
  st.field = w;
  st.simTime = t;
  showTime(page, t);
  redraw(page, st);
  if (!st.analysing && st.wantAnalysis && t + 1e-9 >= st.target) {
    st.analysing = true;
    st.wantAnalysis = false;
    st.ui.simStatus.textContent = `Analysing the network at t = ${t.toFixed(2)}…`;
    st.worker.postMessage(st.device ? { type: 'analyse', field: w, t, gpu: true } : { type: 'analyse', gpu: false });
  }
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/** The GPU path's loop: step, read back, draw; idle while paused at the target. */
async function gpuLoop(page, st, token) {
  const stepsPerFrame = st.config.flow === 'turbulence' ? 2 : 20;
  while (token === st.run) {
    if (st.gpuAnalysis) {
      await nextFrame();
      continue;
    }
    const behind = st.simTime + 1e-9 < st.target;
    try {
      if (st.playing || behind) {
        const remaining = Math.ceil((st.target - st.simTime) / st.geometry.dt - 1e-9);
        st.device.advance(behind && !st.playing ? Math.max(1, Math.min(remaining, 8 * stepsPerFrame)) : stepsPerFrame);
      }
      const { t, w } = await st.device.vorticity();
      if (token !== st.run) return;
      st.simTime = t;
      onField(page, st, t, w);
    } catch (e) {
      if (token === st.run) stopped(page, st, `The flow stopped: ${e?.message ?? e}`);
      return;
    }
    await nextFrame();
    if (!st.playing && st.simTime + 1e-9 >= st.target && token === st.run) {
      await new Promise((resolve) => (st.wake = resolve));
      st.wake = null;
    }
  }
}

function start(page, st) {
  clearMetrics();
  st.run += 1;
  st.wake?.();
  page.banner.hidden = true;
  page.banner.classList.replace('notice', 'error');
  st.geometry = st.body = st.field = st.network = st.samples = st.vector = st.pair = null;
  st.playing = false;
  st.target = st.config.t;
  st.simTime = 0;
  st.gpuAnalysis = false;
  st.analysing = false;
  st.wantAnalysis = true;
  st.charts.rel.set([], [[], [], [], []]);
  st.charts.angle.set([], [[], [], [], []]);
  st.charts.bias.set([], [[], [], [], [], [], []]);
  st.curveCsv = '';
  for (const el of page.root.querySelectorAll('[data-metric]')) {
    el.textContent = '—';
    delete el.dataset.value;
  }
  st.ui.vectorIndex.replaceChildren(...Array.from({ length: st.config.k }, (_, i) => new Option(String(i + 1), String(i))));
  st.device = labGpu(st.core.FlowGpu);
  st.ui.canvas.height = FIELD_WIDTH;
  if (st.device) {
    try {
      st.geometry = st.device.load(location.hash);
      st.body = st.device.body();
    } catch (e) {
      stopped(page, st, `The flow could not start on the GPU: ${e?.message ?? e}`);
      return;
    }
    st.ui.canvas.height = Math.round((FIELD_WIDTH * st.geometry.ny) / st.geometry.nx);
    st.worker.postMessage({ type: 'start', link: location.hash, simulate: false, target: st.target });
    st.ui.simStatus.textContent = `Simulating on the GPU to t = ${st.target}…`;
    gpuLoop(page, st, st.run);
  } else {
    st.worker.postMessage({ type: 'start', link: location.hash, simulate: true, target: st.target });
    st.ui.simStatus.textContent = `Simulating on the CPU to t = ${st.target}…`;
  }
}

function showAnalysis(page, st, m) {
  const a = m.analysis;
  const list = (v) => v.map((x) => x.toPrecision(4)).join(', ');
  // The analysis is the report `continuum run` prints for a field at this time.
  publishReport(a);
  page.metric('analysed-t').textContent = m.t.toFixed(2);
  page.metric('analysed-t').dataset.value = String(m.t);
  page.metric('eigenvalues-nystrom').textContent = list(a.eigenvalues_nystrom);
  page.metric('eigenvalues-exact').textContent = list(a.eigenvalues_exact);
  page.metric('eigenvalues-nystrom').dataset.value = JSON.stringify(a.eigenvalues_nystrom);
  page.metric('eigenvalues-exact').dataset.value = JSON.stringify(a.eigenvalues_exact);
  page.metric('l').textContent = String(a.l);
  page.metric('eig-rel-error').textContent = a.eig_rel_error[0].toExponential(2);
  page.metric('eig-rel-error').dataset.value = String(a.eig_rel_error[0]);
  page.metric('vec-angle').textContent = a.vec_angle[0].toFixed(2);
  page.metric('vec-angle').dataset.value = String(a.vec_angle[0]);
  page.metric('subspace-angle').textContent = a.subspace_angle.toFixed(2);
  page.metric('subspace-angle').dataset.value = String(a.subspace_angle);
  page.metric('signed-rel-error').textContent = a.signed_rel_error.map((e) => `${e >= 0 ? '+' : ''}${e.toExponential(1)}`).join(', ');
  page.metric('signed-rel-error').dataset.value = JSON.stringify(a.signed_rel_error);
  const { nystrom: nystromMs, exact: exactMs } = a.timings_ms;
  page.metric('nystrom-ms').textContent = `${nystromMs.toFixed(0)} ms`;
  page.metric('nystrom-ms').dataset.value = String(nystromMs);
  page.metric('exact-ms').textContent = `${exactMs.toFixed(0)} ms`;
  page.metric('exact-ms').dataset.value = String(exactMs);
  page.metric('speedup').textContent = `${(exactMs / Math.max(nystromMs, 0.1)).toFixed(1)}×`;
  page.root.querySelector('.exact-method').textContent =
    a.exact_method === 'dense'
      ? `Exact: dense symmetric eigensolver (n = ${a.nodes} is small).`
      : `Exact: matrix-free Lanczos, ${a.lanczos_matvecs} mat-vecs, ${a.exact_method.includes('GPU') ? 'on the GPU' : 'on the CPU'}; ${a.lanczos_converged ? 'converged' : 'stopped at its step limit before converging: the "exact" pairs are approximate'}.`;
  page.root.querySelector('.exact-method').dataset.converged = String(a.lanczos_converged ?? 'dense');
  if (a.notice) {
    page.banner.textContent = a.notice;
    page.banner.hidden = false;
  }
  st.vector = m.vector;
  st.pair = m.pair;
  st.ui.vectorSource.value = 'nystrom';
  st.ui.vectorIndex.value = '0';
  redraw(page, st);
  drawPair(page, st);
}

async function onMessage(page, st, m) {
  performance.mark(`flow:${m.type}`);
  const token = st.run;
  if (m.type === 'ready') {
    if (!st.device) {
      st.geometry = m.geometry;
      st.body = m.body;
      st.ui.canvas.height = Math.round((FIELD_WIDTH * st.geometry.ny) / st.geometry.nx);
    }
    page.metric('reynolds').textContent = m.geometry.reynolds.toFixed(0);
    page.metric('reynolds').dataset.value = String(m.geometry.reynolds);
    if (m.geometry.reynolds < st.config.Re * 0.999) {
      page.banner.textContent = `Re ${st.config.Re} is beyond what this lattice resolves stably; simulating Re ${m.geometry.reynolds.toFixed(0)}. Raise the resolution for higher Re.`;
      page.banner.classList.replace('error', 'notice');
      page.banner.hidden = false;
    }
  } else if (m.type === 'frame') {
    onField(page, st, m.t, m.w);
  } else if (m.type === 'network') {
    st.network = m.network;
    st.samples = m.samples;
    page.metric('nodes').textContent = `${st.network.gamma.length} (${st.network.cells} cells${st.network.block > 1 ? `, ${st.network.block}×${st.network.block} blocks` : ''})`;
    page.metric('nodes').dataset.value = String(st.network.gamma.length);
    if (m.gpu && st.device) {
      st.gpuAnalysis = true;
      try {
        st.device.network(st.network, st.samples.length);
        const columns = await st.device.columns(Uint32Array.from(st.samples));
        if (token === st.run) st.worker.postMessage({ type: 'columns', columns }, [columns.buffer]);
      } catch (e) {
        if (token === st.run) stopped(page, st, `The GPU columns failed: ${e?.message ?? e}`);
      }
    }
  } else if (m.type === 'need-exact') {
    try {
      const e = await st.device.lanczos(m.n, m.k, st.config.seed);
      if (token === st.run) st.worker.postMessage({ type: 'exact', ...e });
    } catch (e) {
      if (token === st.run) stopped(page, st, `The GPU Lanczos failed: ${e?.message ?? e}`);
    }
  } else if (m.type === 'analysis') {
    st.gpuAnalysis = false;
    showAnalysis(page, st, m);
    st.ui.simStatus.textContent = st.playing ? 'Playing: the network is re-analysed as the flow evolves.' : `Analysed at t = ${m.t.toFixed(2)}. Play to follow the flow.`;
  } else if (m.type === 'curve') {
    const names = ['quasi', 'uniform', 'stratified', 'extension'];
    const pick = (key) => names.map((name) => m.points[name].slice(0, m.ls.length).map((p) => p[key]));
    st.charts.rel.set(m.ls, pick('rel'));
    st.charts.angle.set(m.ls, pick('angle'));
    const band = (name) => {
      const p = m.points[name].slice(0, m.ls.length);
      return [p.map((x) => x.bias), p.map((x) => x.bias + x.spread), p.map((x) => x.bias - x.spread)];
    };
    st.charts.bias.set(m.ls, [...band('quasi'), ...band('uniform')]);
    page.root.querySelector('.bias-chart').dataset.bias = JSON.stringify(['quasi', 'uniform'].map((n) => m.points[n].slice(0, m.ls.length).map((x) => [x.bias, x.spread])));
    page.root.querySelector('.rel-chart').dataset.rows = String(m.ls.length);
    st.curveCsv = [
      ['l', ...names.map((n) => `rel_${n}`), ...names.map((n) => `angle_${n}`), ...names.map((n) => `bias_${n}`), ...names.map((n) => `bias_sd_${n}`)].join(','),
      ...m.ls.map((l, i) => [l, ...['rel', 'angle', 'bias', 'spread'].flatMap((k) => names.map((n) => m.points[n][i][k]))].join(',')),
    ].join('\n');
  } else if (m.type === 'idle') {
    st.analysing = false;
    if (st.playing) st.wantAnalysis = true;
  } else if (m.type === 'vector') {
    st.vector = m.vector;
    st.pair = m.pair;
    redraw(page, st);
    drawPair(page, st);
  } else if (m.type === 'error') {
    st.analysing = false;
    st.gpuAnalysis = false;
    stopped(page, st, `The flow lab stopped: ${m.message}`);
  }
}

