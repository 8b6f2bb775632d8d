// The Koopman lab's canvas drawings: a pendulum (truth against predictions),
// the phase portrait (θ, θ̇) with many predicted initial conditions, and the
// eigenvalues of C on the complex plane with the unit circle (drawn by
// ../../ui/plane.js). Each function draws one frame from plain arrays; the
// view decides when.

import { drawPlane } from '../../ui/plane.js';
import { PALETTE } from '../../ui/palette.js';

export const COLOURS = { truth: '#222', consistent: PALETTE.blue, plain: PALETTE.vermillion, exact: PALETTE.green, noisy: '#ccc' };

function clear(canvas) {
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  return ctx;
}

/** Pendulums hanging from one pivot, at angles `thetas` ([{theta, colour, dash}]). */
export function drawPendulum(canvas, bobs) {
  const ctx = clear(canvas);
  const cx = canvas.width / 2;
  const cy = canvas.height * 0.4;
  const r = canvas.height * 0.42;
  for (const { theta, colour, dash } of bobs) {
    if (!Number.isFinite(theta)) continue;
    const x = cx + r * Math.sin(theta);
    const y = cy + r * Math.cos(theta);
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.setLineDash(dash ? [5, 4] : []);
    ctx.beginPath();
    ctx.moveTo(cx, cy);
    ctx.lineTo(x, y);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.arc(x, y, 8, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.fillStyle = '#555';
  ctx.fillRect(cx - 3, cy - 3, 6, 6);
}

/** Bounds of the (θ, θ̇) plane that hold the clean states, with a margin. */
export function phaseBounds(clean) {
  let t = 0;
  let w = 0;
  for (let i = 0; i < clean.length; i += 2) {
    t = Math.max(t, Math.abs(clean[i]));
    w = Math.max(w, Math.abs(clean[i + 1]));
  }
  return { t: 1.35 * t || 1, w: 1.35 * w || 1 };
}

/**
 * The phase portrait at prediction step `k`: the true orbit, the noisy
 * training states, where every rollout's prediction is after k + 1 steps, and
 * the first rollout's path so far. `rollouts` is {consistent, plain}, each
 * n × steps × 2 (θ, θ̇).
 */
export function drawPhase(canvas, { clean, noisy, bounds, rollouts, n, steps, k }) {
  const ctx = clear(canvas);
  const sx = (t) => canvas.width / 2 + (t / bounds.t) * (canvas.width / 2);
  const sy = (w) => canvas.height / 2 - (w / bounds.w) * (canvas.height / 2);
  ctx.strokeStyle = '#eee';
  ctx.beginPath();
  ctx.moveTo(0, canvas.height / 2);
  ctx.lineTo(canvas.width, canvas.height / 2);
  ctx.moveTo(canvas.width / 2, 0);
  ctx.lineTo(canvas.width / 2, canvas.height);
  ctx.stroke();
  ctx.fillStyle = COLOURS.noisy;
  for (let i = 0; i < noisy.length; i += 2) ctx.fillRect(sx(noisy[i]) - 1, sy(noisy[i + 1]) - 1, 2, 2);
  ctx.strokeStyle = COLOURS.truth;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let i = 0; i < Math.min(clean.length, 2 * 200); i += 2) ctx.lineTo(sx(clean[i]), sy(clean[i + 1]));
  ctx.stroke();
  for (const [name, data] of Object.entries(rollouts)) {
    if (!data) continue;
    ctx.fillStyle = COLOURS[name];
    for (let q = 0; q < n; q++) {
      const i = (q * steps + k) * 2;
      ctx.fillRect(sx(data[i]) - 2, sy(data[i + 1]) - 2, 4, 4);
    }
    ctx.strokeStyle = COLOURS[name];
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (let j = Math.max(0, k - 60); j <= k; j++) ctx.lineTo(sx(data[j * 2]), sy(data[j * 2 + 1]));
    ctx.stroke();
  }
  ctx.fillStyle = '#555';
  ctx.font = '12px sans-serif';
  ctx.fillText('θ', canvas.width - 12, canvas.height / 2 - 4);
  ctx.fillText('θ̇', canvas.width / 2 + 4, 12);
}

/** Eigenvalues ([[re, im]]) of each model's C, the exact pair, and the unit circle. */
export function drawEigenvalues(canvas, { consistent, plain, exact }) {
  const sets = [
    { points: plain ?? [], colour: COLOURS.plain, ring: true },
    { points: consistent ?? [], colour: COLOURS.consistent },
  ];
  // e^{±inωΔt}, n = 1, 2, 3: the pendulum's frequency and its harmonics, all
  // Koopman eigenvalues of a periodic orbit (eigenfunctions e^{inφ} of its phase).
  const angle = exact ? Math.atan2(exact[1], exact[0]) : 0;
  const harmonics = [1, 2, 3].flatMap((n) => [[Math.cos(n * angle), Math.sin(n * angle)], [Math.cos(n * angle), -Math.sin(n * angle)]]);
  const crosses = exact ? { points: harmonics, colour: COLOURS.exact } : null;
  drawPlane(canvas, sets, { guide: 'circle', crosses });
}

/** The median of an array of numbers (NaN when empty). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Each seed's error for both models on a log scale, one column per seed
 * (filled: consistent, ring: plain), with each model's median as a dashed
 * line. `results` is [{seed, consistent, plain}]; non-finite errors (a
 * diverged model) sit on the top edge.
 */
export function drawSeeds(canvas, results, seeds) {
  const ctx = clear(canvas);
  const finite = results.flatMap((r) => [r.consistent, r.plain]).filter((v) => Number.isFinite(v) && v > 0);
  if (!finite.length) return;
  const lo = Math.floor(Math.log10(Math.min(...finite)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...finite))));
  const pad = { l: 34, r: 8, t: 8, b: 20 };
  const w = canvas.width - pad.l - pad.r;
  const h = canvas.height - pad.t - pad.b;
  const x = (i) => pad.l + ((i + 0.5) / seeds.length) * w;
  const y = (v) => (Number.isFinite(v) && v > 0 ? pad.t + ((hi - Math.log10(v)) / (hi - lo)) * h : pad.t);
  ctx.font = '11px sans-serif';
  ctx.fillStyle = '#555';
  ctx.strokeStyle = '#eee';
  for (let d = lo; d <= hi; d++) {
    ctx.beginPath();
    ctx.moveTo(pad.l, y(10 ** d));
    ctx.lineTo(pad.l + w, y(10 ** d));
    ctx.stroke();
    ctx.fillText(`1e${d}`, 2, y(10 ** d) + 4);
  }
  seeds.forEach((s, i) => ctx.fillText(String(s), x(i) - 3, canvas.height - 5));
  for (const [name, ring] of [['plain', true], ['consistent', false]]) {
    ctx.strokeStyle = ctx.fillStyle = COLOURS[name];
    ctx.lineWidth = 2;
    for (const r of results) {
      ctx.beginPath();
      ctx.arc(x(seeds.indexOf(r.seed)) + (ring ? 5 : -5), y(r[name]), 4.5, 0, 2 * Math.PI);
      if (ring) ctx.stroke();
      else ctx.fill();
    }
    if (results.length === seeds.length) {
      ctx.setLineDash([5, 4]);
      ctx.beginPath();
      const m = y(median(results.map((r) => r[name])));
      ctx.moveTo(pad.l, m);
      ctx.lineTo(pad.l + w, m);
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }
}
