// Points of the complex plane (eigenvalues, spectra) with the unit circle or
// the axes: one drawing for every lab.

/**
 * Points of the complex plane: `sets` is [{points: [[re, im]…], colour, ring}]
 * (rings are hollow, drawn in order so later sets lie on top). `guide`
 * 'circle' draws the unit circle; `crosses` ({points, colour}) marks exact
 * values. The view is square around 0 and holds every point (and the circle).
 */
export function drawPlane(canvas, sets, { guide = 'axis', crosses = null } = {}) {
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  let r = guide === 'circle' ? 1.2 : 0;
  for (const { points } of sets) for (const [re, im] of points) if (Number.isFinite(re + im)) r = Math.max(r, 1.1 * Math.abs(re), 1.1 * Math.abs(im));
  r ||= 1;
  const c = canvas.width / 2;
  const s = c / r;
  ctx.strokeStyle = '#bbb';
  ctx.beginPath();
  ctx.moveTo(0, c);
  ctx.lineTo(canvas.width, c);
  ctx.moveTo(c, 0);
  ctx.lineTo(c, canvas.height);
  ctx.stroke();
  if (guide === 'circle') {
    ctx.strokeStyle = '#555';
    ctx.beginPath();
    ctx.arc(c, c, s, 0, 2 * Math.PI);
    ctx.stroke();
  }
  if (crosses) {
    ctx.strokeStyle = crosses.colour;
    ctx.lineWidth = 2;
    for (const [re, im] of crosses.points) {
      const [x, y] = [c + re * s, c - im * s];
      ctx.beginPath();
      ctx.moveTo(x - 6, y - 6);
      ctx.lineTo(x + 6, y + 6);
      ctx.moveTo(x + 6, y - 6);
      ctx.lineTo(x - 6, y + 6);
      ctx.stroke();
    }
    ctx.lineWidth = 1;
  }
  for (const { points, colour, ring } of sets) {
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    for (const [re, im] of points) {
      if (!Number.isFinite(re) || !Number.isFinite(im)) continue;
      ctx.beginPath();
      ctx.arc(c + re * s, c - im * s, 3, 0, 2 * Math.PI);
      if (ring) ctx.stroke();
      else ctx.fill();
    }
  }
  ctx.fillStyle = '#555';
  ctx.font = '11px sans-serif';
  ctx.fillText(`±${r.toPrecision(2)}`, 4, 12);
}
