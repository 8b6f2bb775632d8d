// The transfer lab page: a natural and an adversarially trained (L2 PGD)
// source train side by side in a Web Worker (./worker.js) on synthetic
// shapes whose classes carry a texture shortcut, for each seed; then each
// source's last hidden layer is transferred to four new shapes with n
// images per class. Charts: training loss, target accuracy against n (mean
// ± sd over seeds). Why: accuracy on shape-only and texture-only images, and
// saliency maps. The target test set's features can be evaluated on the GPU
// (the dense kernel). Every control is in the hash.

import { publishReport } from '../../ui/metrics.js';
import { download, hashSetter, labPage, settingsPanel } from '../../ui/lab-page.js';
import { buildControls } from '../../ui/controls.js';
import { lineChart } from '../../ui/charts.js';
import { drawPixels } from '../../ui/pixels.js';
import { PALETTE } from '../../ui/palette.js';

const COLOURS = { natural: PALETTE.vermillion, robust: PALETTE.blue };

const INTRO = `Two networks learn to tell eight shapes apart; every class also carries its own faint stripe
      texture, a shortcut. One trains on the images as they are (natural), the other on images an adversary has pushed
      by up to ε in L2 (robust). Then each network's last hidden layer is reused for four new shapes, learning only a
      new output layer from n examples per class. Try first: compare the two curves at n = 10, then at n = 500.`;

const BODY = `
    <div class="depth-grid">
${settingsPanel()}
      <div class="panel">
        <h2>Numbers</h2>
        <progress class="sweep" max="1" value="0"></progress> <span data-metric="progress">—</span>
        <dl class="metrics">
          <dt>Source accuracy (natural / robust)</dt><dd data-metric="source-accuracy">—</dd>
          <dt>Shape only (natural / robust)</dt><dd data-metric="shape-only">—</dd>
          <dt>Texture only (natural / robust; chance 0.125)</dt><dd data-metric="texture-only">—</dd>
          <dt>Target accuracy at n (natural)</dt><dd data-metric="target-natural">—</dd>
          <dt>Target accuracy at n (robust)</dt><dd data-metric="target-robust">—</dd>
          <dt>Gap at n = 10 / n = 100 (robust − natural)</dt><dd data-metric="gaps">—</dd>
          <dt>Diverged or failed</dt><dd data-metric="diverged">no</dd>
        </dl>
        <div class="buttons"><button type="button" data-action="csv">Results as CSV</button>
          <button type="button" data-action="png">Saliency as PNG</button></div>
      </div>
      <div class="panel">
        <h2>Target accuracy against n</h2>
        <div class="chart transfer-chart"></div>
        <p class="hint">Mean over the seeds finished so far (solid), ± 1 sd (dotted). Chance is 0.25.</p>
      </div>
      <div class="panel">
        <h2>Training the sources</h2>
        <div class="chart loss-chart"></div>
      </div>
      <div class="panel">
        <h2>Why: what each source looks at</h2>
        <canvas class="saliency" width="384" height="144" aria-label="Source test images (top), natural saliency (middle), robust saliency (bottom)"></canvas>
        <p class="hint">Top: source test images. Middle: the natural source's input gradient; bottom: the robust
          source's (|∂loss/∂x|, each map scaled to its maximum). The paper finds robust gradients follow the shapes. Measured
          here as the share of |∂loss/∂x| on the shape's pixels (64 source test images; a map spread evenly scores the
          shapes' area): <code>saliency_on_shape</code> in the live metrics, and over seeds, with the ε = 0 control, in "Over seeds" below.
          <span data-metric="saliency-where"></span></p>
      </div>
      <div class="panel">
        <h2>Target test set on the GPU</h2>
        <p class="hint">The first seed's sources compute the features of the 1,000 target test images with the dense
          kernel (one dispatch per tanh layer, f32); the trained output layer is applied here. The accuracy should match
          the worker's f64 one.</p>
        <div class="buttons"><button type="button" data-action="gpu">Evaluate on the GPU</button></div>
        <dl class="metrics">
          <dt>Accuracy at n, GPU (natural / robust)</dt><dd data-metric="gpu-accuracy">—</dd>
          <dt>Accuracy at n, CPU f64 (natural / robust)</dt><dd data-metric="cpu-accuracy">—</dd>
          <dt>GPU time</dt><dd data-metric="gpu-ms">—</dd>
        </dl>
      </div>
    </div>`;

const SHOWN = ['source-accuracy', 'shape-only', 'texture-only', 'target-natural', 'target-robust', 'gaps', 'gpu-accuracy', 'cpu-accuracy', 'gpu-ms'];
const pair = (a, b, d = 3) => `${a.toFixed(d)} / ${b.toFixed(d)}`;

export function mount(app, core, report) {
  const page = labPage(app, core, 'transfer', { intro: INTRO, body: BODY });
  const { root } = page;
  const controls = root.querySelector('.controls');
  buildControls(controls, core.knobs('transfer'), report.config, hashSetter(core));
  const charts = makeCharts(root);
  const state = { rows: [], lossSeed: null, config: report.config };
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  return page.run({
    worker,
    controls: [controls],
    start() {
      state.rows = [];
      state.lossSeed = null;
      charts.transfer.set([], [[], [], [], [], [], []]);
      charts.loss.clear();
      page.clear(SHOWN);
      page.show('diverged', 'no');
      worker.postMessage({ type: 'start', link: location.hash, play: true });
    },
    onConfig: (config) => (state.config = config),
    async onMessage(m) {
      if (m.type === 'ready' || m.type === 'steps') showSteps(page, core, charts, state, m);
      else if (m.type === 'gpu-inputs') await evaluateOnGpu(page, core, m.inputs);
    },
    actions: {
      gpu: () => worker.postMessage({ type: 'gpu-inputs' }),
      csv: () =>
        download('transfer.csv', ['n,natural,natural_sd,robust,robust_sd', ...state.rows.map((r) => [r.n, r.natural, r.natural_sd, r.robust, r.robust_sd].join(','))].join('\n')),
      png: () => root.querySelector('canvas.saliency').toBlob((blob) => download('saliency.png', blob, 'image/png')),
    },
  });
}

function makeCharts(root) {
  return {
    transfer: lineChart(root.querySelector('.transfer-chart'), {
      title: 'Target accuracy',
      xLabel: 'target images per class n',
      xLog: true,
      series: [
        { label: 'natural', stroke: COLOURS.natural, points: true, scale: 'acc' },
        { label: 'robust', stroke: COLOURS.robust, points: true, scale: 'acc' },
        { label: 'natural + sd', stroke: COLOURS.natural, dash: [2, 3], scale: 'acc' },
        { label: 'natural − sd', stroke: COLOURS.natural, dash: [2, 3], scale: 'acc' },
        { label: 'robust + sd', stroke: COLOURS.robust, dash: [2, 3], scale: 'acc' },
        { label: 'robust − sd', stroke: COLOURS.robust, dash: [2, 3], scale: 'acc' },
      ],
    }),
    loss: lineChart(root.querySelector('.loss-chart'), {
      title: 'Source training loss (current seed)',
      xLabel: 'epoch',
      yLog: true,
      series: [
        { label: 'natural', stroke: COLOURS.natural },
        { label: 'robust (on attacked images)', stroke: COLOURS.robust },
      ],
    }),
  };
}

/** A reply of the worker's driver: progress, loss points, the figure, the sources, the report. */
function showSteps(page, core, charts, state, m) {
  page.progress(m.status);
  for (const s of m.steps ?? []) {
    if (s.kind !== 'epoch') continue;
    if (state.lossSeed !== s.seed) {
      charts.loss.clear();
      state.lossSeed = s.seed;
    }
    const e = s.natural ?? s.robust;
    if (e) charts.loss.push(e.epoch, [s.natural?.loss ?? null, s.robust?.loss ?? null]);
  }
  if (m.rows?.length) {
    state.rows = m.rows;
    showRows(page, charts, state);
  }
  if (m.sources) {
    showSources(page, core, m.sources);
    publishReport(m.sources, { final: false });
  }
  if (m.report) publishReport(m.report);
  if (m.status.divergence) {
    page.show('diverged', m.status.divergence);
    page.say(m.status.divergence);
  }
}

function showRows(page, charts, { rows, config }) {
  const ns = rows.map((r) => r.n);
  charts.transfer.set(ns, [
    rows.map((r) => r.natural),
    rows.map((r) => r.robust),
    rows.map((r) => r.natural + r.natural_sd),
    rows.map((r) => r.natural - r.natural_sd),
    rows.map((r) => r.robust + r.robust_sd),
    rows.map((r) => r.robust - r.robust_sd),
  ]);
  const at = (n) => rows.find((r) => r.n === n);
  const here = at(config.n);
  page.show('target-natural', `${here.natural.toFixed(3)} ± ${here.natural_sd.toFixed(3)}`, here.natural);
  page.show('target-robust', `${here.robust.toFixed(3)} ± ${here.robust_sd.toFixed(3)}`, here.robust);
  const gap = (n) => at(n).robust - at(n).natural;
  page.show('gaps', `${gap(10).toFixed(3)} / ${gap(100).toFixed(3)}`, [gap(10), gap(100)]);
}

function showSources(page, core, s) {
  page.show('source-accuracy', pair(s.source_accuracy.natural, s.source_accuracy.robust), s.source_accuracy);
  page.show('shape-only', pair(s.shape_vs_texture.natural.shape, s.shape_vs_texture.robust.shape));
  page.show('texture-only', pair(s.shape_vs_texture.natural.texture, s.shape_vs_texture.robust.texture), s.shape_vs_texture);
  drawSaliency(page.root.querySelector('canvas.saliency'), s);
  saliencyOnGpu(page, core, s);
}

// With WebGPU the maps are computed again on the GPU (an MLP: dense.wgsl
// forward, saliency.wgsl down the layers; a CNN: conv.wgsl's forward and
// input gradient, stage by stage) and drawn from there; the difference from
// the worker's f64 maps is shown.
async function saliencyOnGpu(page, core, s) {
  const device = page.gpu(core.TransferGpu);
  if (!device) {
    page.show('saliency-where', 'Maps computed on the CPU (no WebGPU).');
    return;
  }
  try {
    const maps = {};
    let worst = 0;
    let scale = 0;
    for (const name of ['natural', 'robust']) {
      const [frozen, head] = s.models[name];
      maps[name] = await device.saliency(frozen, head, s.images, Uint32Array.from(s.labels));
      maps[name].forEach((v, i) => {
        worst = Math.max(worst, Math.abs(v - s.saliency[name][i]));
        scale = Math.max(scale, Math.abs(s.saliency[name][i]));
      });
    }
    drawSaliency(page.root.querySelector('canvas.saliency'), { ...s, saliency: maps });
    page.show('saliency-where', `Maps computed on the GPU; largest difference from the CPU's f64 maps ${(worst / (scale || 1)).toExponential(1)} of the largest value.`, worst / (scale || 1));
  } catch (e) {
    page.show('saliency-where', `The GPU failed (${e?.message ?? e}); maps from the CPU.`);
  }
}

async function evaluateOnGpu(page, core, inputs) {
  if (!inputs) {
    page.show('gpu-accuracy', 'train the first seed first');
    return;
  }
  page.show('cpu-accuracy', pair(inputs.accuracy.natural, inputs.accuracy.robust), inputs.accuracy);
  const device = page.gpu(core.TransferGpu, 'gpu-accuracy');
  if (!device) return;
  try {
    const t = performance.now();
    const acc = {};
    for (const name of ['natural', 'robust']) {
      const features = await device.features(inputs[name], inputs.x);
      acc[name] = headAccuracy(features, inputs.heads[name], inputs.y);
    }
    page.show('gpu-ms', `${(performance.now() - t).toFixed(0)} ms (both sources, with upload and readback)`);
    page.show('gpu-accuracy', pair(acc.natural, acc.robust), acc);
  } catch (e) {
    page.show('gpu-accuracy', `the GPU failed: ${e?.message ?? e}`);
  }
}

/** The transferred layers (tanh, then the linear head last) on `features`; the fraction right. */
function headAccuracy(features, layers, y) {
  let h = features;
  let width = layers[0].n_in;
  const rows = y.length;
  layers.forEach((l, i) => {
    const out = new Float64Array(rows * l.n_out);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < l.n_out; o++) {
        let acc = l.b[o];
        for (let k = 0; k < width; k++) acc += l.w[o * width + k] * h[r * width + k];
        out[r * l.n_out + o] = i + 1 < layers.length ? Math.tanh(acc) : acc;
      }
    }
    h = out;
    width = l.n_out;
  });
  let right = 0;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < width; c++) if (h[r * width + c] > h[r * width + best]) best = c;
    if (best === y[r]) right++;
  }
  return right / rows;
}

/** Images (top row), natural saliency, robust saliency: `count` columns of side × side. */
function drawSaliency(canvas, s) {
  const ctx = canvas.getContext('2d');
  const { side, count } = s;
  const cell = canvas.width / count;
  const rowsOf = [s.images, s.saliency.natural, s.saliency.robust];
  rowsOf.forEach((data, row) => {
    for (let k = 0; k < count; k++) {
      const img = data.slice(k * side * side, (k + 1) * side * side);
      const values = row === 0 ? img : img.map(Math.abs);
      const max = Math.max(...values.map(Math.abs)) || 1;
      const lo = row === 0 ? Math.min(...values) : 0;
      const levels = Array.from(values, (v) => (row === 0 ? 255 * (1 - (v - lo) / (max - lo || 1)) : 255 * (1 - v / max)));
      drawPixels(ctx, levels, side, k * cell + 2, row * cell + 2, cell - 4, cell - 4);
    }
  });
}
