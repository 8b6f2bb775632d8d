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
import { RUN_BUTTONS, download, handleActions, hashSetter, labPage } from '../../ui/lab-page.js';
import { buildControls, showValues } from '../../ui/controls.js';
import { lineChart } from '../../ui/charts.js';
import { gpu, labGpu, onBackendChange } from '../../backend.js';
import { drawField, drawNodes, drawVector } from './plots.js';
import { PALETTE } from '../../ui/palette.js';

const FIELD_WIDTH = 512;

export function mount(app, core, report) {
  const knobs = core.knobs('flow');
  const { root, banner } = labPage(app, core, 'flow', {
    intro: `Every strong vortical cell of the flow is a node; two nodes are linked by the velocity each
      induces at the other (Biot–Savart). The network's leading eigenvectors mark its dominant vortical structures.
      Finding them exactly costs a pass over all n² links per iteration; Nyström estimates them from only l
      columns. Watch the eigenvector move with the vortices, and compare the error and the time. Try first: lower
      l to 50, then switch the sampling between uniform and quasi-uniform.`,
    body: `
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
    </div>`,
  });


  const metric = (name) => root.querySelector(`[data-metric="${name}"]`);
  const controls = root.querySelector('.flow-controls');
  const canvas = root.querySelector('.field');
  const vectorIndex = root.querySelector('.vector-index');
  const vectorSource = root.querySelector('.vector-source');
  const showSamples = root.querySelector('.show-samples');
  const simStatus = root.querySelector('.sim-status');
  // One line per way of choosing the columns (the error and angle charts).
  const SAMPLING_SERIES = [
    { label: 'quasi', stroke: PALETTE.blue, points: true },
    { label: 'uniform', stroke: PALETTE.vermillion, dash: [5, 4], points: true },
    { label: 'stratified', stroke: PALETTE.green, dash: [2, 3], points: true },
    { label: 'uniform, extension form', stroke: PALETTE.purple, dash: [8, 3], points: true },
  ];
  const relChart = lineChart(root.querySelector('.rel-chart'), {
    title: 'Relative eigenvalue error',
    xLabel: 'columns l',
    xLog: true,
    yLog: true,
    series: SAMPLING_SERIES,
  });
  // The bias: the mean signed eigenvalue error, ± its sd over the seeds (dotted).
  const biasChart = lineChart(root.querySelector('.bias-chart'), {
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
  const angleChart = lineChart(root.querySelector('.angle-chart'), {
    title: 'Eigenvector angle (degrees)',
    xLabel: 'columns l',
    xLog: true,
    series: SAMPLING_SERIES,
  });

  let config = report.config;
  const setKey = hashSetter(core);
  buildControls(controls, knobs, config, setKey);

  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });

  // Run state, renewed by start().
  let run = 0; // bumps on every start, so stale async work can tell
  let geometry = null;
  let body = null; // the bluff body's cells, for drawing
  let field = null;
  let network = null;
  let samples = null;
  let vector = null;
  let pair = null;
  let playing = false;
  let target = 0;
  let analysing = false;
  let wantAnalysis = true;
  let device = null;
  let wake = null; // resolves the paused GPU loop
  let simTime = 0; // the flow's time, as last drawn
  // While an analysis waits on the GPU (columns, Lanczos' mat-vecs), the GPU
  // loop stops stepping the flow so those read-backs do not queue behind
  // simulation work: a pause of milliseconds on a real GPU, and what lets an
  // analysis finish at all on a software one.
  let gpuAnalysis = false;
  let curveCsv = '';

  const stopped = (message) => {
    gpuAnalysis = false;
    banner.textContent = message;
    banner.hidden = false;
    playing = false;
    simStatus.textContent = 'Stopped.';
  };

  const redraw = () => {
    if (!field || !geometry) return;
    drawField(canvas, field, geometry.nx, geometry.ny, body);
    if (network && vector) drawNodes(canvas, network, vector, geometry.h, geometry.nx, geometry.ny, showSamples.checked ? samples : null);
    drawPair();
  };

  // The side-by-side view: Nyström's and the exact eigenvector, signed, on one scale.
  const drawPair = () => {
    const n = network?.x.length;
    if (!n || !pair || pair.length !== 2 * n) return;
    const [nys, ex] = [pair.subarray(0, n), pair.subarray(n)];
    const scale = pair.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    for (const [cls, u, marks] of [['vec-nystrom', nys, samples], ['vec-exact', ex, null]]) {
      const c = root.querySelector(`canvas.${cls}`);
      c.height = Math.round((c.width * geometry.ny) / geometry.nx);
      drawVector(c, network, u, scale, geometry.h, geometry.nx, geometry.ny, marks);
    }
    root.querySelector('.vector-panel').dataset.index = vectorIndex.value;
  };

  const showTime = (t) => {
    metric('time').textContent = t.toFixed(2);
    metric('time').dataset.value = String(t);
  };

  /** A new field arrived (either path): draw it; analyse when due. */
  const onField = (t, w) => {
    field = w;
    simTime = t;
    showTime(t);
    redraw();
    if (!analysing && wantAnalysis && t + 1e-9 >= target) {
      analysing = true;
      wantAnalysis = false;
      simStatus.textContent = `Analysing the network at t = ${t.toFixed(2)}…`;
      worker.postMessage(device ? { type: 'analyse', field: w, t, gpu: true } : { type: 'analyse', gpu: false });
    }
  };

  const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

  /** The GPU path's loop: step, read back, draw; idle while paused at the target. */
  const gpuLoop = async (token) => {
    const stepsPerFrame = config.flow === 'turbulence' ? 2 : 20;
    while (token === run) {
      if (gpuAnalysis) {
        await nextFrame();
        continue;
      }
      const behind = simTime + 1e-9 < target;
      try {
        if (playing || behind) {
          const remaining = Math.ceil((target - simTime) / geometry.dt - 1e-9);
          device.advance(behind && !playing ? Math.max(1, Math.min(remaining, 8 * stepsPerFrame)) : stepsPerFrame);
        }
        const { t, w } = await device.vorticity();
        if (token !== run) return;
        simTime = t;
        onField(t, w);
      } catch (e) {
        if (token === run) stopped(`The flow stopped: ${e?.message ?? e}`);
        return;
      }
      await nextFrame();
      if (!playing && simTime + 1e-9 >= target && token === run) {
        await new Promise((resolve) => (wake = resolve));
        wake = null;
      }
    }
  };

  const start = () => {
    clearMetrics();
    run += 1;
    wake?.();
    banner.hidden = true;
    banner.classList.replace('notice', 'error');
    geometry = body = field = network = samples = vector = pair = null;
    playing = false;
    target = config.t;
    simTime = 0;
    gpuAnalysis = false;
    analysing = false;
    wantAnalysis = true;
    relChart.set([], [[], [], [], []]);
    angleChart.set([], [[], [], [], []]);
    biasChart.set([], [[], [], [], [], [], []]);
    curveCsv = '';
    for (const el of root.querySelectorAll('[data-metric]')) {
      el.textContent = '—';
      delete el.dataset.value;
    }
    vectorIndex.replaceChildren(...Array.from({ length: config.k }, (_, i) => new Option(String(i + 1), String(i))));
    device = labGpu(core.FlowGpu);
    canvas.height = FIELD_WIDTH;
    if (device) {
      try {
        geometry = device.load(location.hash);
        body = device.body();
      } catch (e) {
        stopped(`The flow could not start on the GPU: ${e?.message ?? e}`);
        return;
      }
      canvas.height = Math.round((FIELD_WIDTH * geometry.ny) / geometry.nx);
      worker.postMessage({ type: 'start', link: location.hash, simulate: false, target });
      simStatus.textContent = `Simulating on the GPU to t = ${target}…`;
      gpuLoop(run);
    } else {
      worker.postMessage({ type: 'start', link: location.hash, simulate: true, target });
      simStatus.textContent = `Simulating on the CPU to t = ${target}…`;
    }
  };

  const showAnalysis = (m) => {
    const a = m.analysis;
    const list = (v) => v.map((x) => x.toPrecision(4)).join(', ');
    // The report's leading-pair names, from this analysis (as `continuum run` computes them).
    publishReport({ ...a, leading_rel_error: a.eig_rel_error[0], leading_angle: a.vec_angle[0] });
    metric('analysed-t').textContent = m.t.toFixed(2);
    metric('analysed-t').dataset.value = String(m.t);
    metric('eigenvalues-nystrom').textContent = list(a.eigenvalues_nystrom);
    metric('eigenvalues-exact').textContent = list(a.eigenvalues_exact);
    metric('eigenvalues-nystrom').dataset.value = JSON.stringify(a.eigenvalues_nystrom);
    metric('eigenvalues-exact').dataset.value = JSON.stringify(a.eigenvalues_exact);
    metric('l').textContent = String(a.l);
    metric('eig-rel-error').textContent = a.eig_rel_error[0].toExponential(2);
    metric('eig-rel-error').dataset.value = String(a.eig_rel_error[0]);
    metric('vec-angle').textContent = a.vec_angle[0].toFixed(2);
    metric('vec-angle').dataset.value = String(a.vec_angle[0]);
    metric('subspace-angle').textContent = a.subspace_angle.toFixed(2);
    metric('subspace-angle').dataset.value = String(a.subspace_angle);
    metric('signed-rel-error').textContent = a.signed_rel_error.map((e) => `${e >= 0 ? '+' : ''}${e.toExponential(1)}`).join(', ');
    metric('signed-rel-error').dataset.value = JSON.stringify(a.signed_rel_error);
    metric('nystrom-ms').textContent = `${a.nystrom_ms.toFixed(0)} ms`;
    metric('nystrom-ms').dataset.value = String(a.nystrom_ms);
    metric('exact-ms').textContent = `${a.exact_ms.toFixed(0)} ms`;
    metric('exact-ms').dataset.value = String(a.exact_ms);
    metric('speedup').textContent = `${(a.exact_ms / Math.max(a.nystrom_ms, 0.1)).toFixed(1)}×`;
    root.querySelector('.exact-method').textContent =
      a.exact_method === 'dense'
        ? `Exact: dense symmetric eigensolver (n = ${a.nodes} is small).`
        : `Exact: matrix-free Lanczos, ${a.lanczos_matvecs} mat-vecs, ${a.exact_method.includes('GPU') ? 'on the GPU' : 'on the CPU'}; ${a.lanczos_converged ? 'converged' : 'stopped at its step limit before converging: the "exact" pairs are approximate'}.`;
    root.querySelector('.exact-method').dataset.converged = String(a.lanczos_converged ?? 'dense');
    if (a.notice) {
      banner.textContent = a.notice;
      banner.hidden = false;
    }
    vector = m.vector;
    pair = m.pair;
    vectorSource.value = 'nystrom';
    vectorIndex.value = '0';
    redraw();
  };

  worker.onmessage = async ({ data: m }) => {
    performance.mark(`flow:${m.type}`);
    const token = run;
    if (m.type === 'ready') {
      if (!device) {
        geometry = m.geometry;
        body = m.body;
        canvas.height = Math.round((FIELD_WIDTH * geometry.ny) / geometry.nx);
      }
      metric('reynolds').textContent = m.geometry.reynolds.toFixed(0);
      metric('reynolds').dataset.value = String(m.geometry.reynolds);
      if (m.geometry.reynolds < config.Re * 0.999) {
        banner.textContent = `Re ${config.Re} is beyond what this lattice resolves stably; simulating Re ${m.geometry.reynolds.toFixed(0)}. Raise the resolution for higher Re.`;
        banner.classList.replace('error', 'notice');
        banner.hidden = false;
      }
    } else if (m.type === 'frame') {
      onField(m.t, m.w);
    } else if (m.type === 'network') {
      network = m.network;
      samples = m.samples;
      metric('nodes').textContent = `${network.gamma.length} (${network.cells} cells${network.block > 1 ? `, ${network.block}×${network.block} blocks` : ''})`;
      metric('nodes').dataset.value = String(network.gamma.length);
      if (m.gpu && device) {
        gpuAnalysis = true;
        try {
          device.network(network, samples.length);
          const columns = await device.columns(Uint32Array.from(samples));
          if (token === run) worker.postMessage({ type: 'columns', columns }, [columns.buffer]);
        } catch (e) {
          if (token === run) stopped(`The GPU columns failed: ${e?.message ?? e}`);
        }
      }
    } else if (m.type === 'need-exact') {
      try {
        const e = await device.lanczos(m.n, config.k, config.seed);
        if (token === run) worker.postMessage({ type: 'exact', ...e });
      } catch (e) {
        if (token === run) stopped(`The GPU Lanczos failed: ${e?.message ?? e}`);
      }
    } else if (m.type === 'analysis') {
      gpuAnalysis = false;
      showAnalysis(m);
      simStatus.textContent = playing ? 'Playing: the network is re-analysed as the flow evolves.' : `Analysed at t = ${m.t.toFixed(2)}. Play to follow the flow.`;
    } else if (m.type === 'curve') {
      const names = ['quasi', 'uniform', 'stratified', 'extension'];
      const pick = (key) => names.map((name) => m.points[name].slice(0, m.ls.length).map((p) => p[key]));
      relChart.set(m.ls, pick('rel'));
      angleChart.set(m.ls, pick('angle'));
      const band = (name) => {
        const p = m.points[name].slice(0, m.ls.length);
        return [p.map((x) => x.bias), p.map((x) => x.bias + x.spread), p.map((x) => x.bias - x.spread)];
      };
      biasChart.set(m.ls, [...band('quasi'), ...band('uniform')]);
      root.querySelector('.bias-chart').dataset.bias = JSON.stringify(['quasi', 'uniform'].map((n) => m.points[n].slice(0, m.ls.length).map((x) => [x.bias, x.spread])));
      root.querySelector('.rel-chart').dataset.rows = String(m.ls.length);
      curveCsv = [
        ['l', ...names.map((n) => `rel_${n}`), ...names.map((n) => `angle_${n}`), ...names.map((n) => `bias_${n}`), ...names.map((n) => `bias_sd_${n}`)].join(','),
        ...m.ls.map((l, i) => [l, ...['rel', 'angle', 'bias', 'spread'].flatMap((k) => names.map((n) => m.points[n][i][k]))].join(',')),
      ].join('\n');
    } else if (m.type === 'idle') {
      analysing = false;
      if (playing) wantAnalysis = true;
    } else if (m.type === 'vector') {
      vector = m.vector;
      pair = m.pair;
      redraw();
    } else if (m.type === 'error') {
      analysing = false;
      gpuAnalysis = false;
      stopped(`The flow lab stopped: ${m.message}`);
    }
  };

  const askVector = () => worker.postMessage({ type: 'vector', which: vectorSource.value, index: Number(vectorIndex.value) });
  vectorIndex.addEventListener('change', askVector);
  vectorSource.addEventListener('change', askVector);
  showSamples.addEventListener('change', redraw);

  handleActions(root, worker, {
    reset: start,
    csv: () => download('flow-error-curve.csv', curveCsv),
    play() {
      playing = true;
      wantAnalysis = true;
      wake?.();
    },
    pause() {
      playing = false;
    },
    step() {
      playing = false;
      target = simTime + 0.1;
      wantAnalysis = true;
      wake?.();
    },
  });
  onBackendChange(() => start());
  start();

  return {
    update(next) {
      config = next.config;
      showValues(controls, config);
      start();
    },
    destroy() {
      run += 1;
      wake?.();
      worker.terminate();
    },
  };
}
