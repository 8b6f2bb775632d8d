// Live line charts (uPlot). A chart holds its data and redraws at most once
// per animation frame, however often points arrive.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * A chart of several series against x. `series`: [{label, stroke, scale}],
 * with scale 'y' (left axis) or 'acc' (right axis, 0–1).
 */
export function lineChart(container, title, xLabel, series, width = 420, height = 220) {
  const data = [[], ...series.map(() => [])];
  const opts = {
    title,
    width,
    height,
    scales: { x: { time: false }, acc: { range: [0, 1] } },
    axes: [
      { label: xLabel },
      { scale: 'y' },
      { scale: 'acc', side: 1, grid: { show: false } },
    ],
    series: [{ label: xLabel }, ...series.map((s) => ({ label: s.label, stroke: s.stroke, scale: s.scale ?? 'y', width: 1.5 }))],
  };
  const plot = new uPlot(opts, data, container);
  let pending = false;
  return {
    push(x, ys) {
      data[0].push(x);
      ys.forEach((y, i) => data[i + 1].push(y));
      if (!pending) {
        pending = true;
        requestAnimationFrame(() => {
          pending = false;
          plot.setData(data);
        });
      }
    },
    clear() {
      data.forEach((d) => (d.length = 0));
      plot.setData(data);
    },
    csv() {
      const head = [xLabel, ...series.map((s) => s.label)].join(',');
      const rows = data[0].map((_, r) => data.map((col) => col[r]).join(','));
      return [head, ...rows].join('\n');
    },
  };
}
