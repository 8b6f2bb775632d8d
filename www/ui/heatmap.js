// Draws a decision boundary: a grid of class scores as colours, with the data
// points on top. The grid covers [-extent, extent]², top row first.

import { PALETTE } from './palette.js';

/** Class colours as [r, g, b]: the palette's blue, orange and green. */
const COLOURS = [PALETTE.blue, PALETTE.orange, PALETTE.green].map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));

export function drawBoundary(canvas, logits, res, classes, points, extent) {
  const size = canvas.width;
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(res, res);
  const data = image.data;
  // No allocation per pixel: at 256² this loop runs 65,536 times on the
  // main thread, and the page allows no task over 50 ms.
  for (let i = 0; i < res * res; i++) {
    // Softmax confidence of the winning class sets the saturation.
    let best = 0;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = logits[i * classes + c];
      if (v > max) {
        max = v;
        best = c;
      }
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[i * classes + c] - max);
    const confidence = 1 / sum;
    const mix = 0.25 + 0.5 * (confidence - 1 / classes) / (1 - 1 / classes);
    const colour = COLOURS[best];
    const o = i * 4;
    data[o] = 255 + (colour[0] - 255) * mix;
    data[o + 1] = 255 + (colour[1] - 255) * mix;
    data[o + 2] = 255 + (colour[2] - 255) * mix;
    data[o + 3] = 255;
  }
  // Scale the grid to the canvas without smoothing artefacts at the edges.
  const tmp = new OffscreenCanvas(res, res);
  tmp.getContext('2d').putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = res < size;
  ctx.drawImage(tmp, 0, 0, size, size);
  if (points) drawPoints(ctx, points, size, extent);
}

function drawPoints(ctx, p, size, extent) {
  const toPx = (v) => ((v + extent) / (2 * extent)) * size;
  const draw = (xs, ys, test) => {
    for (let i = 0; i < ys.length; i++) {
      const [r, g, b] = COLOURS[ys[i]];
      ctx.beginPath();
      ctx.arc(toPx(xs[2 * i]), size - toPx(xs[2 * i + 1]), test ? 3.2 : 2.4, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fill();
      ctx.lineWidth = test ? 1.4 : 0.6;
      ctx.strokeStyle = test ? '#111' : '#fff';
      ctx.stroke();
    }
  };
  draw(p.train_x, p.train_y, false);
  draw(p.test_x, p.test_y, true);
}
