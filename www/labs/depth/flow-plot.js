// The depth flow: the hidden states of the test points moving through depth
// t ∈ [0, 1], drawn as a 2D scatter at each step boundary, with a scrubber
// and an animation. States with d > 2 are shown by their first two
// coordinates (the caption says so).

import { PALETTE } from '../../ui/palette.js';

const COLOURS = [PALETTE.blue, PALETTE.orange, PALETTE.green];

export function depthFlow(panel) {
  panel.innerHTML = `
    <h2>Depth flow</h2>
    <canvas class="flow" width="320" height="320" aria-label="Hidden states of the test points at the chosen depth"></canvas>
    <div class="control">
      <label for="flow-t">Depth t</label>
      <input id="flow-t" type="range" min="0" max="8" step="1" value="0" data-flow="t">
      <output for="flow-t">0</output>
    </div>
    <div class="buttons"><button type="button" data-flow="play">Animate</button></div>
    <p class="hint projection"></p>`;
  const canvas = panel.querySelector('canvas');
  const slider = panel.querySelector('input');
  const out = panel.querySelector('output');
  const caption = panel.querySelector('.projection');
  let traj = null;
  let labels = null;
  let shape = { steps: 0, n: 0, d: 0 };
  let animating = null;

  const draw = () => {
    if (!traj) return;
    const step = Number(slider.value);
    const { steps, n, d } = shape;
    out.textContent = `${(step / steps).toFixed(3)}`;
    // One scale for all depths so the motion is visible.
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < traj.length; i += d) {
      for (const v of [traj[i], traj[i + 1]]) {
        if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
      }
    }
    const pad = 0.05 * (hi - lo || 1);
    const scale = (v) => ((v - lo + pad) / (hi - lo + 2 * pad)) * canvas.width;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    for (let p = 0; p < n; p++) {
      const at = (step * n + p) * d;
      ctx.beginPath();
      ctx.arc(scale(traj[at]), canvas.height - scale(traj[at + 1]), 2.6, 0, 2 * Math.PI);
      ctx.fillStyle = COLOURS[labels[p]];
      ctx.fill();
    }
  };

  slider.addEventListener('input', draw);
  panel.querySelector('[data-flow="play"]').addEventListener('click', () => {
    if (animating) return;
    slider.value = '0';
    const tick = () => {
      draw();
      if (Number(slider.value) >= shape.steps) {
        animating = null;
        return;
      }
      slider.value = String(Number(slider.value) + 1);
      animating = setTimeout(() => requestAnimationFrame(tick), 120);
    };
    tick();
  });

  return {
    /** `trajectory`: (steps + 1) × n × d states; `y`: the n labels. */
    show(trajectory, y, steps, d) {
      const n = y.length;
      const atEnd = Number(slider.value) === shape.steps;
      traj = trajectory;
      labels = y;
      shape = { steps, n, d };
      slider.max = String(steps);
      if (atEnd || Number(slider.value) > steps) slider.value = String(steps);
      caption.textContent =
        d > 2 ? `State dimension d = ${d}: showing coordinates 1 and 2 of the hidden state.` : 'The 2D hidden state itself.';
      draw();
    },
  };
}
