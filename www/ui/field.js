// A vorticity field as colour: blue negative, red positive, white zero, y
// up (the flow lab's fields and the Koopman lab's wake snapshots).

/**
 * Draws field `w` (nx × ny, row = y) to fill `canvas`, with the cells of
 * `body` (1 = solid; may be empty) in grey; returns the colour scale used:
 * `scale` if given (fields compared side by side share one), else 60 % of
 * this field's peak, so the weaker vortices are visible too.
 *
 * The field is interpolated bilinearly between cell centres to the
 * canvas's pixels here and written with one putImageData into a canvas
 * kept in memory (`willReadFrequently`). Scaling a small canvas up with
 * drawImage instead went through the GPU process for every draw, three a
 * frame while the Koopman wake animates, and with a software GPU
 * (Chromium on SwiftShader, with WebGPU in use) held the main thread for
 * 1–3 s at a time.
 */
export function drawField(canvas, w, nx, ny, body, scale = null) {
  if (!scale) {
    let max = 0;
    for (let i = 0; i < w.length; i++) max = Math.max(max, Math.abs(w[i]));
    scale = 0.6 * max || 1;
  }
  const [width, height] = [canvas.width, canvas.height];
  const image = new ImageData(width, height);
  const d = image.data;
  // Where pixel p of n falls among m cells (centres at i + ½): the lower cell, the upper, and the weight of the upper.
  const axis = (n, m) =>
    Array.from({ length: n }, (_, p) => {
      const f = Math.min(m - 1, Math.max(0, ((p + 0.5) * m) / n - 0.5));
      const lo = Math.floor(f);
      return [lo, Math.min(m - 1, lo + 1), f - lo];
    });
  const xs = axis(width, nx);
  const ys = axis(height, ny);
  for (let py = 0; py < height; py++) {
    const [y0, y1, ty] = ys[height - 1 - py]; // y up
    for (let px = 0; px < width; px++) {
      const [x0, x1, tx] = xs[px];
      const below = w[y0 * nx + x0] + tx * (w[y0 * nx + x1] - w[y0 * nx + x0]);
      const above = w[y1 * nx + x0] + tx * (w[y1 * nx + x1] - w[y1 * nx + x0]);
      const v = Math.max(-1, Math.min(1, (below + ty * (above - below)) / scale));
      const o = (py * width + px) * 4;
      const a = Math.abs(v);
      if (v >= 0) {
        d[o] = 255;
        d[o + 1] = 255 - 200 * a;
        d[o + 2] = 255 - 220 * a;
      } else {
        d[o] = 255 - 220 * a;
        d[o + 1] = 255 - 170 * a;
        d[o + 2] = 255;
      }
      d[o + 3] = 255;
      if (body?.[(ty < 0.5 ? y0 : y1) * nx + (tx < 0.5 ? x0 : x1)]) d.fill(150, o, o + 3);
    }
  }
  canvas.getContext('2d', { willReadFrequently: true }).putImageData(image, 0, 0);
  return scale;
}
