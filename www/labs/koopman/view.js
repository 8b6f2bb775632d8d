// The Koopman lab page: a consistent Koopman autoencoder and the plain one
// (ν = η = 0) train side by side, each in its own Web Worker (./pair.js,
// ./worker.js), on the same pendulum data and seed. The page animates their long-horizon
// predictions against the truth, charts the relative error against horizon,
// the loss terms, and the eigenvalues of C against the unit circle.
// Rollouts of many initial conditions (256) run on the GPU when WebGPU is
// present (koopman/kernel.wgsl), 32 on the CPU otherwise. Every control is in the hash.

import { clearMetrics, setMetricValue } from '../../ui/metrics.js';
import { RUN_BUTTONS, download, handleActions, hashSetter, labPage, retrains } from '../../ui/lab-page.js';
import { buildControls, showValues } from '../../ui/controls.js';
import { lineChart } from '../../ui/charts.js';
import { gpu, labGpu, onBackendChange } from '../../backend.js';
import { evalScheduler } from '../../ui/eval-scheduler.js';
import { COLOURS, drawEigenvalues, drawPendulum, drawPhase, drawSeeds, median, phaseBounds } from './plots.js';
import { PALETTE } from '../../ui/palette.js';
import { modelPair } from './pair.js';

const GPU_N = 256;
const CPU_N = 32;
/** The seeds of the spread: the comparison the paper's claim is about is over seeds, not one. */
const SEEDS = [1, 2, 3, 4, 5];
/** Workers the spread over seeds is shared out to (at most SEEDS.length). */
const SEED_WORKERS = 2;

export function mount(app, core, report) {
  const knobs = core.knobs('koopman');
  const { root, banner } = labPage(app, core, 'koopman', {
    intro: `An encoder maps each 64-dimensional measurement of a pendulum to a small latent space where one
      time step is a matrix C; a decoder maps back. The consistent model also learns a backward operator D and is
      trained so that D undoes C. Both models below train on the same noisy data: watch their predictions hundreds of
      steps ahead, and where the eigenvalues of C sit against the unit circle. Try first: let training finish, then
      compare the error curves at horizon 1000; then run seeds 1–5 to see whether it holds beyond one seed; then raise the noise.`,
    body: `
    <div class="depth-grid">
      <div class="panel">
        <h2>Model and training</h2>
${RUN_BUTTONS}
        <div class="controls training"></div>
      </div>
      <div class="panel">
        <h2>Predictions against the truth</h2>
        <div class="side-by-side">
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
        <p class="hint">Black: truth. <span style="color:${COLOURS.consistent}">Blue: consistent.</span>
          <span style="color:${COLOURS.plain}">Vermillion: plain.</span> Grey dots: the noisy training states.</p>
      </div>
      <div class="panel">
        <h2>Metrics</h2>
        <dl class="metrics">
          <dt>Epoch</dt><dd data-metric="epoch">0</dd>
          <dt>Train loss</dt><dd data-metric="train-loss">—</dd>
          <dt>Rel. error at horizon (consistent)</dt><dd data-metric="rel-error">—</dd>
          <dt>Rel. error at horizon (plain)</dt><dd data-metric="rel-error-plain">—</dd>
          <dt>‖DC − I‖</dt><dd data-metric="consistency">—</dd>
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
        <p class="hint">Filled blue: consistent; vermillion rings: plain; green ×: the exact e^{±inωΔt} of this pendulum, n = 1, 2, 3 (its frequency and harmonics).</p>
      </div>
    </div>`,
  });
  if (new URLSearchParams(location.search).has('embed')) document.body.classList.add('embed');


  const metric = (name) => root.querySelector(`[data-metric="${name}"]`);
  const controls = root.querySelector('.controls.training');
  const scrub = root.querySelector('.scrub');
  const kOut = root.querySelector('.k-out');
  const canvases = {
    pendulum: root.querySelector('.pendulum-view'),
    phase: root.querySelector('.phase'),
    eigen: root.querySelector('.eigen'),
  };
  const lossChart = lineChart(root.querySelector('.loss-chart'), {
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
  });
  const errorChart = lineChart(root.querySelector('.error-chart'), {
    title: 'Relative prediction error',
    xLabel: 'steps ahead',
    yLog: true,
    series: [
      { label: 'consistent', stroke: COLOURS.consistent },
      { label: 'plain', stroke: COLOURS.plain },
    ],
  });

  let config = report.config;
  let truth = null;
  let bounds = null;
  let testStates = null; // (θ, θ̇) of the clean test part, for the phase portrait
  let view = null; // {rollouts: {consistent, plain}, n, steps, starts}
  let eigen = { consistent: [], plain: [] };
  let lastEpoch = 0;
  let plainStats = new Map();
  let animate = true;

  const setKey = hashSetter(core);
  buildControls(controls, knobs, config, setKey);

  const worker = modelPair();

  const start = () => {
    clearMetrics();
    lossChart.clear();
    errorChart.set([], [[], []]);
    plainStats = new Map();
    view = null;
    truth = null;
    lastEpoch = 0;
    banner.hidden = true;
    metric('epoch').textContent = '0';
    metric('diverged').textContent = 'no';
    for (const name of ['train-loss', 'rel-error', 'rel-error-plain', 'consistency']) metric(name).textContent = '—';
    worker.postMessage({ type: 'start', link: location.hash, play: true });
  };

  // Evaluations (two 1000-step error curves and the rollouts) cost the worker
  // time it would train with: at most every 500 ms, and never more than a
  // fifth of its time; a person moving a slider is answered at once.
  const evals = evalScheduler(() => {
    const packed = Boolean(gpu());
    worker.postMessage({ type: 'eval', horizon: config.horizon, n: packed ? GPU_N : CPU_N, packed });
  }, 500);
  const requestEval = (urgent = false) => {
    if (truth) evals.request(urgent);
  };


  const drawFrame = () => {
    if (!truth || !view) return;
    const k = Math.min(Number(scrub.value), view.steps - 1);
    kOut.textContent = `${k + 1} · t=${((k + 1) * truth.dt).toFixed(1)}`;
    const s0 = view.starts[0];
    const { consistent, plain } = view.rollouts;
    drawPendulum(canvases.pendulum, [
      { theta: truth.clean[(s0 + k + 1) * 2], colour: COLOURS.truth },
      { theta: consistent?.[k * 2], colour: COLOURS.consistent },
      { theta: plain?.[k * 2], colour: COLOURS.plain, dash: true },
    ]);
    drawPhase(canvases.phase, { clean: testStates, noisy: truth.noisy, bounds, rollouts: view.rollouts, n: view.n, steps: view.steps, k });
  };

  // The animation: one small drawing per frame, advancing the prediction step.
  let frame = null;
  const tick = () => {
    frame = null;
    if (!animate || !view) return;
    const stride = Math.max(1, Math.round(view.steps / 400));
    scrub.value = String((Number(scrub.value) + stride) % view.steps);
    drawFrame();
    frame = requestAnimationFrame(tick);
  };
  const startAnimation = () => {
    if (frame === null && animate) frame = requestAnimationFrame(tick);
  };
  scrub.addEventListener('input', drawFrame);

  const showEvaluation = async (m) => {
    const epoch = lastEpoch;
    const h = m.consistent.rel_error.length;
    errorChart.set(
      Array.from({ length: h }, (_, i) => i + 1),
      [m.consistent.rel_error, m.plain.rel_error],
    );
    root.querySelector('.error-chart').dataset.rows = String(h);
    eigen = { consistent: m.consistent.eigenvalues, plain: m.plain.eigenvalues };
    drawEigenvalues(canvases.eigen, { ...eigen, exact: truth.exact });
    metric('consistency').textContent = m.consistent.consistency.toExponential(2);
    setMetricValue('consistency', m.consistent.consistency);
    for (const h of [10, 100, 1000]) setMetricValue(`rel_error.${h}`, m.consistent.rel_error[h - 1] ?? null);
    let rollouts;
    let n;
    const device = labGpu(core.KoopmanGpu);
    const resolution = root.querySelector('.resolution');
    if (m.packed && device) {
      rollouts = { consistent: await device.rollouts(m.packed[0]), plain: await device.rollouts(m.packed[1]) };
      n = m.packed[0].n;
      resolution.textContent = `${n} initial conditions rolled out ${config.horizon} steps on the GPU.`;
    } else if (m.rollouts) {
      rollouts = { consistent: m.rollouts[0], plain: m.rollouts[1] };
      n = m.starts.length;
      resolution.textContent = `${n} initial conditions rolled out on the CPU (no WebGPU): fewer than the GPU's ${GPU_N}.`;
    } else {
      evals.retry(); // the GPU went away between request and reply
      return;
    }
    const steps = rollouts.consistent.length / (2 * n);
    view = { rollouts, n, steps, starts: m.starts };
    scrub.max = String(steps - 1);
    drawFrame();
    startAnimation();
    // Shown last: a reader of these sees everything drawn.
    metric('rel-error').textContent = m.consistent.rel_error[h - 1].toPrecision(3);
    metric('rel-error').dataset.value = String(m.consistent.rel_error[h - 1]);
    metric('rel-error-plain').textContent = m.plain.rel_error[h - 1].toPrecision(3);
    metric('rel-error-plain').dataset.value = String(m.plain.rel_error[h - 1]);
    metric('rel-error').dataset.epoch = String(epoch);
  };

  const showDivergence = (st) => {
    const d = st.consistent.divergence ?? st.plain.divergence;
    if (!d) return;
    metric('diverged').textContent = `yes (epoch ${d.epoch})`;
    banner.textContent = d.message;
    banner.hidden = false;
    lossChart.mark(d.epoch, 'diverged', PALETTE.vermillion);
  };

  worker.onmessage = async ({ data: m }) => {
    performance.mark(`koopman:${m.type}`);
    if (m.type === 'ready') {
      truth = m.truth;
      bounds = phaseBounds(truth.clean);
      testStates = truth.clean.slice(truth.train * 2);
      metric('params').textContent = String(m.status.consistent.params);
      drawEigenvalues(canvases.eigen, { consistent: [], plain: [], exact: truth.exact });
    } else if (m.type === 'epochs') {
      for (const s of m.plain) plainStats.set(s.epoch, s.loss.total);
      for (const s of m.consistent) {
        const l = s.loss;
        lossChart.push(s.epoch, [l.total, l.fwd, l.id, l.bwd, l.con, plainStats.get(s.epoch) ?? null]);
        lastEpoch = s.epoch;
        metric('train-loss').textContent = l.total.toExponential(3);
        metric('train-loss').dataset.value = String(l.total);
        setMetricValue('train_loss.total', l.total);
        setMetricValue('epochs_run', s.epoch);
      }
      metric('epoch').textContent = String(lastEpoch);
      showDivergence(m.status);
      requestEval();
    } else if (m.type === 'eval') {
      await evals.land(m, showEvaluation, root.querySelector('.resolution'), 'rollouts');
    } else if (m.type === 'error') {
      banner.textContent = `The Koopman lab stopped: ${m.message}`;
      banner.hidden = false;
      evals.done();
    }
  };

  // The spread over seeds, in workers of its own so the main run keeps
  // training: seed i goes to worker i mod SEED_WORKERS, which trains both
  // models of its seeds in turn, so on two cores the spread takes about half
  // as long as in one worker. Stop terminates them. Results belong to the
  // link they were started from and are shown in seed order as they land.
  let seedWorkers = [];
  const seedButtons = { run: root.querySelector('[data-action="seeds"]'), stop: root.querySelector('[data-action="stop-seeds"]') };
  const stopSeeds = (why) => {
    seedWorkers.forEach((w) => w.terminate());
    seedWorkers = [];
    seedButtons.run.disabled = false;
    seedButtons.stop.disabled = true;
    if (why) metric('seeds-progress').textContent = why;
  };
  /** `done`: the finished seeds' rows; `running`: [{seed, epoch, epochs}] of the seeds in training. */
  const showSeeds = (done, running) => {
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
      metric('seeds-progress').textContent = `${at.join(', ')} (both models)`;
      return;
    }
    const mc = median(rows.map((r) => r.consistent));
    const mp = median(rows.map((r) => r.plain));
    metric('seeds-median').textContent = mc.toPrecision(3);
    metric('seeds-median').dataset.value = String(mc);
    metric('seeds-median-plain').textContent = mp.toPrecision(3);
    metric('seeds-median-plain').dataset.value = String(mp);
    metric('seeds-wins').textContent = `${rows.filter((r) => r.consistent < r.plain).length} of ${rows.length} seeds`;
    metric('seeds-progress').textContent = `done: error at horizon ${config.horizon}`;
    stopSeeds();
  };
  const runSeeds = () => {
    stopSeeds();
    seedButtons.run.disabled = true;
    seedButtons.stop.disabled = false;
    for (const name of ['seeds-median', 'seeds-median-plain', 'seeds-wins']) metric(name).textContent = '—';
    const links = SEEDS.map((s) => core.withKnob(location.hash, 'seed', String(s)).link);
    // Each worker's seeds, and what it has reported: its finished rows and its seed in training.
    const state = Array.from({ length: SEED_WORKERS }, (_, w) => {
      const seeds = SEEDS.map((seed, i) => ({ seed, link: links[i] })).filter((_, i) => i % SEED_WORKERS === w);
      return { seeds, done: [], running: { seed: seeds[0].seed, epoch: 0, epochs: 2 * config.epochs } };
    });
    const show = () => showSeeds(state.flatMap((s) => s.done), state.flatMap((s) => (s.running ? [s.running] : [])));
    seedWorkers = state.map((st) => {
      const { seeds } = st;
      const seedWorker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
      seedWorker.onmessage = ({ data: m }) => {
        if (m.type === 'seeds') {
          st.done = m.results.map((r, j) => ({ ...r, seed: seeds[j].seed }));
          st.running = m.running && { ...m.running, seed: seeds[m.results.length].seed };
          show();
        } else if (m.type === 'error') stopSeeds(`stopped: ${m.message}`);
      };
      seedWorker.postMessage({ type: 'seeds', links: seeds.map((s) => s.link), horizon: config.horizon });
      return seedWorker;
    });
    show();
  };

  handleActions(root, worker, {
    seeds: runSeeds,
    'stop-seeds': () => stopSeeds('stopped'),
    reset: start,
    csv: () => download('koopman-charts.csv', [lossChart.csv(), errorChart.csv()].join('\n\n')),
    animate(button) {
      animate = !animate;
      button.setAttribute('aria-pressed', String(animate));
      startAnimation();
    },
  });
  onBackendChange(() => requestEval(true));
  start();

  return {
    update(next) {
      const retrain = retrains(knobs, next.config, config);
      config = next.config;
      showValues(controls, config);
      if (retrain) {
        stopSeeds('—');
        start();
      } else requestEval(true);
    },
    destroy() {
      if (frame !== null) cancelAnimationFrame(frame);
      evals.cancel();
      worker.terminate();
      stopSeeds();
      document.body.classList.remove('embed');
    },
  };
}
