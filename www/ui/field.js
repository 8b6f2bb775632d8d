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
  // Where pixel p of n falls among m cells (centres at i + ½): the lower
  // cell, the upper, and the weight of the upper. Typed arrays and one flat
  // loop: the first frame runs before the JIT has compiled anything, and
  // per-pixel array destructuring made it a main-thread task of 50–90 ms.
  const axis = (n, m) => {
    const lo = new Int32Array(n);
    const hi = new Int32Array(n);
    const t = new Float64Array(n);
    for (let p = 0; p < n; p++) {
      const f = Math.min(m - 1, Math.max(0, ((p + 0.5) * m) / n - 0.5));
      lo[p] = Math.floor(f);
      hi[p] = Math.min(m - 1, lo[p] + 1);
      t[p] = f - lo[p];
    }
    return { lo, hi, t };
  };
  const { lo: xlo, hi: xhi, t: xt } = axis(width, nx);
  const ys = axis(height, ny);
  const solid = body && body.length > 0;
  for (let py = 0, o = 0; py < height; py++) {
    const q = height - 1 - py; // y up
    const r0 = ys.lo[q] * nx;
    const r1 = ys.hi[q] * nx;
    const ty = ys.t[q];
    for (let px = 0; px < width; px++, o += 4) {
      const x0 = xlo[px];
      const x1 = xhi[px];
      const tx = xt[px];
      const below = w[r0 + x0] + tx * (w[r0 + x1] - w[r0 + x0]);
      const above = w[r1 + x0] + tx * (w[r1 + x1] - w[r1 + x0]);
      const v = Math.max(-1, Math.min(1, (below + ty * (above - below)) / scale));
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
      if (solid && body[(ty < 0.5 ? r0 : r1) + (tx < 0.5 ? x0 : x1)]) d.fill(150, o, o + 3);
    }
  }
  canvas.getContext('2d', { willReadFrequently: true }).putImageData(image, 0, 0);
  return scale;
}
