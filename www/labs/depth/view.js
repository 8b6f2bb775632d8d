// The depth lab page: training runs in a Web Worker (./worker.js);
// this view shows its progress, draws the decision boundary (256², on the GPU
// when WebGPU is present, on the CPU by a pool of workers otherwise: ./grid.js), the hidden states
// flowing through depth, and re-evaluates the trained model under other
// integrators, step counts and bases without retraining. Every control lives
// in the URL hash; `?embed` hides the controls for classroom links.

import { publishReport, setMetricValue } from '../../ui/metrics.js';
import { NO_WEBGPU, RUN_BUTTONS, download, hashSetter, labPage } from '../../ui/lab-page.js';
import { buildControls } from '../../ui/controls.js';
import { lineChart } from '../../ui/charts.js';
import { drawBoundary } from '../../ui/heatmap.js';
import { labGpu, onBackendChange } from '../../backend.js';
import { evalScheduler } from '../../ui/eval-scheduler.js';
import { depthFlow } from './flow-plot.js';
import { gridPool } from './grid.js';
import { PALETTE } from '../../ui/palette.js';

/** The pendulum study's training schemes, in the chart's column order. */
const PENDULUM_SCHEMES = ['euler', 'midpoint', 'rk4'];

const SCHEME_COLOURS = [PALETTE.vermillion, PALETTE.orange, PALETTE.sky, PALETTE.green, PALETTE.blue, PALETTE.purple];
const GPU_RES = 256;
// The CPU path (the lane kernel, shared out to ./grid.js's workers) draws the same grid as the GPU.
const CPU_RES = 256;

/** The image datasets (the convolutional model); their names, per the Rust table. */
const IMAGE_DATA = ['digits', 'shapes'];
const SHAPE_NAMES = ['disk', 'ring', 'square', 'triangle', 'cross', 'bar'];
/** Test images shown with their predicted classes. */
const SAMPLES = 24;

const withH = (v) => `${v} · h=${(1 / Number(v)).toPrecision(3)}`;

const INTRO = `A ResNet block is one Euler step of an ODE. This network's depth is an ODE
      dh/dt = W₂(t) tanh(W₁(t) h + b₁(t)) + b₂(t), integrated by Runge–Kutta, with every weight a function
      of depth t in a basis. Train it, then — without retraining — integrate it with another scheme or step
      count (graph invariance) or project its weights onto a smaller basis (compression). Try first: train the
      default, then drag <em>Evaluation steps</em> from 8 down to 2 and up to 32.`;

const BODY = `
    <div class="depth-grid">
      <div class="panel">
        <h2>Model and training</h2>
${RUN_BUTTONS}
        <div class="thumbs" role="group" aria-label="Dataset"></div>
        <div class="controls training"></div>
      </div>
      <div class="panel classify">
        <div class="points-only">
          <h2>Decision boundary</h2>
          <canvas class="boundary" width="320" height="320" aria-label="Decision boundary with the data points"></canvas>
          <p class="hint resolution"></p>
        </div>
        <div class="images-only" hidden>
          <h2>Test images and predictions</h2>
          <div class="samples" role="list" aria-label="Test images with the evaluated model's predictions"></div>
          <p class="hint">The first test images with the class the evaluated model predicts (red when wrong). The
            model: a 3 × 3 convolution lifts the image to feature maps, a convolutional ODE block
            dh/dt = conv(tanh(conv(h; θ₁(t))); θ₂(t)) carries them through depth, and their averages give the class.</p>
          <p class="hint">Test set on the GPU: <span data-metric="gpu-images">—</span></p>
        </div>
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
        <div class="chart training-chart"></div>
        <div class="buttons">
          <button type="button" data-action="csv">Charts as CSV</button>
          <button type="button" data-action="png" class="points-only">Boundary as PNG</button>
          <button type="button" data-action="json" class="points-only">Weights as JSON</button>
        </div>
      </div>
      <div class="panel classify points-only flow-panel"></div>
      <div class="panel classify">
        <h2>Graph invariance</h2>
        <div class="chart invariance-chart"></div>
        <p class="hint">Test accuracy of the trained model re-integrated with each scheme and step count (filled in when training ends).</p>
      </div>
      <div class="panel classify">
        <h2>Compression</h2>
        <div class="chart compression-chart"></div>
        <p class="hint">θ(t) moved from constant in depth by ‖θ − θ̄‖/‖θ̄‖ = <span data-metric="theta-variation">—</span>:
          near 0, no projection can lose much, and surviving compression means little.</p>
        <div class="chart functions-chart"></div>
        <p class="hint">Weight functions θ(t) (entries W₁ᵢⱼ; on images, the centre taps of the first convolution's filters):
          as trained (solid) and projected onto the evaluation basis (dashed).</p>
      </div>
      <div class="panel classify compare">
        <h2>Euler against RK4, side by side</h2>
        <p class="hint">Trains this link twice more, once with each scheme, and shows how each survives re-integration.</p>
        <div class="buttons"><button type="button" data-action="compare">Train both</button></div>
        <div class="chart compare-euler"></div>
        <div class="chart compare-rk4"></div>
      </div>
      <div class="panel pendulum" hidden>
        <h2>Pendulum: error at T = 2 against step size h</h2>
        <div class="chart pendulum-chart"></div>
        <p class="caption">Each vector field was trained on pendulum samples Δt apart with one step of its scheme, then integrated with step h.
          Look at small h: the RK-trained fields converge to a fixed error as h → 0; the Euler-trained one gets worse —
          it learned Euler's error, not the pendulum (a ResNet is not a meaningful integrator).</p>
        <p class="hint pendulum-status"></p>
      </div>
    </div>`;

export function mount(app, core, report) {
  const page = labPage(app, core, 'depth', { intro: INTRO, body: BODY });
  const { root } = page;
  if (new URLSearchParams(location.search).has('embed')) document.body.classList.add('embed');
  const knobs = core.knobs('depth');
  const setKey = hashSetter(core);
  drawThumbnails(root.querySelector('.thumbs'), core, report.config, (name) => setKey('data', name));
  const boxes = { training: root.querySelector('.controls.training'), evaluation: root.querySelector('.controls.evaluation') };
  const formats = { steps: withH, esteps: withH };
  buildControls(boxes.training, knobs.filter((k) => k.group === ''), report.config, setKey, formats);
  buildControls(boxes.evaluation, knobs.filter((k) => k.group === 'evaluation'), report.config, setKey, formats);
  // The tableaux, in the order of the Rust table (the `scheme` knob's choices).
  const schemes = knobs.find((k) => k.key === 'scheme').choices;
  // The page's state: the link's config, the data points (from 'ready'),
  // the last epoch, the trained model's compression rows, the pendulum study's curves.
  const view = {
    config: report.config,
    schemes,
    charts: makeCharts(root, schemes),
    flow: depthFlow(root.querySelector('.flow-panel')),
    canvas: root.querySelector('canvas.boundary'),
    points: null,
    lastEpoch: 0,
    compression: [],
    pendulum: { h: [], columns: [[], [], []] },
    gpuDrawn: false,
    twins: [],
  };
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const cpuGrid = gridPool();
  // While training, redraw at most four times a second, and leave the worker
  // at least 80 % of its time for training, counting the boundary's grid (on
  // the CPU pool it holds every core while it runs); a person moving a
  // slider is answered at once.
  const evals = evalScheduler(() => {
    const { escheme, esteps, ebasis, eK } = view.config;
    // The packed model goes to the GPU or to the CPU pool (./grid.js).
    const samples = IMAGE_DATA.includes(view.config.data) ? SAMPLES : 0;
    // An image model's test set goes to the GPU when there is one, once trained: while training, its
    // hundreds of dispatches per evaluation would compete with the worker (on a CPU rasteriser, for the cores).
    const gpuImages = samples > 0 && Boolean(labGpu(core.DepthGpu)) && view.lastEpoch >= view.config.epochs;
    worker.postMessage({ type: 'eval', scheme: escheme, steps: esteps, basis: ebasis, K: eK, packed: true, samples, gpuImages });
  }, 250);
  const requestEval = (urgent = false) => {
    if (view.points) evals.request(urgent);
  };
  const lab = page.run({
    worker,
    start: () => start(page, view, worker, core),
    config: report.config,
    knobs,
    controls: [boxes.training, boxes.evaluation],
    onConfig(config) {
      view.config = config;
      for (const b of root.querySelectorAll('.thumb')) b.setAttribute('aria-pressed', String(b.dataset.dataset === config.data));
    },
    reevaluate() {
      showCompression(view);
      requestEval(true);
    },
    async onMessage(m) {
      if (m.type === 'ready') {
        view.points = m.points;
        page.show('params', String(m.status.params));
        requestEval();
      } else if (m.type === 'epochs') {
        showEpochs(page, view, m);
        requestEval();
      } else if (m.type === 'studies') showStudies(page, view, m);
      else if (m.type === 'eval') await evals.land(m, (e) => drawEval(page, core, view, cpuGrid, e), root.querySelector('.resolution'), 'drawing');
      else if (m.type === 'weights') download('depth-weights.json', JSON.stringify(m.weights, null, 1), 'application/json');
      else if (m.type === 'pendulum') showPendulum(page, view, m);
      else if (m.type === 'error') evals.done();
    },
    actions: {
      compare: () => compare(page, core, view),
      csv: () => download('depth-charts.csv', ['training', 'invariance', 'compression', 'pendulum'].map((c) => view.charts[c].csv()).join('\n\n'), 'text/csv'),
      png: () => view.canvas.toBlob((blob) => blob && download('depth-boundary.png', blob, 'image/png')),
      json: () => worker.postMessage({ type: 'weights', link: location.href }),
    },
    destroy() {
      evals.cancel();
      cpuGrid.terminate();
      view.twins.forEach((w) => w.terminate());
      document.body.classList.remove('embed');
    },
  });
  onBackendChange(() => requestEval(true));
  return lab;
}

/** A new run: the classifier's training, or the pendulum study's three fits. */
function start(page, view, worker, core) {
  const { charts, config } = view;
  const pendulum = config.data === 'pendulum';
  charts.training.clear();
  charts.invariance.set([], view.schemes.map(() => []));
  view.compression = [];
  showCompression(view);
  Object.assign(view, { lastEpoch: 0, points: null });
  page.show('epoch', '0');
  page.show('diverged', 'no');
  const images = IMAGE_DATA.includes(config.data);
  for (const el of page.root.querySelectorAll('.classify')) el.hidden = pendulum;
  for (const el of page.root.querySelectorAll('.points-only')) el.hidden = pendulum || images;
  for (const el of page.root.querySelectorAll('.images-only')) el.hidden = !images;
  page.root.querySelector('.pendulum').hidden = !pendulum;
  if (pendulum) {
    view.pendulum = { h: [], columns: [[], [], []] };
    charts.pendulum.set([], view.pendulum.columns);
    page.root.querySelector('.pendulum-status').textContent = 'Training three vector fields (Euler, midpoint, RK4)…';
    const studies = PENDULUM_SCHEMES.map((scheme) => ({ scheme, link: core.withKnob(location.hash, 'scheme', scheme).link }));
    worker.postMessage({ type: 'pendulum', studies });
  } else {
    worker.postMessage({ type: 'start', link: location.hash, play: true });
  }
}

function makeCharts(root, schemes) {
  const accuracyAgainstSteps = (el, title, height) =>
    lineChart(el, {
      title,
      xLabel: 'steps',
      xLog: true,
      height,
      series: schemes.map((s, i) => ({ label: s, stroke: SCHEME_COLOURS[i], scale: 'acc', points: true })),
    });
  return {
    training: lineChart(root.querySelector('.training-chart'), {
      title: 'Training',
      xLabel: 'epoch',
      series: [
        { label: 'loss', stroke: PALETTE.vermillion },
        { label: 'test accuracy', stroke: PALETTE.blue, scale: 'acc' },
      ],
    }),
    invariance: accuracyAgainstSteps(root.querySelector('.invariance-chart'), 'Test accuracy against steps'),
    compression: lineChart(root.querySelector('.compression-chart'), {
      title: 'Projected onto the evaluation basis',
      xLabel: 'K′',
      series: [
        { label: 'parameters', stroke: '#888', points: true },
        { label: 'test accuracy', stroke: PALETTE.blue, scale: 'acc', points: true },
      ],
    }),
    functions: lineChart(root.querySelector('.functions-chart'), {
      title: 'Weight functions',
      xLabel: 't',
      series: [0, 1, 2, 3].flatMap((i) => [
        { label: `W1 #${i + 1}`, stroke: SCHEME_COLOURS[i] },
        { label: `projected #${i + 1}`, stroke: SCHEME_COLOURS[i], dash: [5, 4] },
      ]),
    }),
    compare: ['euler', 'rk4'].map((scheme) => accuracyAgainstSteps(root.querySelector(`.compare-${scheme}`), `Trained with ${scheme}`, 180)),
    pendulum: lineChart(root.querySelector('.pendulum-chart'), {
      title: 'Endpoint error (log–log)',
      xLabel: 'h',
      xLog: true,
      yLog: true,
      series: [
        { label: 'trained with euler', stroke: PALETTE.vermillion, points: true },
        { label: 'trained with midpoint', stroke: PALETTE.orange, points: true },
        { label: 'trained with rk4', stroke: PALETTE.blue, points: true },
      ],
    }),
  };
}

/** Test accuracy against steps for every tableau, from a report's invariance rows. */
function setInvariance(chart, schemes, invariance) {
  const steps = [...new Set(invariance.map((r) => r.steps))];
  chart.set(
    steps,
    schemes.map((s) => steps.map((n) => invariance.find((r) => r.scheme === s && r.steps === n)?.test_accuracy ?? null)),
  );
}

/** The same link trained with Euler and with RK4, each in a worker of its own, evaluated under every tableau. */
function compare(page, core, view) {
  view.twins.forEach((w) => w.terminate());
  view.twins = ['euler', 'rk4'].map((scheme, i) => {
    const twin = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    const el = page.root.querySelector(`.compare-${scheme}`);
    el.dataset.rows = '0';
    twin.onmessage = ({ data: m }) => {
      if (m.type !== 'studies') return;
      setInvariance(view.charts.compare[i], view.schemes, m.invariance);
      el.dataset.rows = String(m.invariance.length);
      twin.terminate();
    };
    twin.postMessage({ type: 'start', link: core.withKnob(location.hash, 'scheme', scheme).link, play: true });
    return twin;
  });
}

function showCompression(view) {
  const rows = view.compression.filter((c) => c.basis === view.config.ebasis);
  view.charts.compression.set(
    rows.map((c) => c.K),
    [rows.map((c) => c.params), rows.map((c) => c.test_accuracy)],
  );
}

function showEpochs(page, view, m) {
  for (const s of m.stats) {
    view.charts.training.push(s.epoch, [s.loss, s.test_accuracy]);
    if (s.refined) view.charts.training.mark(s.epoch, `steps ${s.steps}, K ${s.K}`);
    view.lastEpoch = s.epoch;
    page.show('train-loss', s.loss.toFixed(4));
    page.show('test-accuracy', s.test_accuracy.toFixed(3));
    setMetricValue('test_accuracy', s.test_accuracy);
    setMetricValue('train_loss', s.loss);
    setMetricValue('epochs_run', s.epoch);
  }
  page.show('epoch', String(view.lastEpoch));
  page.show('params', String(m.status.params));
  const d = m.status.divergence;
  if (d) {
    page.show('diverged', `yes (epoch ${d.epoch})`);
    page.say(d.message);
    view.charts.training.mark(d.epoch, 'diverged', PALETTE.vermillion);
  }
}

/** The trained model's report: invariance, compression and θ's variation. */
function showStudies(page, view, m) {
  setInvariance(view.charts.invariance, view.schemes, m.invariance);
  page.root.querySelector('.invariance-chart').dataset.rows = String(m.invariance.length);
  view.compression = m.compression;
  page.root.querySelector('.compression-chart').dataset.rows = String(m.compression.length);
  page.show('theta-variation', m.thetaVariation.toPrecision(3), String(m.thetaVariation));
  publishReport(m.report);
  showCompression(view);
}

function showPendulum(page, { pendulum, charts, config }, m) {
  const status = page.root.querySelector('.pendulum-status');
  const i = PENDULUM_SCHEMES.indexOf(m.scheme);
  if (!m.status.finished) {
    status.textContent = `Training ${i + 1} of 3 (${m.scheme}): ${m.status.label}…`;
    return;
  }
  if (m.report.divergence) page.say(`Pendulum, ${m.scheme}: ${m.report.divergence.message}`);
  pendulum.h = m.points.map((p) => p.h).reverse();
  pendulum.columns[i] = m.points.map((p) => p.error).reverse();
  charts.pendulum.set(pendulum.h, pendulum.columns);
  const done = i + 1;
  status.textContent = done === 3 ? `Done: Δt = ${config.dt}, ${config.epochs} epochs each.` : `Trained ${done} of 3…`;
  status.dataset.done = String(done);
}

// Drawing is split across tasks (one per frame) so no single task holds
// the main thread long enough to make the page stutter.
async function drawEval(page, core, view, cpuGrid, m) {
  const { points, config, canvas } = view;
  const epoch = view.lastEpoch;
  if (m.predictions) {
    drawSamples(page.root.querySelector('.samples'), points, m.predictions, config.data);
    view.charts.functions.set(m.functions.t, m.functions.original.flatMap((o, i) => [o, m.functions.projected[i]]));
    await imagesOnGpu(page, core, view, m);
    page.show('eval-accuracy', m.evaluation.test_accuracy.toFixed(3));
    page.metric('eval-accuracy').dataset.epoch = String(epoch);
    return 0;
  }
  view.flow.show(m.trajectory, points.test_y, config.esteps, m.trajectory.length / (points.test_y.length * (config.esteps + 1)));
  await nextFrame();
  const f = m.functions;
  view.charts.functions.set(
    f.t,
    f.original.flatMap((o, i) => [o, f.projected[i]]),
  );
  await nextFrame();
  const resolution = page.root.querySelector('.resolution');
  const device = labGpu(core.DepthGpu);
  // Until the GPU has drawn once (its pipeline can take seconds to
  // compile, ~9 s on SwiftShader), the CPU pool's grid is drawn first.
  // What the boundary cost (mostly the grid, off the main thread), for the eval scheduler.
  const boundaryStart = performance.now();
  if (!device || !view.gpuDrawn) {
    const grid = await cpuGrid.grid(m.packed, CPU_RES);
    drawBoundary(canvas, grid, CPU_RES, points.classes, points, core.depthGridExtent());
    const by = `${cpuGrid.size} worker${cpuGrid.size > 1 ? 's' : ''}`;
    resolution.textContent = device
      ? `${CPU_RES}×${CPU_RES} grid evaluated on the CPU (${by}) while the GPU pipeline compiles.`
      : `${CPU_RES}×${CPU_RES} grid evaluated on the CPU (no WebGPU; ${by}).`;
  }
  if (device) {
    const logits = await device.grid(m.packed, GPU_RES);
    drawBoundary(canvas, logits, GPU_RES, points.classes, points, core.depthGridExtent());
    resolution.textContent = `${GPU_RES}×${GPU_RES} grid evaluated on the GPU.`;
    view.gpuDrawn = true;
  }
  const boundaryMs = performance.now() - boundaryStart;
  // Shown last: a test (or a person) reading it sees everything drawn.
  page.show('eval-accuracy', m.evaluation.test_accuracy.toFixed(3));
  page.metric('eval-accuracy').dataset.epoch = String(epoch);
  return boundaryMs;
}

// With WebGPU the evaluated image model runs the whole test set again on the
// GPU (the lift and every stage's two convolutions as conv.wgsl dispatches,
// image_kernel.rs); its accuracy is shown beside the worker's (f32 arithmetic
// on the f64 weights, as it trained).
async function imagesOnGpu(page, core, view, m) {
  const device = labGpu(core.DepthGpu);
  if (!device) {
    page.show('gpu-images', NO_WEBGPU);
    return;
  }
  if (!m.packedImages) {
    page.show('gpu-images', 'once trained');
    return;
  }
  try {
    const t = performance.now();
    const { test_x: x, test_y: y, classes } = view.points;
    const logits = await device.images(m.packedImages, x);
    let right = 0;
    for (let r = 0; r < y.length; r++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (logits[r * classes + c] > logits[r * classes + best]) best = c;
      if (best === y[r]) right++;
    }
    const accuracy = right / y.length;
    const cpu = m.evaluation.test_accuracy;
    page.show('gpu-images', `accuracy ${accuracy.toFixed(3)} (the worker's CPU: ${cpu.toFixed(3)}), ${(performance.now() - t).toFixed(0)} ms`, { accuracy, cpu });
  } catch (e) {
    page.show('gpu-images', `the GPU failed (${e?.message ?? e}); the numbers above are the CPU's`);
  }
}

/** The first test images, each with its predicted class (red when wrong). */
function drawSamples(box, points, predictions, data) {
  const side = points.side;
  const name = (c) => (data === 'shapes' ? SHAPE_NAMES[c] ?? String(c) : String(c));
  // `predictions` is a Uint32Array: map it through Array.from, whose map may return elements.
  box.replaceChildren(
    ...Array.from(predictions, (p, i) => {
      const figure = document.createElement('figure');
      figure.setAttribute('role', 'listitem');
      const c = document.createElement('canvas');
      c.width = c.height = side;
      const ctx = c.getContext('2d');
      const img = ctx.createImageData(side, side);
      for (let q = 0; q < side * side; q++) {
        const v = 255 - Math.round(255 * Math.min(1, Math.max(0, points.test_x[i * side * side + q])));
        img.data.set([v, v, v, 255], 4 * q);
      }
      ctx.putImageData(img, 0, 0);
      const caption = document.createElement('figcaption');
      const truth = points.test_y[i];
      caption.textContent = p === truth ? name(p) : `${name(p)} (is ${name(truth)})`;
      if (p !== truth) caption.className = 'wrong';
      figure.append(c, caption);
      return figure;
    }),
  );
  box.dataset.count = String(predictions.length);
  box.dataset.wrong = String(predictions.filter((p, i) => p !== points.test_y[i]).length);
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

/** Small pictures of each dataset; choosing one sets `data=`. */
function drawThumbnails(box, core, config, choose) {
  const COLOURS = [PALETTE.blue, PALETTE.orange, PALETTE.green];
  for (const name of ['spiral', 'moons', 'circles', 'xor', 'blobs', ...IMAGE_DATA, 'pendulum']) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'thumb';
    button.title = name;
    button.setAttribute('aria-label', `Dataset ${name}`);
    button.setAttribute('aria-pressed', String(config.data === name));
    button.dataset.dataset = name;
    const c = document.createElement('canvas');
    c.width = c.height = 44;
    // Each still is drawn in a task of its own, after the page's first layout:
    // together (the digits' preview decodes the set) they held the main thread
    // past 50 ms while the page mounted.
    setTimeout(() => {
      const ctx = c.getContext('2d');
      if (name === 'pendulum') {
        ctx.strokeStyle = '#555';
        ctx.beginPath();
        ctx.moveTo(22, 6);
        ctx.lineTo(36, 30);
        ctx.stroke();
        ctx.beginPath();
        ctx.arc(36, 30, 5, 0, 2 * Math.PI);
        ctx.fillStyle = PALETTE.blue;
        ctx.fill();
      } else if (name === 'shapes') {
        // Drawn, not generated: rasterising the whole set would hold the main thread.
        ctx.fillStyle = '#555';
        ctx.beginPath();
        ctx.arc(13, 13, 8, 0, 2 * Math.PI);
        ctx.fill();
        ctx.fillRect(26, 6, 13, 13);
        ctx.beginPath();
        ctx.moveTo(13, 25);
        ctx.lineTo(22, 40);
        ctx.lineTo(4, 40);
        ctx.fill();
        ctx.fillRect(26, 30, 14, 5);
      } else if (name === 'digits') {
        // Four images of the set, 2 × 2.
        const p = core.datasetPreview(name, 0, 1);
        const img = ctx.createImageData(44, 44);
        for (let q = 0; q < 44 * 44; q++) {
          const [x, y] = [q % 44, Math.floor(q / 44)];
          const k = (y >= 22 ? 2 : 0) + (x >= 22 ? 1 : 0);
          const [u, v] = [Math.floor(((x % 22) * p.side) / 22), Math.floor(((y % 22) * p.side) / 22)];
          const g = 255 - Math.round(255 * Math.min(1, Math.max(0, p.train_x[k * p.side * p.side + v * p.side + u])));
          img.data.set([g, g, g, 255], 4 * q);
        }
        ctx.putImageData(img, 0, 0);
      } else {
        const p = core.datasetPreview(name, 0.03, 1);
        for (let i = 0; i < p.train_y.length; i += 2) {
          ctx.fillStyle = COLOURS[p.train_y[i]];
          ctx.fillRect(22 + p.train_x[2 * i] * 14 - 1, 22 - p.train_x[2 * i + 1] * 14 - 1, 2, 2);
        }
      }
    });
    const label = document.createElement('span');
    label.textContent = name;
    button.append(c, label);
    button.addEventListener('click', () => choose(name));
    box.append(button);
  }
}
