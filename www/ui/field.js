// A vorticity field as colour: blue negative, red positive, white zero, y
// up (the flow lab's fields and the Koopman lab's wake snapshots).

/**
 * Draws field `w` (nx × ny, row = y) to fill `canvas`, with the cells of
 * `body` (1 = solid; may be empty) in grey; returns the colour scale used:
 * `scale` if given (fields compared side by side share one), else 60 % of
 * this field's peak, so the weaker vortices are visible too.
 */
export function drawField(canvas, w, nx, ny, body, scale = null) {
  if (!scale) {
    let max = 0;
    for (let i = 0; i < w.length; i++) max = Math.max(max, Math.abs(w[i]));
    scale = 0.6 * max || 1;
  }
  const image = new ImageData(nx, ny);
  const d = image.data;
  for (let y = 0; y < ny; y++) {
    const row = (ny - 1 - y) * nx;
    for (let x = 0; x < nx; x++) {
      const v = Math.max(-1, Math.min(1, w[y * nx + x] / scale));
      const o = (row + x) * 4;
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
      if (body?.[y * nx + x]) d.fill(150, o, o + 3);
    }
  }
  const tmp = new OffscreenCanvas(nx, ny);
  tmp.getContext('2d').putImageData(image, 0, 0);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
  return scale;
}

