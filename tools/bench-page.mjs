// Page benchmark: main-thread long tasks while the depth lab trains, with and
// without WebGPU (start-up, up to the first drawn boundary, counted apart). Responsiveness is a speed target, so it is measured here
// (medians over runs, printed), not asserted in a timed test.
//
//   node tools/bench-page.mjs [runs]      (after `make build`)

import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const runs = Number(process.argv[2] ?? 3);
const server = await serve('dist');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const webgpu of [true, false]) {
  const args = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];
  if (webgpu) args.push('--enable-unsafe-webgpu');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
  const worst = [];
  const counts = [];
  const seconds = [];
  const startup = [];
  for (let r = 0; r < runs; r++) {
    const page = await browser.newPage();
    await page.goto(`${server.url}#lab=depth&epochs=100`);
    // Start-up (compiling wasm and shaders, the first layout) is reported on
    // its own; training is observed from the first drawn boundary on.
    await page.waitForFunction(() => document.querySelector('[data-metric="eval-accuracy"]')?.textContent, null, { timeout: 120_000 });
    const t0 = Date.now();
    await page.evaluate(() => {
      globalThis.longTasks = [];
      new PerformanceObserver((l) => globalThis.longTasks.push(...l.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
    });
    await page.waitForFunction(() => document.querySelector('[data-metric="epoch"]')?.textContent === '100', null, { timeout: 180_000 });
    seconds.push((Date.now() - t0) / 1000);
    const tasks = await page.evaluate(() => globalThis.longTasks);
    worst.push(Math.max(0, ...tasks));
    counts.push(tasks.filter((d) => d > 50).length);
    const early = await page.evaluate(
      () =>
        new Promise((resolve) =>
          new PerformanceObserver((l, o) => {
            o.disconnect();
            resolve(l.getEntries().filter((e) => e.startTime < performance.getEntriesByName('depth:eval')[0]?.startTime).length);
          }).observe({ type: 'longtask', buffered: true }),
        ),
    );
    startup.push(early);
    await page.close();
  }
  await browser.close();
  console.log(
    `${webgpu ? 'WebGPU' : 'CPU   '}: training to epoch 100 of the default spiral took ${median(seconds).toFixed(1)} s (median of ${runs}); ` +
      `start-up tasks over 50 ms before the first boundary: [${startup.join(', ')}]; while training: ` +
      `longest main-thread task ${median(worst).toFixed(0)} ms (median), tasks over 50 ms per run: [${counts.join(', ')}] (target: 0)`,
  );
}
server.close();
