// The fields lab page. Top: a vector field on the torus, the Galerkin
// matrix M of v·∇ and its symmetric part, the spectrum of M, the norm of a
// dye's coefficients under exp(−τM), and the dye carried by exp(−τM) next to
// the same dye carried along the flow on a grid (on the GPU when WebGPU is
// present, advect.wgsl; on the CPU otherwise). Bottom: three recurrences
// trained side by side on the copy task in a Web Worker (./worker.js):
// orthogonal exp(A), all fields exp(A + S), and an unconstrained W.
// Every control is in the hash.

import { publishReport, setMetricValue } from '../../ui/metrics.js';
import { RUN_BUTTONS, download, hashSetter, labPage } from '../../ui/lab-page.js';
import { buildControls } from '../../ui/controls.js';
import { lineChart } from '../../ui/charts.js';
import { gpu, labGpu, onBackendChange } from '../../backend.js';
import { drawPlane } from '../../ui/plane.js';
import { COLOURS, drawDye, drawField, drawMatrix } from './plots.js';

const KINDS = ['orthogonal', 'unconstrained', 'full'];
const fmt = (v) => (Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toPrecision(4));

const INTRO = `A vector field v moves a scalar (a dye) around the torus. In a basis of Fourier functions,
      the directional derivative v·∇ is a matrix M. Integrating by parts gives M + Mᵀ = −D, with D the matrix of the
      divergence: when the field is divergence-free, M is skew-symmetric, its eigenvalues lie on the imaginary axis, and
      exp(tM) is a rotation that keeps every norm — the structure orthogonal RNNs are built on. Try first: read the
      numbers at κ = 0, then raise κ and watch all three break together.`;

const BODY = `
    <div class="depth-grid">
      <div class="panel">
        <h2>Field</h2>
        <div class="controls operator"></div>
        <canvas class="field" width="240" height="240" aria-label="The vector field as arrows over its divergence (red: sources, blue: sinks)"></canvas>
        <p class="hint">Arrows: v. Colour: div v (red positive, blue negative; white when κ = 0).</p>
      </div>
      <div class="panel">
        <h2>Operator numbers</h2>
        <dl class="metrics">
          <dt>Basis functions</dt><dd data-metric="basis-size">—</dd>
          <dt>Quadrature grid</dt><dd data-metric="quadrature-points">—</dd>
          <dt>‖M + Mᵀ‖ / ‖M‖</dt><dd data-metric="skew-residual">—</dd>
          <dt>max |Re λ(M)|</dt><dd data-metric="max-real-eigenvalue">—</dd>
          <dt>‖exp(M)c‖ / ‖c‖</dt><dd data-metric="norm-ratio">—</dd>
          <dt>‖M + Mᵀ + D‖ / ‖M‖</dt><dd data-metric="divergence-identity-error">—</dd>
          <dt>Dye gap at t (basis vs flow)</dt><dd data-metric="dye-gap">—</dd>
        </dl>
        <p class="hint">The quadrature is exact (trapezoidal rule on 2K + 4 points per axis for products of degree 2K + 3),
          so the identity M + Mᵀ = −D holds to round-off at every κ.</p>
        <div class="buttons"><button type="button" data-action="csv">Numbers and curves as CSV</button>
          <button type="button" data-action="png">Field as PNG</button></div>
      </div>
      <div class="panel">
        <h2>M and its symmetric part</h2>
        <div class="side-by-side">
          <canvas class="matrix-m" width="169" height="169" aria-label="Heatmap of M"></canvas>
          <canvas class="matrix-sym" width="169" height="169" aria-label="Heatmap of (M + Mᵀ)/2 on the same colour scale"></canvas>
        </div>
        <p class="hint">Left: M. Right: (M + Mᵀ)/2 = −D/2 on the same colour scale: blank when the field is divergence-free.</p>
      </div>
      <div class="panel">
        <h2>Spectrum of M</h2>
        <canvas class="spectrum" width="240" height="240" aria-label="Eigenvalues of M in the complex plane"></canvas>
        <p class="hint">On the imaginary (vertical) axis exactly when div v = 0.</p>
      </div>
      <div class="panel">
        <h2>Norm under transport</h2>
        <div class="chart norm-chart"></div>
        <p class="hint">‖exp(−τM)c‖ / ‖c‖ for the dye's coefficients c: flat at κ = 0.</p>
      </div>
      <div class="panel">
        <h2>The dye: basis against flow</h2>
        <div class="side-by-side">
          <canvas class="dye-basis" width="192" height="192" aria-label="Dye carried by exp(−τM) in the basis"></canvas>
          <canvas class="dye-grid" width="192" height="192" aria-label="Dye carried along the flow on a grid"></canvas>
        </div>
        <div class="control">
          <label for="fields-frame">Time</label>
          <input id="fields-frame" class="scrub" type="range" min="0" max="0" value="0">
          <output class="frame-out">—</output>
        </div>
        <div class="buttons"><button type="button" data-action="animate" aria-pressed="true">Animate</button></div>
        <p class="hint">Left: exp(−τM)c, the finite basis. Right: the dye traced back along the field's trajectories
          on a 96² grid. The basis keeps the norm but not the fine filaments the flow draws. <span class="grid-where"></span></p>
      </div>
      <div class="panel wide">
        <h2>Orthogonal against unconstrained recurrence: the copy task</h2>
        <p class="hint">Remember a sequence of symbols, wait T steps, repeat it. Three RNNs train on the same batches:
          <span style="color:${COLOURS.orthogonal}">W = exp(A), A skew (orthogonal)</span>,
          <span style="color:${COLOURS.full}">W = exp(A + S), S symmetric learned (all fields)</span>,
          <span style="color:${COLOURS.unconstrained}">W unconstrained</span>.</p>
        <p class="hint measured">Measured with <code>continuum run</code> (1,000 iterations, 32 units, lr 1e-3, seeds 1–3;
          chance 0.125): at T = 25 orthogonal 0.76–0.79, full 0.74–0.76, unconstrained 0.27–0.34; at T = 50 orthogonal
          0.75–0.76, full 0.55–0.71, unconstrained 0.11–0.27; at T = 200 orthogonal 0.52–0.71, full 0.06–0.45,
          unconstrained ≤ 0.11. At T = 100 two of three orthogonal runs collapse after a loss spike (W stays orthogonal;
          the modReLU masks cut the gradient): with lr 3e-4 they reach 0.60–0.66. The full model is comparable to the
          orthogonal one only at short delays here. Details: docs/fields.md.</p>
${RUN_BUTTONS}
        <div class="controls copy"></div>
        <dl class="metrics">
          <dt>Iteration</dt><dd data-metric="iteration">0</dd>
          <dt>Recall accuracy (orthogonal)</dt><dd data-metric="copy-accuracy-orthogonal">—</dd>
          <dt>Recall accuracy (full)</dt><dd data-metric="copy-accuracy-full">—</dd>
          <dt>Recall accuracy (unconstrained)</dt><dd data-metric="copy-accuracy-unconstrained">—</dd>
          <dt>‖∂L/∂h₁‖ / ‖∂L/∂h_r‖ (orth. / full / unc.)</dt><dd data-metric="gradient-norm-ratio">—</dd>
          <dt>Diverged</dt><dd data-metric="diverged">no</dd>
        </dl>
      </div>
      <div class="panel">
        <h2>Training</h2>
        <div class="chart accuracy-chart"></div>
        <div class="chart loss-chart"></div>
      </div>
      <div class="panel">
        <h2>Gradient norm against time</h2>
        <div class="chart grad-chart"></div>
        <p class="hint">‖∂L/∂h_t‖ of the recall loss on the test batch, trained (solid) and at initialisation (dashed).
          Flat for the orthogonal model: nothing vanishes or explodes over the delay.</p>
      </div>
      <div class="panel">
        <h2>Eigenvalues of W</h2>
        <canvas class="rnn-eigen" width="240" height="240" aria-label="Eigenvalues of each learned transition with the unit circle"></canvas>
        <p class="hint">Orthogonal: on the unit circle. Full: moved off by S. Unconstrained: anywhere.</p>
      </div>
    </div>`;

export function mount(app, core, report) {
  const page = labPage(app, core, 'fields', { intro: INTRO, body: BODY });
  const { root } = page;
  const knobs = core.knobs('fields');
  const setKey = hashSetter(core);
  const controls = { operator: root.querySelector('.controls.operator'), copy: root.querySelector('.controls.copy') };
  buildControls(controls.operator, knobs.filter((k) => k.group === 'operator'), report.config, setKey);
  buildControls(controls.copy, knobs.filter((k) => k.group === ''), report.config, setKey);
  // The page's state: the operator study's summary and the movie's frames (of run `generation`).
  const view = {
    config: report.config,
    canvases: Object.fromEntries(['field', 'matrix-m', 'matrix-sym', 'spectrum', 'dye-basis', 'dye-grid', 'rnn-eigen'].map((c) => [c, root.querySelector(`canvas.${c}`)])),
    scrub: root.querySelector('.scrub'),
    charts: makeCharts(root),
    summary: null,
    frames: { galerkin: [], grid: [] },
    movieRes: 0,
    animate: true,
    generation: 0,
  };
  let raf = null;
  const tick = () => {
    raf = null;
    if (!view.animate || !view.summary) return;
    const ready = Math.min(view.frames.galerkin.length, view.frames.grid.length);
    if (ready > 0) {
      view.scrub.value = String((Number(view.scrub.value) + 1) % Math.min(ready, view.summary.frames + 1));
      drawFrame(page, view);
    }
    raf = requestAnimationFrame(() => setTimeout(tick, 60));
  };
  const startAnimation = () => {
    if (raf === null && view.animate) raf = requestAnimationFrame(tick);
  };
  view.scrub.addEventListener('input', () => drawFrame(page, view));

  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const start = () => {
    view.generation += 1;
    view.summary = null;
    view.frames = { galerkin: [], grid: [] };
    view.charts.accuracy.clear();
    view.charts.loss.clear();
    page.show('iteration', '0');
    page.show('diverged', 'no');
    for (const k of KINDS) page.show(`copy-accuracy-${k}`, '—');
    worker.postMessage({ type: 'start', link: location.hash, play: true, gpuGrid: Boolean(gpu()) });
  };
  const lab = page.run({
    worker,
    controls: [controls.operator, controls.copy],
    start,
    onConfig: (config) => (view.config = config),
    onMessage(m) {
      if (m.type === 'ready') {
        showSummary(page, view, m);
        root.querySelector('.grid-where').textContent = m.velocity ? '' : 'Grid dye on the CPU (no WebGPU).';
        if (m.velocity) gridOnGpu(page, core, view, m, view.generation).catch(start);
        startAnimation();
      } else if (m.type === 'frame') {
        view.frames.galerkin[m.k] = m.galerkin;
        if (m.grid) view.frames.grid[m.k] = m.grid;
        if (m.k === 0 || m.k === view.summary?.frames) drawFrame(page, view);
      } else if (m.type === 'iters') showIters(page, view, m);
      else if (m.type === 'eval') showEval(page, view, m.evals);
    },
    actions: {
      csv: () => download('fields.csv', csv(view)),
      png: () => view.canvases.field.toBlob((blob) => download('field.png', blob, 'image/png')),
      animate(button) {
        view.animate = !view.animate;
        button.setAttribute('aria-pressed', String(view.animate));
        startAnimation();
      },
    },
    destroy() {
      view.generation += 1;
      if (raf !== null) cancelAnimationFrame(raf);
    },
  });
  onBackendChange(() => lab.update({ config: view.config }));
  return lab;
}

function makeCharts(root) {
  const series = (suffix = '', dash) => KINDS.map((k) => ({ label: `${k}${suffix}`, stroke: COLOURS[k], dash }));
  return {
    norm: lineChart(root.querySelector('.norm-chart'), {
      title: '‖exp(−τM)c‖ / ‖c‖',
      xLabel: 'τ',
      series: [{ label: 'norm ratio', stroke: COLOURS.orthogonal }],
    }),
    accuracy: lineChart(root.querySelector('.accuracy-chart'), { title: 'Recall accuracy (test batch)', xLabel: 'iteration', series: series() }),
    loss: lineChart(root.querySelector('.loss-chart'), { title: 'Training loss', xLabel: 'iteration', yLog: true, series: [...series(), { label: 'guessing', stroke: '#888', dash: [2, 3] }] }),
    grad: lineChart(root.querySelector('.grad-chart'), { title: '‖∂L/∂h_t‖', xLabel: 't', yLog: true, series: [...series(), ...series(' at init', [5, 4])] }),
  };
}

/** The operator study: its numbers, the field, M and its symmetric part, the spectrum and the norm curve. */
function showSummary(page, view, m) {
  const summary = m.summary;
  view.summary = summary;
  const { canvases } = view;
  const n = summary.basis_size;
  page.show('basis-size', `${n} (K = ${view.config.K})`);
  page.show('quadrature-points', `${summary.quadrature_points}²`);
  for (const [name, key] of [
    ['skew-residual', 'skew_residual'],
    ['max-real-eigenvalue', 'max_real_eigenvalue'],
    ['norm-ratio', 'norm_ratio'],
    ['divergence-identity-error', 'divergence_identity_error'],
  ]) {
    page.show(name, key === 'norm_ratio' ? summary[key].toPrecision(12) : fmt(summary[key]), String(summary[key]));
  }
  publishReport(summary, { final: false });
  const divScale = Math.max(1, ...m.field.div.map(Math.abs));
  drawField(canvases.field, m.field, divScale);
  const sym = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sym[i * n + j] = (m.matrix[i * n + j] + m.matrix[j * n + i]) / 2;
  const scale = m.matrix.reduce((a, v) => Math.max(a, Math.abs(v)), 0) || 1;
  drawMatrix(canvases['matrix-m'], m.matrix, n, scale);
  drawMatrix(canvases['matrix-sym'], sym, n, scale);
  drawPlane(canvases.spectrum, [{ points: summary.spectrum, colour: COLOURS.orthogonal }]);
  const curve = summary.norm_curve;
  view.charts.norm.set(curve.map((_, i) => (i * summary.t) / (curve.length - 1)), [curve]);
  view.movieRes = summary.movie.res;
  view.scrub.max = String(summary.frames);
}

/** The movie's frame at the scrubber: both dyes, and their gap at the last frame. */
function drawFrame(page, { scrub, summary, frames, movieRes, canvases }) {
  const k = Number(scrub.value);
  if (!summary) return;
  page.root.querySelector('.frame-out').textContent = `τ = ${((k * summary.t) / summary.frames).toFixed(2)}`;
  if (frames.galerkin[k]) drawDye(canvases['dye-basis'], frames.galerkin[k], movieRes);
  if (frames.grid[k]) drawDye(canvases['dye-grid'], frames.grid[k], movieRes);
  const last = summary.frames;
  if (k === last && frames.galerkin[last] && frames.grid[last]) {
    const [a, b] = [frames.galerkin[last], frames.grid[last]];
    let num = 0;
    let den = 0;
    for (let i = 0; i < a.length; i++) {
      num += (a[i] - b[i]) ** 2;
      den += b[i] ** 2;
    }
    page.show('dye-gap', Math.sqrt(num / den).toPrecision(3), String(Math.sqrt(num / den)));
  }
}

// The grid dye on the GPU: one dispatch per frame, each tracing back from τ_k.
// Rejects if the GPU fails (the caller starts again, on the CPU).
async function gridOnGpu(page, core, view, m, gen) {
  const device = labGpu(core.FieldsGpu);
  const where = page.root.querySelector('.grid-where');
  if (!device) return;
  where.textContent = 'Grid dye on the GPU (advect.wgsl).';
  const { res, dt, steps_per_frame: spf } = m.summary.movie;
  try {
    for (let k = 0; k <= m.summary.frames && gen === view.generation; k++) {
      view.frames.grid[k] = await device.advect(m.velocity, m.dye, res, dt, k * spf);
    }
    drawFrame(page, view);
  } catch (e) {
    where.textContent = `The GPU failed (${e?.message ?? e}); the grid dye is drawn on the CPU.`;
    throw e;
  }
}

function showIters(page, view, m) {
  const baseline = m.status.orthogonal.baseline;
  const rows = new Map();
  for (const k of KINDS) for (const s of m.stats[k]) (rows.get(s.iter) ?? rows.set(s.iter, {}).get(s.iter))[k] = s.loss;
  for (const [it, r] of rows) view.charts.loss.push(it, [...KINDS.map((k) => r[k] ?? null), baseline]);
  const iter = Math.max(...KINDS.map((k) => m.status[k].iter));
  page.show('iteration', String(iter));
  const d = KINDS.map((k) => m.status[k].divergence).find(Boolean);
  if (d) {
    page.show('diverged', `yes (iteration ${d.epoch})`);
    page.say(d.message);
  }
  // The report `continuum run` prints for this link, once the driver finished.
  if (m.report) publishReport(m.report);
}

function showEval(page, view, evals) {
  const ratios = [];
  for (const k of KINDS) {
    const e = evals[k];
    page.show(`copy-accuracy-${k}`, e.accuracy.toFixed(3), String(e.accuracy));
    setMetricValue(`copy_accuracy.${k}`, e.accuracy);
    ratios.push(e.norm_ratio.toPrecision(3));
  }
  page.show('gradient-norm-ratio', ratios.join(' / '));
  const it = Number(page.metric('iteration').textContent);
  view.charts.accuracy.push(it, KINDS.map((k) => evals[k].accuracy));
  const t = evals.orthogonal.grad_norms.map((_, i) => i + 1);
  view.charts.grad.set(t, [...KINDS.map((k) => evals[k].grad_norms), ...KINDS.map((k) => evals[k].initial_grad_norms)]);
  drawPlane(view.canvases['rnn-eigen'], KINDS.map((k) => ({ points: evals[k].eigenvalues, colour: COLOURS[k], ring: k === 'unconstrained' })), { guide: 'circle' });
  page.metric('iteration').dataset.evaluated = String(it);
}

function csv({ summary, charts }) {
  const rows = [['quantity', 'value']];
  for (const key of ['basis_size', 'quadrature_points', 'skew_residual', 'max_real_eigenvalue', 'norm_ratio', 'divergence_identity_error']) rows.push([key, summary?.[key]]);
  return [rows.map((r) => r.join(',')).join('\n'), charts.norm.csv(), charts.accuracy.csv(), charts.loss.csv(), charts.grad.csv()].join('\n\n');
}
