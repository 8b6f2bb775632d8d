// Line charts (uPlot). A chart holds its data and redraws at most once per
// animation frame, however often points arrive. Vertical marks (refinements,
// divergence) are drawn over the plot.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

// Charts waiting to be built, one per frame, each in a task of its own after
// the frame. Built together, a view's charts made one long task (the noise
// page's start-up took 60–80 ms), and their canvases all reached the
// compositor in one frame: the depth page's first frame spent 33–42 ms
// committing them (Chromium's trace: LayerTreeHost::DoUpdateLayers), 65–86 ms
// in all.
const waiting = [];
function buildSoon(build) {
  waiting.push(build);
  if (waiting.length === 1) requestAnimationFrame(buildNext);
}
function buildNext() {
  setTimeout(() => {
    // A chart that fails to build (reported as any uncaught error) does not hold up the others.
    try {
      waiting.shift()();
    } finally {
      if (waiting.length) requestAnimationFrame(buildNext);
    }
  }, 0);
}

/**
 * `series`: [{label, stroke, scale ('y' left, or 'acc' right 0–1), dash}].
 * Options: xLog, yLog (log10 axes), width, height.
 */
export function lineChart(container, { title, xLabel, series, xLog = false, yLog = false, width = 360, height = 220 }) {
  const data = [[], ...series.map(() => [])];
  const marks = [];
  const opts = {
    title,
    width,
    height,
    scales: {
      x: { time: false, distr: xLog ? 3 : 1 },
      y: { distr: yLog ? 3 : 1 },
      acc: { range: [0, 1] },
    },
    axes: [{ label: xLabel }, { scale: 'y' }, ...(series.some((s) => s.scale === 'acc') ? [{ scale: 'acc', side: 1, grid: { show: false } }] : [])],
    series: [
      { label: xLabel },
      ...series.map((s) => ({ label: s.label, stroke: s.stroke, scale: s.scale ?? 'y', width: 1.5, dash: s.dash, points: { show: s.points ?? false } })),
    ],
    hooks: {
      draw: [
        (u) => {
          const { ctx } = u;
          ctx.save();
          for (const m of marks) {
            const x = u.valToPos(m.x, 'x', true);
            ctx.strokeStyle = m.color;
            ctx.setLineDash([4, 3]);
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.fillStyle = m.color;
            ctx.font = `${11 * devicePixelRatio}px sans-serif`;
            ctx.fillText(m.label, x + 3, u.bbox.top + 12 * devicePixelRatio);
          }
          ctx.restore();
        },
      ],
    },
  };
  // uPlot is built later, one chart per frame (`buildSoon`). Points that
  // come before it collect in `data`, which it then draws. It takes its
  // container's width then, so the resize observer's first call finds
  // nothing to change.
  let plot = null;
  buildSoon(() => {
    if (container.clientWidth > 0) opts.width = Math.floor(container.clientWidth);
    plot = new uPlot(opts, data, container);
    new ResizeObserver(fit).observe(container);
  });
  // The text alternative: what is drawn, and each series' latest value.
  container.setAttribute('role', 'img');
  const describe = () => {
    const last = series
      .map((s, i) => {
        const ys = data[i + 1];
        const y = ys?.findLast?.((v) => v !== null && v !== undefined);
        return y === undefined ? null : `${s.label} ${Number(y).toPrecision(3)}`;
      })
      .filter(Boolean);
    const at = data[0].length ? ` at ${xLabel} ${data[0].at(-1)}` : '';
    container.setAttribute('aria-label', `${title ?? 'Chart'}: ${series.map((s) => s.label).join(', ')} against ${xLabel}${last.length ? `; latest${at}: ${last.join(', ')}` : '; no data yet'}.`);
  };
  describe();
  // The chart follows its container's width (phones, resized windows);
  // `width` is only the first guess. The redrawn chart is sized in a task of
  // its own: inside the observer's callback every chart's redraw would add
  // to the frame being drawn (28 ms of the depth page's first frame).
  const fit = () =>
    setTimeout(() => {
      const w = Math.floor(container.clientWidth);
      if (w > 0 && w !== plot.width) plot.setSize({ width: w, height });
    }, 0);
  let pending = false;
  // Each chart draws in a task of its own after the frame (not inside the
  // animation-frame callback, where every chart's redraw would add up to one
  // long task).
  const redraw = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() =>
      setTimeout(() => {
        pending = false;
        plot?.setData(data);
        describe();
      }, 0),
    );
  };
  return {
    push(x, ys) {
      data[0].push(x);
      ys.forEach((y, i) => data[i + 1].push(y));
      redraw();
    },
    /** Replaces all data: `xs`, and one array per series. */
    set(xs, columns) {
      data[0] = xs;
      columns.forEach((c, i) => (data[i + 1] = c));
      redraw();
    },
    mark(x, label, color = '#555') {
      marks.push({ x, label, color });
      redraw();
    },
    clear() {
      data.forEach((d) => (d.length = 0));
      marks.length = 0;
      plot?.setData(data);
    },
    csv() {
      const head = [xLabel, ...series.map((s) => s.label)].join(',');
      const rows = data[0].map((_, r) => data.map((col) => col[r]).join(','));
      return [head, ...rows].join('\n');
    },
  };
}
