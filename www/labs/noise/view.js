// The noise lab page: three studies, one panel set each, chosen by the
// `study` knob (#lab=noise&study=rnn|stabilize|titrate). The study runs in a
// Web Worker (./worker.js); the stabilisation paths and the titration's
// noisy batches also run on the GPU when WebGPU is present, and the page
// shows how far they are from the worker's numbers. Every control is in the
// hash.

import { publishReport } from '../../ui/metrics.js';
import { NO_WEBGPU, download, hashSetter, labPage, settingsPanel, shownKnobs } from '../../ui/lab-page.js';
import { buildControls } from '../../ui/controls.js';
import { lineChart } from '../../ui/charts.js';
import { labGpu } from '../../backend.js';
import { drawPixels } from '../../ui/pixels.js';
import { PALETTE } from '../../ui/palette.js';

const COLOURS = { deterministic: PALETTE.vermillion, noisy: PALETTE.blue, theory: '#555', clean: PALETTE.green, backdoored: PALETTE.purple };
const KINDS = { gaussian: 'Additive Gaussian σ', multiplicative: 'Multiplicative Gaussian σ', salt_pepper: 'Salt-and-pepper rate' };

const INTRO = {
  rnn: `A recurrent network reads a heartbeat, one sample per step, and says which of two kinds it is. One copy
    trains as an ordinary Euler-discretised ODE; the other as a noisy SDE (noise added to its state while training,
    none when tested). Both are then tested on heartbeats spoiled by noise. Try first: the accuracy at σ = 1.0.`,
  stabilize: `Without noise, x grows like e^(at). Add noise proportional to x and almost every path decays, at the
    rate a − σ²/2, while the mean of x² explodes at the rate 2a + σ². Try first: move σ below √(2a).`,
  titrate: `Two equal groups of small classifiers learn six shapes; the second group was also taught a backdoor (a trigger stamped on
    some images, relabelled to a target class). The paper: feeding them noise and counting confident changes of mind
    tells the two groups apart and points at the target. Here that holds for a one-pixel trigger and not for the 3 × 3
    patch (the Over seeds panel and docs/noise.md say why). Try first: compare the patch trigger with the one-pixel trigger.`,
};

const BODY = `
    <div class="depth-grid">
${settingsPanel()}
      <div class="panel">
        <h2>Numbers</h2>
        <progress class="sweep" max="1" value="0"></progress> <span data-metric="progress">—</span>
        <dl class="metrics"></dl>
        <div class="buttons"><button type="button" data-action="csv">Results as CSV</button></div>
      </div>
      <div class="panel charts-a"></div>
      <div class="panel charts-b"></div>
      <div class="panel charts-c"></div>
      <div class="panel charts-d"></div>
    </div>`;

const STUDIES = {
  rnn: { build: buildRnn, show: (ctx, m) => showRnn(ctx, m) },
  stabilize: { build: buildStabilize, show: (ctx, m) => m.stats && showStats(ctx, m.stats, 'cpu') },
  titrate: { build: buildTitrate, show: (ctx, m) => m.titrate && showTitrate(ctx, m.titrate) },
};

export function mount(app, core, report) {
  const page = labPage(app, core, 'noise', { intro: '', body: BODY });
  const { root } = page;
  const knobs = core.knobs('noise');
  const controls = root.querySelector('.controls');
  const metrics = root.querySelector('dl.metrics');
  const panels = ['a', 'b', 'c', 'd'].map((p) => root.querySelector(`.charts-${p}`));
  // What the study's functions share: the page, its panels, the link's config and each study's state.
  const ctx = {
    core,
    config: report.config,
    study: null,
    panels,
    csv: () => '',
    rnn: {},
    stab: {},
    tit: {},
    /** Like page.show, for rows a study may not have. */
    setMetric: (name, text, value) => page.metric(name) && page.show(name, text, value),
    defineMetrics: (list) => {
      metrics.innerHTML = list.map(([name, label]) => `<dt>${label}</dt><dd data-metric="${name}">—</dd>`).join('');
    },
    panel: (i, title, hint = '') => {
      panels[i].innerHTML = `<h2>${title}</h2><div class="chart"></div>${hint ? `<p class="hint">${hint}</p>` : ''}`;
      return panels[i].querySelector('.chart');
    },
  };
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  return page.run({
    worker,
    start() {
      ctx.study = ctx.config.study;
      panels.forEach((p) => (p.hidden = false));
      root.querySelector('.summary').textContent = INTRO[ctx.study].replace(/\s+/g, ' ');
      buildControls(controls, shownKnobs(knobs, ctx.study), ctx.config, hashSetter(core));
      STUDIES[ctx.study].build(ctx);
      worker.postMessage({ type: 'start', link: location.hash, play: true });
    },
    controls: [controls],
    onConfig: (config) => (ctx.config = config),
    onMessage: (m) => onMessage(page, ctx, m),
    actions: {
      gpu: () => worker.postMessage({ type: 'gpu-inputs' }),
      csv: () => download(`noise-${ctx.study}.csv`, ctx.csv()),
    },
  });
}

async function onMessage(page, ctx, m) {
  const study = ctx.study;
  if (m.type === 'ready' || m.type === 'steps') {
    const st = m.status;
    page.progress(st);
    page.show('progress', st.label, st.finished ? 'done' : 'running');
    if (m.type === 'ready' && study === 'rnn') {
      ctx.setMetric('workers', m.workers === 2 ? '2 (the noisy models train in a second worker)' : '1', m.workers);
    }
    if (m.type === 'ready' && m.examples && study === 'rnn') {
      const ex = m.examples;
      ctx.rnn.examples.set(Array.from({ length: ex.length }, (_, i) => i), [0, 1, 2, 3, 4, 5].map((k) => ex.x.slice(k * ex.length, (k + 1) * ex.length)));
    }
    if (m.type === 'ready' && m.images && study === 'titrate') {
      ctx.tit.names = m.images.names;
      drawImages(page.root.querySelector('canvas.images'), m.images);
    }
    if (study === 'stabilize') {
      const paths = (m.steps ?? []).filter((s) => s.kind === 'paths').at(-1);
      if (paths && m.steps.length) ctx.stab.t0 ??= performance.now();
      if (m.stats && ctx.stab.t0) ctx.setMetric('speed', `${Math.round(ctx.config.paths / ((performance.now() - ctx.stab.t0) / 1000))}`);
    }
    STUDIES[study].show(ctx, m);
    if (m.rnn?.models) publishReport(m.rnn.models, { final: false });
    if (m.report) publishReport(m.report);
    if (st.divergence) {
      ctx.setMetric('diverged', st.divergence);
      page.say(st.divergence);
    } else if (study === 'rnn' && st.finished) ctx.setMetric('diverged', 'no');
  } else if (m.type === 'gpu-inputs') {
    await titrateOnGpu(ctx, m.inputs);
  }
}

// ---- the rnn study ----
function buildRnn(ctx) {
  ctx.defineMetrics([
    ['clean', 'Clean test accuracy (deterministic / noisy)'],
    ['sigma1', 'Accuracy at Gaussian σ = 1.0 (deterministic / noisy)'],
    ['gap', 'Gain of the noisy model at σ = 1.0 (points; the paper: ≥ 4)'],
    ['salt20', 'Accuracy at 20 % salt-and-pepper'],
    ['epoch-ms', 'Time per epoch of training (page, median)'],
    ['workers', 'Workers training'],
    ['step', 'Noisy model: mean learned step d (starts at ε)'],
    ['max-eig', 'Largest eigenvalue of sym(A) (deterministic / noisy)'],
    ['gradient', 'Input gradient of the margin ‖∇m‖ (deterministic / noisy)'],
    ['distance', 'Distance to the boundary m/‖∇m‖, median (deterministic / noisy)'],
    ['diverged', 'Diverged'],
  ]);
  const loss = lineChart(ctx.panel(0, 'Training loss'), {
    title: 'Loss (current seed)',
    xLabel: 'epoch',
    yLog: true,
    series: [
      { label: 'deterministic', stroke: COLOURS.deterministic },
      { label: 'noisy (with its noise)', stroke: COLOURS.noisy },
    ],
  });
  ctx.panels[1].innerHTML = '<h2>Accuracy under perturbed inputs</h2><div class="chart g"></div><div class="chart m"></div><div class="chart s"></div><p class="hint">Mean over the seeds finished so far. Chance is 0.5. At the lab’s step ε = 0.1 the two curves are close: training noise makes the noisy model react less to its input (a smaller ‖∇m‖, under Numbers), but its margins m shrink too, so the distance to the decision boundary does not grow. At the paper’s step ε = 0.01 (a preset) the noisy model pulls ahead. The maps below show both over seeds; docs/noise.md has the measurements.</p>';
  const robust = Object.fromEntries(
    Object.entries({ gaussian: 'g', multiplicative: 'm', salt_pepper: 's' }).map(([kind, cls]) => [
      kind,
      lineChart(ctx.panels[1].querySelector(`.chart.${cls}`), {
        title: KINDS[kind],
        xLabel: KINDS[kind],
        series: [
          { label: 'deterministic', stroke: COLOURS.deterministic, points: true, scale: 'acc' },
          { label: 'noisy', stroke: COLOURS.noisy, points: true, scale: 'acc' },
        ],
      }),
    ]),
  );
  const spectrum = lineChart(ctx.panel(2, 'Spectrum of the symmetric part of A', 'Eigenvalues of (A + Aᵀ)/2 after training, ascending (first seed). Positive ones let the state grow along them.'), {
    title: 'eig((A + Aᵀ)/2)',
    xLabel: 'index',
    series: [
      { label: 'deterministic', stroke: COLOURS.deterministic, points: true },
      { label: 'noisy', stroke: COLOURS.noisy, points: true },
    ],
  });
  ctx.panels[3].innerHTML = '<h2>Heartbeats and hidden states</h2><div class="chart ex"></div><div class="chart tr"></div><p class="hint">Top: training heartbeats, class 0 solid, class 1 dashed. Bottom: six hidden units of each trained model reading test heartbeat 0.</p>';
  const examples = lineChart(ctx.panels[3].querySelector('.chart.ex'), {
    title: 'Heartbeats',
    xLabel: 'step',
    series: [0, 1, 2, 3, 4, 5].map((i) => ({ label: `beat ${i} (class ${i % 2})`, stroke: i % 2 ? PALETTE.purple : PALETTE.green, dash: i % 2 ? [4, 3] : undefined })),
  });
  const traj = lineChart(ctx.panels[3].querySelector('.chart.tr'), {
    title: 'Hidden states h_t',
    xLabel: 'step',
    series: [...[0, 1, 2, 3, 4, 5].map((u) => ({ label: `det. unit ${u}`, stroke: COLOURS.deterministic })), ...[0, 1, 2, 3, 4, 5].map((u) => ({ label: `noisy unit ${u}`, stroke: COLOURS.noisy, dash: [4, 3] }))],
  });
  ctx.rnn = { loss, robust, spectrum, examples, traj, seed: null, losses: [], rows: [], epochTimes: [], lastEpoch: null };
  ctx.csv = () => ['perturbation,level,deterministic,noisy', ...ctx.rnn.rows.map((r) => [r.perturbation, r.level, r.deterministic, r.noisy].join(','))].join('\n');
}

function showRnn(ctx, m) {
  const epochs = (m.steps ?? []).filter((s) => s.kind === 'batch' && (s.deterministic || s.noisy));
  for (const s of epochs) {
    if (ctx.rnn.seed !== s.seed) {
      ctx.rnn.losses = [];
      ctx.rnn.seed = s.seed;
    }
    // The two models' epochs may come apart (the noisy ones from a second worker): one row per epoch.
    for (const [k, e] of [s.deterministic, s.noisy].entries()) if (e) (ctx.rnn.losses[e.epoch - 1] ??= [null, null])[k] = e.loss;
    if (!s.deterministic) continue;
    // Wall time between the deterministic model's epoch ends, as the page sees it (slices included).
    const now = performance.now();
    if (ctx.rnn.lastEpoch !== null) ctx.rnn.epochTimes.push(now - ctx.rnn.lastEpoch);
    ctx.rnn.lastEpoch = now;
    if (ctx.rnn.epochTimes.length) {
      const sorted = [...ctx.rnn.epochTimes].sort((x, y) => x - y);
      const median = sorted[Math.floor(sorted.length / 2)];
      ctx.setMetric('epoch-ms', `${median.toFixed(0)} ms`, median);
    }
  }
  if (epochs.length) {
    const rows = Array.from(ctx.rnn.losses, (r) => r ?? [null, null]);
    ctx.rnn.loss.set(rows.map((_, i) => i + 1), [rows.map((r) => r[0]), rows.map((r) => r[1])]);
  }
  const r = m.rnn;
  if (!r) return;
  if (r.rows.length) {
    ctx.rnn.rows = r.rows;
    for (const kind of Object.keys(KINDS)) {
      const rows = r.rows.filter((x) => x.perturbation === kind);
      ctx.rnn.robust[kind].set(rows.map((x) => x.level), [rows.map((x) => x.deterministic), rows.map((x) => x.noisy)]);
    }
    const at = (kind, level) => r.rows.find((x) => x.perturbation === kind && x.level === level);
    const pair = (x) => `${x.deterministic.toFixed(3)} / ${x.noisy.toFixed(3)}`;
    ctx.setMetric('clean', pair(at('gaussian', 0)), { deterministic: at('gaussian', 0).deterministic, noisy: at('gaussian', 0).noisy });
    const s1 = at('gaussian', 1);
    ctx.setMetric('sigma1', pair(s1), { deterministic: s1.deterministic, noisy: s1.noisy });
    ctx.setMetric('gap', `${(100 * (s1.noisy - s1.deterministic)).toFixed(1)} (${r.seeds_done} seed${r.seeds_done > 1 ? 's' : ''})`, 100 * (s1.noisy - s1.deterministic));
    ctx.setMetric('salt20', pair(at('salt_pepper', 0.2)));
  }
  if (r.models) {
    const sp = r.models.spectrum;
    ctx.rnn.spectrum.set(sp.deterministic.map((_, i) => i), [sp.deterministic, sp.noisy]);
    ctx.setMetric('step', r.models.learned_step.toFixed(4), r.models.learned_step);
    ctx.setMetric('max-eig', `${sp.deterministic.at(-1).toFixed(3)} / ${sp.noisy.at(-1).toFixed(3)}`);
    const sens = r.models.sensitivity;
    ctx.setMetric('gradient', `${sens.deterministic.gradient.toFixed(2)} / ${sens.noisy.gradient.toFixed(2)}`, sens);
    ctx.setMetric('distance', `${sens.deterministic.distance.toFixed(3)} / ${sens.noisy.distance.toFixed(3)}`);
    const t = r.models.trajectories;
    ctx.rnn.traj.set(t.deterministic[0].map((_, i) => i), [...t.deterministic, ...t.noisy]);
  }
}

// ---- the stabilize study ----
function buildStabilize(ctx) {
  ctx.defineMetrics([
    ['exponent', 'Growth exponent (1/T)·E log|X_T|: empirical / theory a − σ²/2'],
    ['decayed', 'Paths below their start at T'],
    ['m2', 'Growth rate of E[X²], fitted on [0, t*]: empirical / theory 2a + σ²'],
    ['window', 't* = ln N / (2σ²): where N paths can still see E[X²]'],
    ['m2-whole', 'log(mean X_T²)/T over the whole horizon (the sample has lost the rare paths that carry E[X²])'],
    ['speed', 'Paths per second (worker, CPU)'],
    ['gpu', 'GPU: exponent, decayed, and the largest difference from the CPU'],
  ]);
  ctx.panel(0, 'Sample paths, log|X_t|', 'Each thin line is one path; the thick dashed line is the theory (a − σ²/2)t.');
  ctx.stab.moments = lineChart(ctx.panel(1, 'Almost every path decays, the mean square explodes', 'log of the sample mean of X² against the theory (2a + σ²)t, and the sample mean of log|X| against (a − σ²/2)t. The vertical mark is t*.'), {
    title: 'log E[X²] and E log|X|',
    xLabel: 't',
    series: [
      { label: 'log mean X² (sample)', stroke: COLOURS.noisy },
      { label: '(2a + σ²)t', stroke: COLOURS.noisy, dash: [6, 4] },
      { label: 'mean log|X| (sample)', stroke: COLOURS.deterministic },
      { label: '(a − σ²/2)t', stroke: COLOURS.deterministic, dash: [6, 4] },
    ],
  });
  ctx.panels[2].innerHTML = `<h2>Where noise stabilises</h2><canvas class="plane" width="300" height="220" aria-label="The (a, σ) plane shaded by the sign of a − σ²/2"></canvas>
    <p class="hint">Shaded: a − σ²/2 &lt; 0, where almost every path decays. The dot is this link's (a, σ); the curve is σ = √(2a).</p>`;
  ctx.panels[3].innerHTML = '';
  ctx.panels[3].hidden = true;
  drawPlane(ctx.panels[2].querySelector('canvas.plane'), ctx.config.a, ctx.config.sigma);
  ctx.csv = () => (ctx.stab.stats ? ['t,mean_log,log_second_moment', ...ctx.stab.stats.times.map((t, i) => [t, ctx.stab.stats.mean_log[i], ctx.stab.stats.log_second_moment[i]].join(','))].join('\n') : '');
}

function showStats(ctx, s, where) {
  ctx.stab.stats = s;
  const a = ctx.config.a;
  const sig = ctx.config.sigma;
  ctx.setMetric('exponent', `${s.exponent.empirical.toFixed(4)} / ${s.exponent.theory.toFixed(4)}`, s.exponent);
  ctx.setMetric('decayed', `${(100 * s.fraction_decayed).toFixed(1)} %`, s.fraction_decayed);
  ctx.setMetric('m2', `${s.second_moment_rate.empirical.toFixed(3)} / ${s.second_moment_rate.theory.toFixed(3)}`, s.second_moment_rate);
  ctx.setMetric('window', s.second_moment_rate.window.toFixed(2));
  ctx.setMetric('m2-whole', s.second_moment_rate.whole_horizon.toFixed(3), s.second_moment_rate.whole_horizon);
  // One series per sample path the core sends (paths::SHOWN).
  const holder = ctx.panels[0].querySelector('.chart');
  holder.replaceChildren();
  lineChart(holder, {
    title: `log|X_t|, ${s.sample_paths.length} of ${ctx.config.paths} paths`,
    xLabel: 't',
    series: [{ label: 'theory', stroke: COLOURS.theory, dash: [6, 4] }, ...s.sample_paths.map((_, i) => ({ label: `path ${i}`, stroke: `hsla(${(i * 47) % 360}, 55%, 45%, 0.7)` }))],
  }).set(s.times, [s.times.map((t) => (a - sig * sig / 2) * t), ...s.sample_paths]);
  ctx.stab.moments.set(s.times, [s.log_second_moment, s.times.map((t) => (2 * a + sig * sig) * t), s.mean_log, s.times.map((t) => (a - sig * sig / 2) * t)]);
  ctx.stab.moments.mark(s.second_moment_rate.window, 't*');
  if (where === 'cpu') stabilizeOnGpu(ctx, s);
}

async function stabilizeOnGpu(ctx, cpu) {
  const device = labGpu(ctx.core.NoiseGpu);
  if (!device) {
    ctx.setMetric('gpu', NO_WEBGPU);
    return;
  }
  try {
    const t = performance.now();
    const g = await device.paths(location.hash);
    const ms = performance.now() - t;
    const diff = Math.max(...g.mean_log.map((v, i) => Math.abs(v - cpu.mean_log[i])));
    ctx.setMetric('gpu', `${g.exponent.empirical.toFixed(4)}, ${(100 * g.fraction_decayed).toFixed(1)} %; mean log|X| differs by at most ${diff.toExponential(1)}; ${Math.round(ctx.config.paths / (ms / 1000))} paths/s with upload and readback`, { exponent: g.exponent.empirical, decayed: g.fraction_decayed, diff });
  } catch (e) {
    ctx.setMetric('gpu', `the GPU failed (${e?.message ?? e}); the numbers above are the CPU's`);
  }
}

// ---- the titrate study ----
function buildTitrate(ctx) {
  ctx.defineMetrics([
    ['auc', 'Detection AUC (leave one model out)'],
    ['targets', 'Backdoored models whose target is found'],
    ['accuracy', 'Clean accuracy, mean (clean / backdoored models)'],
    ['attack', 'Attack success of the trigger, mean'],
    ['analysis', 'Wall time of the analysis (all models, worker)'],
    ['gpu', 'GPU: largest |T_γ| difference from the worker, and time'],
    ['diverged', 'Diverged'],
  ]);
  ctx.panel(0, 'Titration curves T_γ(σ)', 'Fraction of noisy inputs whose prediction flips with confidence above γ. Clean models green, backdoored pink.');
  ctx.panel(1, 'ROC of the detector', 'Logistic regression on T_γ at six σ, each model scored by a fit on the others.');
  ctx.panels[2].innerHTML = '<h2>Where the noise sends each model</h2><div class="hist"></div><p class="hint">Each cell: share of the confident flips (over every σ) / share of all predictions at the strongest σ, per class. ★ the target, ▲ the detector\'s guess (the class whose flip share most exceeds the models\' median share).</p>';
  ctx.panels[3].innerHTML = '<h2>The images</h2><canvas class="images" width="360" height="120" aria-label="Probe images (top) and with the trigger (bottom)"></canvas><p class="hint">Top: clean probes, one per class. Bottom: the same with the trigger.</p><div class="buttons"><button type="button" data-action="gpu">Titrate on the GPU</button></div>';
  ctx.csv = () => (ctx.tit.result ? ['model,backdoored,target,predicted_target,score,' + ctx.tit.result.levels.map((l) => `T_${l}`).join(','), ...ctx.tit.result.curves.map((c) => [c.model, c.backdoored, c.target ?? '', c.predicted_target, c.score, ...c.t].join(','))].join('\n') : '');
}

function showTitrate(ctx, r) {
  ctx.tit.result = r;
  ctx.setMetric('auc', r.auc.toFixed(3), r.auc);
  ctx.setMetric('targets', `${r.targets_found} of ${r.backdoored_models}`, r.targets_found);
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const clean = r.curves.filter((c) => !c.backdoored);
  const bad = r.curves.filter((c) => c.backdoored);
  ctx.setMetric('accuracy', `${mean(clean.map((c) => c.clean_accuracy)).toFixed(3)} / ${mean(bad.map((c) => c.clean_accuracy)).toFixed(3)}`);
  ctx.setMetric('attack', bad.length ? mean(bad.map((c) => c.attack_success)).toFixed(3) : '—');
  ctx.setMetric('analysis', `${r.analysis_ms.toFixed(0)} ms`, r.analysis_ms);
  ctx.setMetric('diverged', r.diverged ?? 'no');
  const curves = ctx.panels[0].querySelector('.chart');
  curves.replaceChildren();
  lineChart(curves, {
    title: 'T_γ(σ)',
    xLabel: 'σ',
    series: r.curves.map((c) => ({ label: `${c.backdoored ? 'backdoored' : 'clean'} ${c.model}`, stroke: c.backdoored ? COLOURS.backdoored : COLOURS.clean })),
  }).set(r.levels, r.curves.map((c) => c.t));
  const roc = ctx.panels[1].querySelector('.chart');
  roc.replaceChildren();
  lineChart(roc, {
    title: `ROC (AUC ${r.auc.toFixed(3)})`,
    xLabel: 'false positive rate',
    series: [{ label: 'true positive rate', stroke: COLOURS.noisy, points: true, scale: 'acc' }],
  }).set(r.roc.map((p) => p.false_positive), [r.roc.map((p) => p.true_positive)]);
  const names = ctx.tit.names ?? [];
  ctx.panels[2].querySelector('.hist').innerHTML = `<table class="hist"><tr><th>model</th>${names.map((n) => `<th>${n}</th>`).join('')}</tr>${r.curves
    .map((c) => {
      const total = c.flips.reduce((a, b) => a + b, 0) || 1;
      const all = c.histogram.reduce((a, b) => a + b, 0) || 1;
      const pct = (x, n) => `${Math.round((100 * x) / n)}%`;
      return `<tr><td>${c.backdoored ? 'backdoored' : 'clean'} ${c.model}</td>${c.flips.map((f, k) => `<td>${pct(f, total)} / ${pct(c.histogram[k], all)}${c.target === k ? ' ★' : ''}${c.backdoored && c.predicted_target === k ? ' ▲' : ''}</td>`).join('')}</tr>`;
    })
    .join('')}</table>`;
}

async function titrateOnGpu(ctx, inputs) {
  if (!inputs) {
    ctx.setMetric('gpu', 'finish the analysis first');
    return;
  }
  const device = labGpu(ctx.core.NoiseGpu);
  if (!device) {
    ctx.setMetric('gpu', NO_WEBGPU);
    return;
  }
  try {
    const t = performance.now();
    const g = await device.titrate(inputs);
    const ms = performance.now() - t;
    let worst = 0;
    g.forEach((curve, i) => curve.forEach((v, l) => (worst = Math.max(worst, Math.abs(v - inputs.cpu[i][l])))));
    ctx.setMetric('gpu', `${worst.toFixed(4)} (f32 against f64: a probe near the threshold may flip); ${ms.toFixed(0)} ms`, worst);
  } catch (e) {
    ctx.setMetric('gpu', `the GPU failed: ${e?.message ?? e}`);
  }
}


/** The (a, σ) plane, a ∈ [−2, 2], σ ∈ [0, 3], shaded where a − σ²/2 < 0, with the point (a, σ). */
function drawPlane(canvas, a, sigma) {
  const ctx = canvas.getContext('2d');
  const { width: w, height: h } = canvas;
  const X = (v) => ((v + 2) / 4) * w;
  const Y = (s) => h - (s / 3) * h;
  const image = ctx.createImageData(w, h);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const av = (i / w) * 4 - 2;
      const sv = ((h - j) / h) * 3;
      const stable = av - (sv * sv) / 2 < 0;
      image.data.set(stable ? [200, 225, 245, 255] : [250, 225, 205, 255], (j * w + i) * 4);
    }
  }
  ctx.putImageData(image, 0, 0);
  ctx.strokeStyle = '#333';
  ctx.beginPath();
  for (let k = 0; k <= 100; k++) {
    const av = (k / 100) * 2;
    const s = Math.sqrt(2 * av);
    k === 0 ? ctx.moveTo(X(av), Y(s)) : ctx.lineTo(X(av), Y(s));
  }
  ctx.stroke();
  ctx.fillStyle = '#000';
  ctx.beginPath();
  ctx.arc(X(a), Y(sigma), 4, 0, 2 * Math.PI);
  ctx.fill();
  ctx.font = '11px sans-serif';
  ctx.fillText('a →', w - 28, h - 4);
  ctx.fillText('σ ↑', 4, 12);
}

/** Clean probes (top row) and triggered ones (bottom row). */
function drawImages(canvas, im) {
  const ctx = canvas.getContext('2d');
  const size = im.channels * im.side * im.side;
  const count = im.clean.length / size;
  const cell = canvas.width / count;
  [im.clean, im.triggered].forEach((data, row) => {
    for (let k = 0; k < count; k++) {
      const levels = Array.from(data.slice(k * size, (k + 1) * size), (v) => 255 * v);
      drawPixels(ctx, levels, im.side, k * cell + 2, row * (canvas.height / 2) + 2, Math.min(cell, canvas.height / 2) - 4, canvas.height / 2 - 4, im.channels);
    }
  });
}
