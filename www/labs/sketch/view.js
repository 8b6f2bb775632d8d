// The sketch lab page, two studies (`study` in the hash). SVD: the error of
// a sketched SVD against the sketch size l, its true (1 − α) quantile over R
// sketches, the bootstrap's estimate (mean ± sd) and the extrapolation from
// l₀; coverage; an adaptive panel; one bootstrap timed on the CPU and on the
// GPU (gram.wgsl). Operator norm: coverage of the bootstrap bound against n
// for p = 50 and the link's p, and T_n's distribution against one draw's
// bootstrap. Sweeps run in a Web Worker (./worker.js) with progress; Pause
// stops, Play continues. Every control is in the hash.

import { publishReport, setMetricValue } from '../../ui/metrics.js';
import { RUN_BUTTONS, download, hashSetter, labPage, shownKnobs } from '../../ui/lab-page.js';
import { buildControls } from '../../ui/controls.js';
import { lineChart } from '../../ui/charts.js';
import { PALETTE } from '../../ui/palette.js';

const COLOURS = { truth: PALETTE.black, bootstrap: PALETTE.blue, extrapolation: PALETTE.vermillion, small: PALETTE.green, large: PALETTE.purple };

const INTRO = `A sketch keeps l rows of a tall matrix (sampled, or mixed by a random projection) and computes
      the SVD of the small matrix instead. How wrong is it? The bootstrap answers from the sketch alone: resample its
      rows, recompute, and read the spread. Below, that estimate is compared with the truth — the error quantile over
      many independent sketches — and extrapolated to larger sketches as 1/√l. The second study bootstraps the
      operator norm of a sample covariance. Try first: let the sweep finish and read the coverage.`;

const BODY = `
    <div class="depth-grid">
      <div class="panel">
        <h2>Settings</h2>
${RUN_BUTTONS}
        <div class="controls"></div>
        <p class="hint">Matrices up to m × n = 20 million entries (160 MB). Play runs the sweep; Pause stops it where it is.</p>
      </div>
      <div class="panel">
        <h2>Progress and numbers</h2>
        <progress class="sweep" max="1" value="0"></progress> <span data-metric="progress">—</span>
        <dl class="metrics svd-only">
          <dt>True (1 − α) quantile at l₀</dt><dd data-metric="true-quantile">—</dd>
          <dt>Bootstrap estimate at l₀ (mean ± sd)</dt><dd data-metric="bootstrap-quantile">—</dd>
          <dt>Coverage at l₀ (nominal 1 − α)</dt><dd data-metric="coverage">—</dd>
          <dt>Extrapolated ÷ true, l₀ … 16 l₀</dt><dd data-metric="extrapolation-ratios">—</dd>
          <dt>Exact σ₁ … σ_k</dt><dd data-metric="exact">—</dd>
          <dt>Adaptive: l for the tolerance</dt><dd data-metric="adaptive">—</dd>
        </dl>
        <dl class="metrics opnorm-only">
          <dt>Mean coverage, n ≥ 100, p = 50</dt><dd data-metric="coverage-small">—</dd>
          <dt>Mean coverage, n ≥ 100, link's p</dt><dd data-metric="coverage-large">—</dd>
        </dl>
        <div class="buttons"><button type="button" data-action="csv">Numbers as CSV</button></div>
      </div>
      <div class="panel">
        <h2 class="figure-title">Error against sketch size</h2>
        <div class="chart main-chart"></div>
        <p class="hint figure-hint"></p>
      </div>
      <div class="panel svd-only">
        <h2>The replicas on the CPU and the GPU</h2>
        <p class="hint">B bootstrap replicas of a fresh sketch at l₀, and R fresh sketches at l₀ (rows gathered from A
          on the GPU for row sampling). CPU: Gram matrices and leading pairs in f64 (the lab's path). GPU
          (replicas.wgsl, f32): Gram matrices and 30 block power iterations for every matrix in one submission, then one
          Rayleigh–Ritz step here; compared with its f32 CPU twin.</p>
        <div class="buttons"><button type="button" data-action="bench">Time the replicas</button></div>
        <dl class="metrics">
          <dt>Bootstrap, CPU f64 / f32 twin</dt><dd data-metric="bench-cpu">—</dd>
          <dt>Bootstrap, GPU</dt><dd data-metric="bench-gpu">—</dd>
          <dt>R sketches, CPU f64 / f32 twin</dt><dd data-metric="bench-sketches-cpu">—</dd>
          <dt>R sketches, GPU</dt><dd data-metric="bench-sketches-gpu">—</dd>
          <dt>GPU vs twin (max rel. diff.: bootstrap / sketches)</dt><dd data-metric="bench-parity">—</dd>
          <dt>Bootstrap estimate: CPU / GPU</dt><dd data-metric="bench-quantiles">—</dd>
          <dt>True quantile of the R sketches: CPU / GPU</dt><dd data-metric="bench-true">—</dd>
        </dl>
      </div>
      <div class="panel opnorm-only">
        <h2>T_n against its bootstrap</h2>
        <canvas class="histogram" width="320" height="200" aria-label="Histogram of T_n over trials and of one draw's bootstrap values"></canvas>
        <p class="hint"><span style="color:${COLOURS.truth}">Black: √n‖Σ̂ − Σ‖ over the trials</span> at the largest n and the link's p;
          <span style="color:${COLOURS.bootstrap}">blue: √n‖Σ̂* − Σ̂‖ over the bootstrap of one draw</span>. The bootstrap sees one data set
          and approximates the distribution of all of them.</p>
      </div>
    </div>`;

const SHOWN = ['adaptive', 'coverage', 'true-quantile', 'bootstrap-quantile', 'extrapolation-ratios', 'coverage-small', 'coverage-large'];

export function mount(app, core, report) {
  const page = labPage(app, core, 'sketch', { intro: INTRO, body: BODY });
  const knobs = core.knobs('sketch');
  const controls = page.root.querySelector('.controls');
  const setKey = hashSetter(core);
  // `chart` is the study's figure (remade when the study changes), `state` the sweep's last numbers.
  const view = { config: report.config, chart: null, state: null };
  const layout = () => {
    buildControls(controls, shownKnobs(knobs, view.config.study), view.config, setKey);
    view.chart = layoutStudy(page.root, view.config);
  };
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  return page.run({
    worker,
    start() {
      layout();
      page.clear(SHOWN);
      if (view.config.study === 'svd' && view.config.tol > 0) page.show('adaptive', 'after the sweep');
      worker.postMessage({ type: 'start', link: location.hash, play: true });
    },
    // start() lays the study's controls and figure out again.
    onConfig: (config) => (view.config = config),
    async onMessage(m) {
      if (m.type === 'ready' || m.type === 'steps') {
        view.state = m.state;
        page.progress(m.status);
        if (view.config.study === 'svd') showSvd(page, view);
        else showOpnorm(page, view);
        if (m.adaptive) {
          const a = m.adaptive;
          page.show('adaptive', `l = ${a.predicted_l}: true quantile there ${a.true_quantile.toPrecision(3)} ${a.met ? '≤' : '>'} ${a.tolerance} (${a.met ? 'met' : 'missed'})`, a.predicted_l);
        }
        if (m.report) publishReport(m.report);
      } else if (m.type === 'bench') await bench(page, core, worker, m);
      else if (m.type === 'gpu-check') {
        const { bootstrap: b, sketches: s } = m;
        page.show('bench-parity', `${b.parity.toExponential(2)} / ${s.parity.toExponential(2)}`, Math.max(b.parity, s.parity));
        page.show('bench-quantiles', `${b.cpu_quantile.toPrecision(4)} / ${b.gpu_quantile.toPrecision(4)}`, b.gpu_quantile);
        page.show('bench-true', `${s.cpu_quantile.toPrecision(4)} / ${s.gpu_quantile.toPrecision(4)}`, s.gpu_quantile);
      }
    },
    actions: {
      csv: () => download('sketch.csv', csv(view)),
      bench: () => worker.postMessage({ type: 'bench' }),
    },
  });
}

/** Shows the study's panels and makes its figure. */
function layoutStudy(root, config) {
  const svd = config.study === 'svd';
  // style.display, not `hidden`: the metrics lists are display: grid.
  for (const el of root.querySelectorAll('.svd-only')) el.style.display = svd ? '' : 'none';
  for (const el of root.querySelectorAll('.opnorm-only')) el.style.display = svd ? 'none' : '';
  root.querySelector('.figure-title').textContent = svd ? 'Error against sketch size' : 'Coverage against n';
  root.querySelector('.figure-hint').textContent = svd
    ? 'Black dashed: the true (1 − α) quantile over R sketches. Blue: the bootstrap estimate, mean ± sd (R sketches at l₀, 10 above). Vermillion: its extrapolation from l₀ as √(l₀/l).'
    : 'Fraction of trials with ‖Σ̂ − Σ‖ ≤ q̂/√n, for p = 50 and the link\'s p, against the nominal 1 − α.';
  const container = root.querySelector('.main-chart');
  container.replaceChildren();
  return svd
    ? lineChart(container, {
        title: `(1 − α) quantile of the ${config.metric === 'vector' ? 'singular-vector' : 'singular-value'} error`,
        xLabel: 'sketch size l',
        xLog: true,
        yLog: true,
        series: [
          { label: 'true quantile', stroke: COLOURS.truth, dash: [6, 4], points: true },
          { label: 'bootstrap mean', stroke: COLOURS.bootstrap, points: true },
          { label: 'mean + sd', stroke: COLOURS.bootstrap, dash: [2, 3] },
          { label: 'mean − sd', stroke: COLOURS.bootstrap, dash: [2, 3] },
          { label: 'extrapolation', stroke: COLOURS.extrapolation },
        ],
      })
    : lineChart(container, {
        title: 'Coverage of the bootstrap bound',
        xLabel: 'observations n',
        xLog: true,
        series: [
          { label: 'p = 50', stroke: COLOURS.small, points: true, scale: 'acc' },
          { label: `p = ${config.p}`, stroke: COLOURS.large, points: true, scale: 'acc' },
          { label: 'nominal', stroke: '#888', dash: [4, 4], scale: 'acc' },
        ],
      });
}

function showSvd(page, { state: s, chart, config }) {
  const rows = s.levels;
  chart.set(
    rows.map((r) => r.l),
    [rows.map((r) => r.true), rows.map((r) => r.bootstrap.mean), rows.map((r) => r.bootstrap.mean + r.bootstrap.sd), rows.map((r) => Math.max(r.bootstrap.mean - r.bootstrap.sd, 1e-12)), rows.map((r) => r.predicted)],
  );
  page.show('exact', s.exact_singular_values.map((v) => v.toPrecision(5)).join(', '));
  if (!rows.length) return;
  const r0 = rows[0];
  setMetricValue('true_quantile', r0.true);
  setMetricValue('bootstrap_quantile.mean', r0.bootstrap.mean);
  setMetricValue('coverage', r0.coverage);
  page.show('true-quantile', r0.true.toPrecision(4), r0.true);
  page.show('bootstrap-quantile', `${r0.bootstrap.mean.toPrecision(4)} ± ${r0.bootstrap.sd.toPrecision(2)}`, r0.bootstrap.mean);
  page.show('coverage', `${r0.coverage.toFixed(3)} (${s.estimates.length} sketches; nominal ${(1 - config.alpha).toFixed(2)})`, r0.coverage);
  const ratios = rows.map((r) => r.predicted / r.true);
  page.show('extrapolation-ratios', ratios.map((x) => x.toFixed(2)).join(', '), JSON.stringify(ratios));
}

function showOpnorm(page, { state: s, chart, config }) {
  const ns = [...new Set(s.cells.map((c) => c.n))].sort((a, b) => a - b);
  const at = (p) => ns.map((n) => s.cells.find((c) => c.n === n && c.p === p)?.coverage ?? null);
  const large = config.p;
  chart.set(ns, [at(50), large === 50 ? ns.map(() => null) : at(large), ns.map(() => 1 - config.alpha)]);
  const mean = (p) => {
    const v = s.cells.filter((c) => c.p === p && c.n >= 100).map((c) => c.coverage);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  for (const [name, p] of [['coverage-small', 50], ['coverage-large', large]]) {
    const m = mean(p);
    if (m !== null) page.show(name, m.toFixed(3), m);
  }
  drawHistogram(page.root.querySelector('canvas.histogram'), s.statistic, s.bootstrap);
}

/** One bootstrap and R sketches timed on the CPU (the worker's) and on the GPU. */
async function bench(page, core, worker, m) {
  const both = (t) => `${t.cpu_ms.toFixed(0)} / ${t.twin_ms.toFixed(0)} ms`;
  page.show('bench-cpu', `${both(m.bootstrap)} (B = ${m.boots}, l = ${m.l}, n = ${m.n})`, m.bootstrap.cpu_ms);
  page.show('bench-sketches-cpu', `${both(m.sketches)} (R = ${m.runs})`, m.sketches.cpu_ms);
  const device = page.gpu(core.SketchGpu, 'bench-gpu');
  if (!device) {
    page.show('bench-quantiles', m.bootstrap.cpu_quantile.toPrecision(4));
    page.show('bench-true', m.sketches.cpu_quantile.toPrecision(4));
    return;
  }
  try {
    const blocks = {};
    for (const [name, metricName] of [['bootstrap', 'bench-gpu'], ['sketches', 'bench-sketches-gpu']]) {
      const t = performance.now();
      blocks[name] = await device.replicas(m[name].inputs);
      page.show(metricName, `${(performance.now() - t).toFixed(0)} ms (with upload and readback)`, performance.now() - t);
    }
    worker.postMessage({ type: 'gpu-check', ...blocks });
  } catch (e) {
    page.show('bench-gpu', `the GPU failed: ${e?.message ?? e}`);
  }
}

function csv({ state, config }) {
  if (!state) return '';
  if (config.study === 'svd') {
    const rows = state.levels.map((r) => [r.l, r.true, r.bootstrap.mean, r.bootstrap.sd, r.predicted, r.coverage].join(','));
    return ['l,true_quantile,bootstrap_mean,bootstrap_sd,extrapolated,coverage', ...rows].join('\n');
  }
  return ['n,p,coverage', ...state.cells.map((c) => [c.n, c.p, c.coverage].join(','))].join('\n');
}

/** Two histograms on one set of bins: `a` (black outline) and `b` (blue, filled), each normalised. */
function drawHistogram(canvas, a, b) {
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const all = [...a, ...b];
  if (!all.length) return;
  const lo = Math.min(...all);
  const hi = Math.max(...all) * 1.0001 || 1;
  const bins = 24;
  const count = (v) => {
    const h = new Array(bins).fill(0);
    for (const x of v) h[Math.min(bins - 1, Math.floor(((x - lo) / (hi - lo)) * bins))] += 1 / v.length;
    return h;
  };
  const [ha, hb] = [count(a), count(b)];
  const top = Math.max(...ha, ...hb) || 1;
  const w = canvas.width / bins;
  const y = (v) => canvas.height - 16 - (v / top) * (canvas.height - 24);
  ctx.fillStyle = 'rgba(0, 114, 178, 0.45)';
  hb.forEach((v, i) => ctx.fillRect(i * w, y(v), w - 1, canvas.height - 16 - y(v)));
  ctx.strokeStyle = COLOURS.truth;
  ctx.beginPath();
  ha.forEach((v, i) => {
    ctx.moveTo(i * w, y(v));
    ctx.lineTo((i + 1) * w, y(v));
  });
  ctx.stroke();
  ctx.fillStyle = '#555';
  ctx.font = '11px sans-serif';
  ctx.fillText(lo.toPrecision(3), 2, canvas.height - 3);
  ctx.fillText(hi.toPrecision(3), canvas.width - 40, canvas.height - 3);
}
