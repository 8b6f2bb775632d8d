// Page benchmark: main-thread long tasks while a lab trains (the depth lab's
// default spiral, the Koopman lab's two models with their animation), with
// and without WebGPU. Start-up — compiling wasm and shaders, the first
// layout, up to the first drawn evaluation — is counted apart. Responsiveness
// is a speed target, so it is measured here (medians over runs, printed), not
// asserted in a timed test.
//
//   node tools/bench-page.mjs [runs]      (after `make build`)

import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const runs = Number(process.argv[2] ?? 3);
const server = await serve('dist');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// [lab, link, epochs, the metric that carries data-epoch once an evaluation is drawn]
const LABS = [
  ['depth', '#lab=depth&epochs=100', 100, 'eval-accuracy'],
  ['koopman', '#lab=koopman&epochs=60', 60, 'rel-error'],
];

for (const webgpu of [true, false]) {
  const args = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];
  if (webgpu) args.push('--enable-unsafe-webgpu');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
  for (const [lab, link, epochs, drawn] of LABS) {
    const worst = [];
    const counts = [];
    const seconds = [];
    const startup = [];
    const first = [];
    for (let r = 0; r < runs; r++) {
      const page = await browser.newPage();
      await page.addInitScript(() => {
        globalThis.longTasks = [];
        new PerformanceObserver((l) => globalThis.longTasks.push(...l.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
      });
      const opened = Date.now();
      await page.goto(`${server.url}${link}`);
      await page.waitForFunction((m) => document.querySelector(`[data-metric="${m}"]`)?.dataset.epoch, drawn, { timeout: 120_000 });
      first.push((Date.now() - opened) / 1000);
      const early = await page.evaluate(() => globalThis.longTasks.splice(0));
      startup.push(early.filter((d) => d > 50).length);
      const t0 = Date.now();
      await page.waitForFunction((n) => document.querySelector('[data-metric="epoch"]')?.textContent === String(n), epochs, { timeout: 240_000 });
      seconds.push((Date.now() - t0) / 1000);
      const tasks = await page.evaluate(() => globalThis.longTasks);
      worst.push(Math.max(0, ...tasks));
      counts.push(tasks.filter((d) => d > 50).length);
      await page.close();
    }
    console.log(
      `${webgpu ? 'WebGPU' : 'CPU   '} ${lab.padEnd(7)}: first evaluation drawn ${median(first).toFixed(1)} s after opening; ` +
        `start-up tasks over 50 ms: [${startup.join(', ')}]; then training to epoch ${epochs} took ${median(seconds).toFixed(1)} s (medians of ${runs}); ` +
        `longest main-thread task ${median(worst).toFixed(0)} ms (median), tasks over 50 ms per run: [${counts.join(', ')}] (target: 0)`,
    );
  }
  await browser.close();
}
server.close();
