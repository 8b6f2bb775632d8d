// The fields lab's canvas drawings: the vector field over its divergence,
// a matrix as a diverging heatmap, and a scalar image (the dye). Spectra are
// drawn by ../../ui/plane.js.
// Each function draws one frame from plain arrays; the view decides when.

import { PALETTE } from '../../ui/palette.js';

/** One colour per recurrence (Okabe–Ito: distinguishable in colour-vision deficiencies). */
export const COLOURS = { orthogonal: PALETTE.blue, unconstrained: PALETTE.vermillion, full: PALETTE.green };

/** Blue (negative) – white – red (positive), for `v` in [−1, 1]. */
function diverging(v) {
  const t = Math.max(-1, Math.min(1, v));
  return t >= 0 ? [255, 255 * (1 - t), 255 * (1 - t)] : [255 * (1 + t), 255 * (1 + t), 255];
}

/** `values` (rows × cols, row-major) scaled to the canvas without smoothing. */
function putImage(canvas, values, cols, rows, colour) {
  const image = new ImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const [r, g, b] = colour(values[i]);
    image.data.set([r, g, b, 255], i * 4);
  }
  const tmp = new OffscreenCanvas(cols, rows);
  tmp.getContext('2d').putImageData(image, 0, 0);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.save();
  // Row 0 is y = 0: draw it at the bottom.
  ctx.translate(0, canvas.height);
  ctx.scale(1, -1);
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
  ctx.restore();
  return ctx;
}

const maxAbs = (values) => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;

/**
 * The field `{res, vx, vy, div}` (row b at y = 2πb/res): divergence as the
 * background (red sources, blue sinks, on one scale `divScale` so κ reads
 * off the colour), arrows every `stride` points.
 */
export function drawField(canvas, grid, divScale, stride = 4) {
  const { res, vx, vy, div } = grid;
  const ctx = putImage(canvas, div, res, res, (v) => diverging(v / divScale));
  const cell = canvas.width / res;
  const speed = Math.max(...vx.map((x, i) => Math.hypot(x, vy[i]))) || 1;
  ctx.strokeStyle = '#222';
  ctx.lineWidth = 1;
  for (let b = 0; b < res; b += stride) {
    for (let a = 0; a < res; a += stride) {
      const i = b * res + a;
      const x = (a + 0.5) * cell;
      const y = canvas.height - (b + 0.5) * cell;
      const len = (stride * cell * 0.9) / speed;
      const dx = vx[i] * len;
      const dy = -vy[i] * len;
      ctx.beginPath();
      ctx.moveTo(x, y);
      ctx.lineTo(x + dx, y + dy);
      const angle = Math.atan2(dy, dx);
      const head = Math.min(4, Math.hypot(dx, dy) / 2);
      ctx.lineTo(x + dx - head * Math.cos(angle - 0.5), y + dy - head * Math.sin(angle - 0.5));
      ctx.moveTo(x + dx, y + dy);
      ctx.lineTo(x + dx - head * Math.cos(angle + 0.5), y + dy - head * Math.sin(angle + 0.5));
      ctx.stroke();
    }
  }
}

/** An n × n matrix as a heatmap on a symmetric scale `scale` (default its max |entry|). */
export function drawMatrix(canvas, values, n, scale = maxAbs(values)) {
  const image = new ImageData(n, n);
  for (let i = 0; i < n * n; i++) image.data.set([...diverging(values[i] / scale), 255], i * 4);
  const tmp = new OffscreenCanvas(n, n);
  tmp.getContext('2d').putImageData(image, 0, 0);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

/** A dye image (res × res, row 0 at y = 0), white (0) to dark (≥ 1); negative values (Gibbs ripples) blue. */
export function drawDye(canvas, values, res) {
  putImage(canvas, values, res, res, (v) => (v >= 0 ? [255 * (1 - Math.min(1, v)), 255 * (1 - 0.8 * Math.min(1, v)), 255 * (1 - 0.3 * Math.min(1, v))] : diverging(v)));
}
