// The Koopman lab page: a consistent Koopman autoencoder and the plain one
// (ν = η = 0) train side by side, each in its own Web Worker (./pair.js,
// ./worker.js), on the same pendulum data and seed. The page animates their long-horizon
// predictions against the truth, charts the relative error against horizon,
// the loss terms, and the eigenvalues of C against the unit circle.
// Rollouts of many initial conditions (256) run on the GPU when WebGPU is
// present (koopman/kernel.wgsl), 32 on the CPU otherwise; so does the
// cylinder wake's simulation (./wake-gpu.js), which each worker otherwise
// records itself. Every control is in the hash.

import { setMetricValue, verdictShown } from '../../ui/metrics.js';
import { RUN_BUTTONS, download, hashSetter, labPage } from '../../ui/lab-page.js';
import { buildControls } from '../../ui/controls.js';
import { lineChart } from '../../ui/charts.js';
import { gpu, labGpu, onBackendChange } from '../../backend.js';
import { evalScheduler } from '../../ui/eval-scheduler.js';
import { COLOURS, drawEigenvalues, drawPendulum, drawPhase, drawSeeds, median, phaseBounds } from './plots.js';
import { PALETTE } from '../../ui/palette.js';
import { modelPair } from './pair.js';
import { drawField } from '../../ui/field.js';
import { describeProgress, recordWake } from './wake-gpu.js';

const GPU_N = 256;
const CPU_N = 32;
/** The seeds of the spread: the comparison the paper's claim is about is over seeds, not one. */
const SEEDS = [1, 2, 3, 4, 5];
/** Workers the spread over seeds is shared out to (at most SEEDS.length). */
const SEED_WORKERS = 2;

/** What the page says of the wake's snapshots, by where they were simulated. */
const WAKE_SOURCE = {
  GPU: 'Snapshots simulated on the GPU in single precision. continuum run and the CPU path simulate in double precision: the same shedding (its frequency within about 0.1 %), not the same bits.',
  CPU: 'Snapshots simulated on the CPU in double precision, as continuum run does: the same link gives the same numbers.',
  failed: (why) => `The GPU failed while simulating the wake (${why}), so the CPU simulated it instead, in double precision, as continuum run does: the same link gives the same numbers.`,
};

const INTRO = `An encoder maps each 64-dimensional measurement of a pendulum to a small latent space where one
      time step is a matrix C; a decoder maps back. The consistent model also learns a backward operator D and is
      trained so that D undoes C. Both models below train on the same noisy data: watch their predictions hundreds of
      steps ahead, and where the eigenvalues of C sit against the unit circle. Try first: let training finish, then
      compare the error curves at horizon 1000; then run seeds 1–5 to see whether it holds beyond one seed; then raise the noise.
      With data = wake the measurements are vorticity snapshots of the flow behind a cylinder, simulated here by the
      flow lab's lattice Boltzmann solver (on the GPU when WebGPU is present): the paper's fluid case.`;

const BODY = `
    <div class="depth-grid">
      <div class="panel">
        <h2>Model and training</h2>
${RUN_BUTTONS}
        <div class="controls training"></div>
      </div>
      <div class="panel">
        <h2>Predictions against the truth</h2>
        <div class="side-by-side wake-view" hidden>
          <figure><canvas class="wake-truth" width="192" height="96" aria-label="Vorticity behind the cylinder: the truth"></canvas><figcaption>truth</figcaption></figure>
          <figure><canvas class="wake-consistent" width="192" height="96" aria-label="Vorticity predicted by the consistent model"></canvas><figcaption>consistent</figcaption></figure>
          <figure><canvas class="wake-plain" width="192" height="96" aria-label="Vorticity predicted by the plain model"></canvas><figcaption>plain</figcaption></figure>
        </div>
        <div class="side-by-side pendulum-only">
          <canvas class="pendulum-view" width="180" height="180" aria-label="Pendulum: truth (black), consistent (blue), plain (vermillion, dashed)"></canvas>
          <canvas class="phase" width="240" height="180" aria-label="Phase portrait: true orbit, predictions of many initial conditions"></canvas>
        </div>
        <div class="control">
          <label for="koopman-k">Prediction step</label>
          <input id="koopman-k" class="scrub" type="range" min="0" max="0" value="0">
          <output class="k-out">—</output>
        </div>
        <div class="buttons"><button type="button" data-action="animate" aria-pressed="true">Animate</button></div>
        <p class="hint resolution"></p>
        <p class="hint pendulum-only">Black: truth. <span style="color:${COLOURS.consistent}">Blue: consistent.</span>
          <span style="color:${COLOURS.plain}">Vermillion: plain.</span> Grey dots: the noisy training states.</p>
        <p class="hint wake-only" hidden>Vorticity from 1 to 9 cylinder diameters behind it (red counter-clockwise,
          blue clockwise, one colour scale for all three), predicted from the first test snapshot.</p>
        <p class="hint wake-only wake-source" hidden></p>
      </div>
      <div class="panel">
        <h2>Metrics</h2>
        <dl class="metrics">
          <dt>Epoch</dt><dd data-metric="epoch">0</dd>
          <dt>Train loss</dt><dd data-metric="train-loss">—</dd>
          <dt>Rel. error at horizon (consistent)</dt><dd data-metric="rel-error">—</dd>
          <dt>Rel. error at horizon (plain)</dt><dd data-metric="rel-error-plain">—</dd>
          <dt>‖DC − I‖</dt><dd data-metric="consistency">—</dd>
          <dt class="wake-only" hidden>Shedding frequency (probe FFT)</dt><dd class="wake-only" hidden data-metric="shedding">—</dd>
          <dt>Parameters</dt><dd data-metric="params">—</dd>
          <dt>Diverged</dt><dd data-metric="diverged">no</dd>
        </dl>
        <div class="chart loss-chart"></div>
        <div class="buttons"><button type="button" data-action="csv">Charts as CSV</button></div>
      </div>
      <div class="panel">
        <h2>Relative error against horizon</h2>
        <div class="chart error-chart"></div>
        <p class="hint">‖x̂ₖ − xₖ‖ / ‖xₖ‖ against the clean truth, mean over 30 starts in the test part.</p>
      </div>
      <div class="panel seeds-panel">
        <h2>Over seeds ${SEEDS[0]}–${SEEDS.at(-1)}</h2>
        <p class="hint">One seed can mislead: each model's long-horizon error varies several-fold from seed to seed (at the
          defaults, 0.03–0.17 consistent and 0.09–0.56 plain at 1000 steps; docs/koopman.md). This trains both models of this link for each seed (in two workers of its own, seeds shared out) and compares their
          errors at the horizon. Each seed's numbers are those of <code>continuum run</code> on the link with that seed.</p>
        <div class="buttons">
          <button type="button" data-action="seeds">Run seeds ${SEEDS[0]}–${SEEDS.at(-1)}</button>
          <button type="button" data-action="stop-seeds" disabled>Stop</button>
        </div>
        <progress class="seeds-progress" max="1" value="0"></progress> <span data-metric="seeds-progress">—</span>
        <canvas class="seeds" width="280" height="150" aria-label="Error at the horizon per seed: filled blue consistent, vermillion rings plain, dashed medians"></canvas>
        <table class="seeds-table">
          <thead><tr><th>seed</th><th>consistent</th><th>plain</th></tr></thead>
          <tbody></tbody>
        </table>
        <dl class="metrics">
          <dt>Median (consistent)</dt><dd data-metric="seeds-median">—</dd>
          <dt>Median (plain)</dt><dd data-metric="seeds-median-plain">—</dd>
          <dt>Consistent lower</dt><dd data-metric="seeds-wins">—</dd>
        </dl>
      </div>
      <div class="panel">
        <h2>Eigenvalues of C</h2>
        <canvas class="eigen" width="240" height="240" aria-label="Eigenvalues of C with the unit circle"></canvas>
        <p class="hint pendulum-only">Filled blue: consistent; vermillion rings: plain; green ×: the exact e^{±inωΔt} of this pendulum, n = 1, 2, 3 (its frequency and harmonics).</p>
        <p class="hint wake-only" hidden>Filled blue: consistent; vermillion rings: plain; green ×: e^{±2πikf}, k = 1, 2, 3, at the
          shedding frequency f measured from the probe's spectrum (cycles per snapshot) and its harmonics.</p>
      </div>
    </div>`;

export function mount(app, core, report) {
  const page = labPage(app, core, 'koopman', { intro: INTRO, body: BODY });
  const { root } = page;
  if (new URLSearchParams(location.search).has('embed')) document.body.classList.add('embed');
  const knobs = core.knobs('koopman');
  const controls = root.querySelector('.controls.training');
  buildControls(controls, knobs, report.config, hashSetter(core));
  // The page's state: the link's config, the truth (from the worker's
  // 'ready'), the last evaluation's rollouts (`shown`) and eigenvalues.
  const view = {
    config: report.config,
    charts: makeCharts(root),
    canvases: { pendulum: root.querySelector('.pendulum-view'), phase: root.querySelector('.phase'), eigen: root.querySelector('.eigen') },
    scrub: root.querySelector('.scrub'),
    truth: null,
    bounds: null,
    testStates: null, // (θ, θ̇) of the clean test part, for the phase portrait
    shown: null, // {rollouts: {consistent, plain}, n, steps, starts}
    eigen: { consistent: [], plain: [] },
    lastEpoch: 0,
    plainStats: new Map(),
    animate: true,
    run: 0, // counts starts: a GPU recording of an older start is dropped
    wakeSource: 'CPU', // where the shown wake's snapshots were simulated: 'CPU', 'GPU', or why the GPU failed
  };
  const worker = modelPair();
  // Evaluations (two 1000-step error curves and the rollouts) cost the worker
  // time it would train with: at most every 500 ms, and never more than a
  // fifth of its time; a person moving a slider is answered at once.
  const evals = evalScheduler(() => {
    const packed = Boolean(gpu()) && !view.truth?.wake;
    worker.postMessage({ type: 'eval', horizon: view.config.horizon, n: packed ? GPU_N : CPU_N, packed });
  }, 500);
  const requestEval = (urgent = false) => {
    if (view.truth) evals.request(urgent);
  };
  // The animation: one small drawing per frame, advancing the prediction
  // step, only while its panel is on screen (off screen, its frames would
  // only take time from the training and seeds workers).
  let frame = null;
  let onScreen = true;
  const tick = () => {
    frame = null;
    if (!view.animate || !view.shown || !onScreen) return;
    const stride = Math.max(1, Math.round(view.shown.steps / 400));
    view.scrub.value = String((Number(view.scrub.value) + stride) % view.shown.steps);
    drawFrame(root, view);
    frame = requestAnimationFrame(tick);
  };
  const startAnimation = () => {
    if (frame === null && view.animate) frame = requestAnimationFrame(tick);
  };
  new IntersectionObserver((entries) => {
    onScreen = entries.at(-1).isIntersecting;
    startAnimation();
  }).observe(view.scrub.closest('.panel'));
  view.scrub.addEventListener('input', () => drawFrame(root, view));
  const seeds = seedsPanel(page, core, view);
  const lab = page.run({
    worker,
    start() {
      view.charts.loss.clear();
      view.charts.error.set([], [[], []]);
      Object.assign(view, { plainStats: new Map(), shown: null, truth: null, lastEpoch: 0, wakeSource: 'CPU' });
      page.show('epoch', '0');
      page.show('diverged', 'no');
      for (const name of ['train-loss', 'rel-error', 'rel-error-plain', 'consistency']) page.show(name, '—');
      const run = ++view.run;
      const link = location.hash;
      const start = (wake) => worker.postMessage({ type: 'start', link, play: true, wake });
      const device = view.config.data === 'wake' ? labGpu(core.WakeGpu) : null;
      if (!device) return start();
      // The wake's snapshots from the GPU, then the workers train on them.
      for (const el of root.querySelectorAll('.wake-only')) el.hidden = false;
      const cancelled = () => run !== view.run;
      recordWake(device, link, { progress: (p) => page.show('shedding', describeProgress(p)), cancelled })
        .then((r) => {
          if (!r) return;
          if (r.refused) return page.say(`The Koopman lab stopped: ${r.refused}`);
          view.wakeSource = 'GPU';
          start(r.wake);
        })
        .catch((e) => {
          if (cancelled()) return;
          view.wakeSource = String(e?.message ?? e);
          start();
        });
    },
    config: report.config,
    knobs,
    controls: [controls],
    onConfig(config, retrain) {
      view.config = config;
      // The spread over seeds belongs to the link it was started from.
      if (retrain) seeds.stop('—');
    },
    reevaluate: () => requestEval(true),
    async onMessage(m) {
      if (m.type === 'ready') {
        view.truth = m.truth;
        const wake = Boolean(m.truth.wake);
        for (const el of root.querySelectorAll('.wake-only, .wake-view')) el.hidden = !wake;
        for (const el of root.querySelectorAll('.pendulum-only')) el.hidden = wake;
        if (wake) {
          const w = m.truth.wake;
          view.fieldScale = w.scale;
          page.show('shedding', `${w.info.shedding_frequency.toFixed(4)} cycles per snapshot (St ${(w.info.shedding_frequency / w.info.every).toFixed(3)}, Re ${w.info.re.toFixed(0)})`, String(w.info.shedding_frequency));
          root.querySelector('.wake-source').textContent = WAKE_SOURCE[view.wakeSource] ?? WAKE_SOURCE.failed(view.wakeSource);
        } else {
          view.bounds = phaseBounds(m.truth.clean);
          view.testStates = m.truth.clean.slice(m.truth.train * 2);
        }
        page.show('params', String(m.status.consistent.params));
        drawEigenvalues(view.canvases.eigen, { consistent: [], plain: [], exact: m.truth.exact });
      } else if (m.type === 'epochs') {
        showEpochs(page, view, m);
        // Training's end is evaluated at once: that evaluation is the report.
        requestEval(view.lastEpoch === view.config.epochs);
      } else if (m.type === 'eval') {
        const show = async (e) => {
          if (!(await showEvaluation(page, core, view, e))) return evals.retry(); // the GPU went away between request and reply
          startAnimation();
        };
        await evals.land(m, show, root.querySelector('.resolution'), 'rollouts');
      } else if (m.type === 'error') evals.done();
    },
    actions: {
      seeds: seeds.run,
      'stop-seeds': () => seeds.stop('stopped'),
      csv: () => download('koopman-charts.csv', [view.charts.loss.csv(), view.charts.error.csv()].join('\n\n')),
      animate(button) {
        view.animate = !view.animate;
        button.setAttribute('aria-pressed', String(view.animate));
        startAnimation();
      },
    },
    destroy() {
      view.run++;
      if (frame !== null) cancelAnimationFrame(frame);
      evals.cancel();
      seeds.stop();
      document.body.classList.remove('embed');
    },
  });
  onBackendChange(() => requestEval(true));
  return lab;
}

function makeCharts(root) {
  return {
    loss: lineChart(root.querySelector('.loss-chart'), {
      title: 'Loss terms (consistent) and total (plain)',
      xLabel: 'epoch',
      yLog: true,
      series: [
        { label: 'total', stroke: COLOURS.consistent },
        { label: 'forward', stroke: PALETTE.sky },
        { label: 'identity', stroke: PALETTE.purple },
        { label: 'backward', stroke: PALETTE.green },
        { label: 'consistency', stroke: PALETTE.sky },
        { label: 'plain total', stroke: COLOURS.plain, dash: [5, 4] },
      ],
    }),
    error: lineChart(root.querySelector('.error-chart'), {
      title: 'Relative prediction error',
      xLabel: 'steps ahead',
      yLog: true,
      series: [
        { label: 'consistent', stroke: COLOURS.consistent },
        { label: 'plain', stroke: COLOURS.plain },
      ],
    }),
  };
}

/** Snapshot `i` of `flat` (rows of width · height), less the zero level. */
function snapshot(flat, i, wake) {
  const m = wake.info.width * wake.info.height;
  return Float32Array.from(flat.subarray ? flat.subarray(i * m, (i + 1) * m) : flat.slice(i * m, (i + 1) * m), (v) => v - wake.zero);
}

/** The wake's truth and both predictions at step k. */
function drawWake(root, truth, shown, k, scale) {
  const w = truth.wake;
  const { width, height } = w.info;
  drawField(root.querySelector('.wake-truth'), snapshot(w.clean, w.start + k + 1, w), width, height, null, scale);
  drawField(root.querySelector('.wake-consistent'), snapshot(shown.fields.consistent, k, w), width, height, null, scale);
  drawField(root.querySelector('.wake-plain'), snapshot(shown.fields.plain, k, w), width, height, null, scale);
}

/** The pendulum and the phase portrait (or the wake's fields) at the scrubber's step. */
function drawFrame(root, { truth, shown, scrub, canvases, testStates, bounds, fieldScale: scale }) {
  if (!truth || !shown) return;
  const k = Math.min(Number(scrub.value), shown.steps - 1);
  root.querySelector('.k-out').textContent = `${k + 1} · t=${((k + 1) * truth.dt).toFixed(1)}`;
  if (truth.wake) return drawWake(root, truth, shown, k, scale);
  const s0 = shown.starts[0];
  const { consistent, plain } = shown.rollouts;
  drawPendulum(canvases.pendulum, [
    { theta: truth.clean[(s0 + k + 1) * 2], colour: COLOURS.truth },
    { theta: consistent?.[k * 2], colour: COLOURS.consistent },
    { theta: plain?.[k * 2], colour: COLOURS.plain, dash: true },
  ]);
  drawPhase(canvases.phase, { clean: testStates, noisy: truth.noisy, bounds, rollouts: shown.rollouts, n: shown.n, steps: shown.steps, k });
}

function showEpochs(page, view, m) {
  for (const s of m.plain) view.plainStats.set(s.epoch, s.loss.total);
  for (const s of m.consistent) {
    const l = s.loss;
    view.charts.loss.push(s.epoch, [l.total, l.fwd, l.id, l.bwd, l.con, view.plainStats.get(s.epoch) ?? null]);
    view.lastEpoch = s.epoch;
    page.show('train-loss', l.total.toExponential(3), String(l.total));
    setMetricValue('train_loss.total', l.total);
    setMetricValue('epochs_run', s.epoch);
  }
  page.show('epoch', String(view.lastEpoch));
  const d = m.status.consistent.divergence ?? m.status.plain.divergence;
  if (!d) return;
  page.show('diverged', `yes (epoch ${d.epoch})`);
  page.say(d.message);
  view.charts.loss.mark(d.epoch, 'diverged', PALETTE.vermillion);
}

/** An evaluation of both models: error curves, eigenvalues, rollouts; false if its GPU rollouts cannot be had. */
async function showEvaluation(page, core, view, m) {
  // The models' epoch when evaluated: a reply asked for during training
  // can land after the last epoch is shown.
  const epoch = m.status.consistent.epoch;
  const h = m.consistent.rel_error.length;
  view.charts.error.set(
    Array.from({ length: h }, (_, i) => i + 1),
    [m.consistent.rel_error, m.plain.rel_error],
  );
  page.root.querySelector('.error-chart').dataset.rows = String(h);
  view.eigen = { consistent: m.consistent.eigenvalues, plain: m.plain.eigenvalues };
  drawEigenvalues(view.canvases.eigen, { ...view.eigen, exact: view.truth.exact });
  page.show('consistency', m.consistent.consistency.toExponential(2));
  setMetricValue('consistency', m.consistent.consistency);
  for (const at of [10, 100, 1000]) setMetricValue(`rel_error.${at}`, m.consistent.rel_error[at - 1] ?? null);
  // The errors are shown before the rollouts are drawn (on the GPU they can
  // take seconds), so the verdict's text is the report's at once.
  page.show('rel-error', m.consistent.rel_error[h - 1].toPrecision(3), String(m.consistent.rel_error[h - 1]));
  page.show('rel-error-plain', m.plain.rel_error[h - 1].toPrecision(3), String(m.plain.rel_error[h - 1]));
  // The last epoch's evaluation is the run's report (what `continuum run` prints).
  if (epoch === view.config.epochs && m.status.plain.done) verdictShown();
  let rollouts;
  let n;
  if (m.fields) {
    const steps = m.fields[0].length / (view.truth.wake.info.width * view.truth.wake.info.height);
    view.shown = { fields: { consistent: m.fields[0], plain: m.fields[1] }, steps };
    view.scrub.max = String(steps - 1);
    page.root.querySelector('.resolution').textContent = `Both models' predictions ${steps} snapshots ahead of the first test snapshot, on the CPU.`;
    drawFrame(page.root, view);
    page.metric('rel-error').dataset.epoch = String(epoch);
    return true;
  }
  const device = labGpu(core.KoopmanGpu);
  const resolution = page.root.querySelector('.resolution');
  if (m.packed && device) {
    rollouts = { consistent: await device.rollouts(m.packed[0]), plain: await device.rollouts(m.packed[1]) };
    n = m.packed[0].n;
    resolution.textContent = `${n} initial conditions rolled out ${view.config.horizon} steps on the GPU.`;
  } else if (m.rollouts) {
    rollouts = { consistent: m.rollouts[0], plain: m.rollouts[1] };
    n = m.starts.length;
    resolution.textContent = `${n} initial conditions rolled out on the CPU (no WebGPU): fewer than the GPU's ${GPU_N}.`;
  } else return false;
  const steps = rollouts.consistent.length / (2 * n);
  view.shown = { rollouts, n, steps, starts: m.starts };
  view.scrub.max = String(steps - 1);
  drawFrame(page.root, view);
  // Marked last: a reader of the epoch sees everything drawn.
  page.metric('rel-error').dataset.epoch = String(epoch);
  return true;
}

// The spread over seeds, in workers of its own so the main run keeps
// training: seed i goes to worker i mod SEED_WORKERS, which trains both
// models of its seeds in turn, so on two cores the spread takes about half
// as long as in one worker. Stop terminates them. Results belong to the
// link they were started from and are shown in seed order as they land.
function seedsPanel(page, core, view) {
  const { root } = page;
  let seedWorkers = [];
  const buttons = { run: root.querySelector('[data-action="seeds"]'), stop: root.querySelector('[data-action="stop-seeds"]') };
  const stop = (why) => {
    seedWorkers.forEach((w) => w.terminate());
    seedWorkers = [];
    buttons.run.disabled = false;
    buttons.stop.disabled = true;
    if (why) page.show('seeds-progress', why);
  };
  /** `done`: the finished seeds' rows; `running`: [{seed, epoch, epochs}] of the seeds in training. */
  const show = (done, running) => {
    const rows = [...done].sort((a, b) => a.seed - b.seed);
    const fmt = (v) => (Number.isFinite(v) ? v.toPrecision(3) : 'diverged');
    root.querySelector('.seeds-table tbody').innerHTML = rows
      .map((r) => `<tr data-seed="${r.seed}"><td>${r.seed}</td><td data-value="${r.consistent}">${fmt(r.consistent)}</td><td data-value="${r.plain}">${fmt(r.plain)}</td></tr>`)
      .join('');
    drawSeeds(root.querySelector('canvas.seeds'), rows, SEEDS);
    const bar = root.querySelector('.seeds-progress');
    bar.max = SEEDS.length;
    bar.value = rows.length + running.reduce((sum, r) => sum + r.epoch / r.epochs, 0);
    if (rows.length < SEEDS.length) {
      const at = running.map((r) => `seed ${r.seed}: epoch ${r.epoch} of ${r.epochs}`);
      page.show('seeds-progress', `${at.join(', ')} (both models)`);
      return;
    }
    const mc = median(rows.map((r) => r.consistent));
    const mp = median(rows.map((r) => r.plain));
    page.show('seeds-median', mc.toPrecision(3), String(mc));
    page.show('seeds-median-plain', mp.toPrecision(3), String(mp));
    page.show('seeds-wins', `${rows.filter((r) => r.consistent < r.plain).length} of ${rows.length} seeds`);
    page.show('seeds-progress', `done: error at horizon ${view.config.horizon}`);
    stop();
  };
  const run = () => {
    stop();
    buttons.run.disabled = true;
    buttons.stop.disabled = false;
    for (const name of ['seeds-median', 'seeds-median-plain', 'seeds-wins']) page.show(name, '—');
    const links = SEEDS.map((s) => core.withKnob(location.hash, 'seed', String(s)).link);
    // Each worker's seeds, and what it has reported: its finished rows and its seed in training.
    const state = Array.from({ length: SEED_WORKERS }, (_, w) => {
      const seeds = SEEDS.map((seed, i) => ({ seed, link: links[i] })).filter((_, i) => i % SEED_WORKERS === w);
      return { seeds, done: [], running: { seed: seeds[0].seed, epoch: 0, epochs: 2 * view.config.epochs } };
    });
    const showAll = () => show(state.flatMap((s) => s.done), state.flatMap((s) => (s.running ? [s.running] : [])));
    seedWorkers = state.map((st) => {
      const { seeds } = st;
      const seedWorker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
      seedWorker.onmessage = ({ data: m }) => {
        if (m.type === 'seeds') {
          st.done = m.results.map((r, j) => ({ ...r, seed: seeds[j].seed }));
          st.running = m.running && { ...m.running, seed: seeds[m.results.length].seed };
          showAll();
        } else if (m.type === 'error') stop(`stopped: ${m.message}`);
      };
      seedWorker.postMessage({ type: 'seeds', links: seeds.map((s) => s.link), horizon: view.config.horizon });
      return seedWorker;
    });
    showAll();
  };
  return { run, stop };
}
