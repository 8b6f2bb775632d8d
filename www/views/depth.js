// The depth lab page: training runs in a Web Worker (www/depth-worker.js);
// this view shows its progress, draws the decision boundary (256² on the GPU
// when WebGPU is present, 64² on the CPU otherwise) and re-evaluates the
// trained model under other integrators, step counts and bases without
// retraining. Every control lives in the URL hash.

import { buildControls, showValues } from '../controls.js';
import { lineChart } from '../charts.js';
import { drawBoundary } from '../heatmap.js';
import { gpu, onBackendChange } from '../backend.js';

const EVAL_KEYS = ['escheme', 'esteps', 'ebasis', 'eK'];
const GPU_RES = 256;
const CPU_RES = 64;

export const PRESETS = [
  ['Euler-trained ResNet breaks under RK4', '#lab=depth&scheme=euler&steps=4&basis=pwc&K=4&escheme=rk4&esteps=4&ebasis=pwc&eK=4&epochs=200'],
  ['RK4-trained model survives 4 → 32 steps', '#lab=depth&scheme=rk4&steps=8&esteps=32'],
  ['Compress K = 16 → 4', '#lab=depth&basis=pwc&K=16&steps=16&esteps=16&ebasis=pwc&eK=4'],
];

const trainingKey = (config) =>
  JSON.stringify(Object.entries(config).filter(([k]) => !EVAL_KEYS.includes(k)));

export function mountDepth(app, core, report) {
  const knobs = core.knobs('depth');
  const root = document.createElement('section');
  root.className = 'lab depth';
  root.dataset.lab = 'depth';
  root.innerHTML = `
    <h1>Continuous depth</h1>
    <p class="summary">A ResNet block is one Euler step of an ODE. This network's depth is an ODE
      dh/dt = W₂(t) tanh(W₁(t) h + b₁(t)) + b₂(t), integrated by Runge–Kutta, with every weight a function
      of depth t in a basis. Train it, then — without retraining — integrate it with another scheme or step
      count (graph invariance) or project its weights onto a smaller basis (compression). Try first: train the
      default, then drag <em>Evaluation steps</em> from 8 down to 2 and up to 32.</p>
    <p class="presets">Presets: </p>
    <div id="depth-banner" class="banner error" role="alert" hidden></div>
    <div class="depth-grid">
      <div class="panel">
        <h2>Model and training</h2>
        <div class="buttons">
          <button type="button" data-action="play">Play</button>
          <button type="button" data-action="pause">Pause</button>
          <button type="button" data-action="step">Step</button>
          <button type="button" data-action="reset">Reset</button>
          <button type="button" data-action="copy">Copy link</button>
        </div>
        <div class="controls training"></div>
      </div>
      <div class="panel">
        <h2>Decision boundary</h2>
        <canvas class="boundary" width="320" height="320" aria-label="Decision boundary with the data points"></canvas>
        <p class="hint resolution"></p>
        <h2>Evaluate without retraining</h2>
        <div class="controls evaluation"></div>
      </div>
      <div class="panel">
        <h2>Metrics</h2>
        <dl class="metrics">
          <dt>Epoch</dt><dd data-metric="epoch">0</dd>
          <dt>Train loss</dt><dd data-metric="train-loss">—</dd>
          <dt>Test accuracy</dt><dd data-metric="test-accuracy">—</dd>
          <dt>Parameters</dt><dd data-metric="params">—</dd>
          <dt>Eval accuracy</dt><dd data-metric="eval-accuracy">—</dd>
          <dt>Diverged</dt><dd data-metric="diverged">no</dd>
        </dl>
        <div class="chart"></div>
        <button type="button" data-action="csv">Export chart CSV</button>
      </div>
    </div>`;
  app.replaceChildren(root);

  const presets = root.querySelector('.presets');
  for (const [name, href] of PRESETS) {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = name;
    presets.append(a, ' ');
  }

  const metric = (name) => root.querySelector(`[data-metric="${name}"]`);
  const banner = root.querySelector('#depth-banner');
  const canvas = root.querySelector('canvas.boundary');
  const trainingBox = root.querySelector('.controls.training');
  const evalBox = root.querySelector('.controls.evaluation');
  const chart = lineChart(root.querySelector('.chart'), 'Training', 'epoch', [
    { label: 'loss', stroke: '#c0392b' },
    { label: 'test accuracy', stroke: '#2f6fd1', scale: 'acc' },
  ]);

  let config = report.config;
  let points = null;
  let evalId = 0;
  let evalBusy = false;
  let evalAgain = false;
  let lastEpoch = 0;

  const setKey = (key, text) => {
    const hash = location.hash.replace(new RegExp(`([#&])${key}=[^&]*`), `$1${key}=${encodeURIComponent(text)}`);
    location.hash = core.parseLink(hash).link;
  };
  buildControls(trainingBox, knobs.filter((k) => !EVAL_KEYS.includes(k.key)), config, setKey);
  buildControls(evalBox, knobs.filter((k) => EVAL_KEYS.includes(k.key)), config, setKey);

  const worker = new Worker(new URL('../depth-worker.js', import.meta.url), { type: 'module' });
  const start = () => {
    chart.clear();
    lastEpoch = 0;
    banner.hidden = true;
    metric('epoch').textContent = '0';
    metric('diverged').textContent = 'no';
    worker.postMessage({ type: 'start', link: location.hash, play: true });
  };

  const requestEval = () => {
    if (!points) return;
    if (evalBusy) {
      evalAgain = true;
      return;
    }
    evalBusy = true;
    worker.postMessage({
      type: 'eval',
      id: ++evalId,
      scheme: config.escheme,
      steps: config.esteps,
      basis: config.ebasis,
      K: config.eK,
      packed: Boolean(gpu()),
      res: CPU_RES,
    });
  };

  const finishEval = () => {
    evalBusy = false;
    if (evalAgain) {
      evalAgain = false;
      requestEval();
    }
  };

  worker.onmessage = async ({ data: m }) => {
    if (m.type === 'ready') {
      points = m.points;
      metric('params').textContent = String(m.status.params);
      requestEval();
    } else if (m.type === 'epochs') {
      for (const s of m.stats) {
        chart.push(s.epoch, [s.loss, s.test_accuracy]);
        lastEpoch = s.epoch;
        metric('train-loss').textContent = s.loss.toFixed(4);
        metric('test-accuracy').textContent = s.test_accuracy.toFixed(3);
      }
      metric('epoch').textContent = String(lastEpoch);
      metric('params').textContent = String(m.status.params);
      if (m.status.divergence) {
        const d = m.status.divergence;
        metric('diverged').textContent = `yes (epoch ${d.epoch})`;
        banner.textContent = d.message;
        banner.hidden = false;
      }
      requestEval();
    } else if (m.type === 'eval') {
      metric('eval-accuracy').textContent = m.evaluation.test_accuracy.toFixed(3);
      metric('eval-accuracy').dataset.epoch = String(lastEpoch);
      const device = gpu();
      try {
        if (m.packed && device) {
          const logits = await device.depthGrid(m.packed, GPU_RES);
          drawBoundary(canvas, logits, GPU_RES, points.classes, points);
          root.querySelector('.resolution').textContent = `${GPU_RES}×${GPU_RES} grid evaluated on the GPU.`;
        } else if (m.grid) {
          drawBoundary(canvas, m.grid, CPU_RES, points.classes, points);
          root.querySelector('.resolution').textContent = `${CPU_RES}×${CPU_RES} grid evaluated on the CPU (no WebGPU): coarser than the GPU's ${GPU_RES}×${GPU_RES}.`;
        }
      } catch (e) {
        // A lost device mid-draw: the backend falls back; draw on the CPU next time.
        root.querySelector('.resolution').textContent = `GPU drawing failed (${e?.message ?? e}); using the CPU.`;
        evalAgain = true;
      }
      finishEval();
    } else if (m.type === 'error') {
      banner.textContent = `The depth lab stopped: ${m.message}`;
      banner.hidden = false;
      finishEval();
    }
  };

  root.addEventListener('click', (event) => {
    const action = event.target.closest('button')?.dataset.action;
    if (action === 'reset') start();
    else if (action === 'copy') navigator.clipboard?.writeText(location.href).catch(() => {});
    else if (action === 'csv') download('depth-training.csv', chart.csv(), 'text/csv');
    else if (action) worker.postMessage({ type: action });
  });
  onBackendChange(requestEval);
  start();

  return {
    update(next) {
      const retrain = trainingKey(next.config) !== trainingKey(config);
      config = next.config;
      showValues(trainingBox, config);
      showValues(evalBox, config);
      if (retrain) start();
      else requestEval();
    },
    destroy() {
      worker.terminate();
    },
  };
}

function download(name, text, type) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  URL.revokeObjectURL(a.href);
}
