// Drawing for the flow lab: the network's nodes over the vorticity field
// (../../ui/field.js), sized and coloured by an eigenvector's magnitude.

/**
 * Nodes at (x, y) in flow units (cell size h) over a field of nx × ny cells;
 * `vector` holds |u_i|, drawn as dark squares growing with |u_i|. Columns
 * sampled for Nyström are ringed when `samples` is given.
 */
export function drawNodes(canvas, network, vector, h, nx, ny, samples) {
  const ctx = canvas.getContext('2d');
  const sx = canvas.width / (nx * h);
  const sy = canvas.height / (ny * h);
  let max = 0;
  for (const v of vector) max = Math.max(max, v);
  const { x, y } = network;
  ctx.fillStyle = 'rgba(20, 20, 20, 0.75)';
  for (let i = 0; i < x.length; i++) {
    const m = max > 0 ? vector[i] / max : 0;
    if (m < 0.05) continue;
    const r = 0.8 + 3.2 * m;
    ctx.fillRect(x[i] * sx - r / 2, canvas.height - y[i] * sy - r / 2, r, r);
  }
  if (samples) {
    ctx.strokeStyle = 'rgba(0, 140, 60, 0.9)';
    ctx.lineWidth = 1;
    for (const j of samples) {
      ctx.strokeRect(x[j] * sx - 2.5, canvas.height - y[j] * sy - 2.5, 5, 5);
    }
  }
}

/**
 * An eigenvector on the nodes, signed: each node a square of at least 3 px,
 * coloured blue (negative) – white – red (positive) on the scale `scale`
 * (the larger |u| of the two views drawn side by side), over a light
 * outline of the flow's domain. The `samples` (Nyström's columns) are ringed.
 */
export function drawVector(canvas, network, u, scale, h, nx, ny, samples) {
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#f7f7f7';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const sx = canvas.width / (nx * h);
  const sy = canvas.height / (ny * h);
  const { x, y } = network;
  // Small magnitudes first, so the structure sits on top.
  const order = Array.from(u.keys()).sort((a, b) => Math.abs(u[a]) - Math.abs(u[b]));
  const size = Math.max(3, Math.min(8, canvas.width / Math.sqrt(x.length)));
  for (const i of order) {
    const v = Math.max(-1, Math.min(1, u[i] / (scale || 1)));
    const a = Math.abs(v);
    const [r, g, b] = v >= 0 ? [255, 255 - 200 * a, 255 - 220 * a] : [255 - 220 * a, 255 - 170 * a, 255];
    ctx.fillStyle = `rgb(${r | 0}, ${g | 0}, ${b | 0})`;
    ctx.fillRect(x[i] * sx - size / 2, canvas.height - y[i] * sy - size / 2, size, size);
  }
  if (samples) {
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.8)';
    ctx.lineWidth = 1;
    for (const j of samples) ctx.strokeRect(x[j] * sx - size / 2 - 1.5, canvas.height - y[j] * sy - size / 2 - 1.5, size + 3, size + 3);
  }
}
