// Time to a verdict: each lab's claim preset (its first claim's link in the
// claims registry, as docs/claims.json recorded it) opened in a fresh page,
// timed from opening to the moment the page shows the run's report, the one
// its claims read (`section.lab[data-verdict]`, set by ui/metrics.js), on the
// CPU path and with WebGPU; with the longest main-thread task and the count
// of tasks over 50 ms in that span. Budgets (issue "Lean and quick"): the
// verdict within 30 s on the CPU path of a 2-core machine, no task over 50 ms.
//
//   node tools/bench-verdict.mjs [lab [link]]      (after `make build`)
//
// With a link, that link is timed in place of the lab's first claim preset
// (for example the depth lab's digits preset, whose budget is 60 s).

import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { nativeSeconds } from './native.mjs';
import { serve } from './serve.mjs';

const BUDGET_S = 30;
const only = process.argv[2];
const server = await serve('dist');
const first = new Map();
for (const c of JSON.parse(readFileSync('docs/claims.json', 'utf8')).claims) if (!first.has(c.lab)) first.set(c.lab, c.link);
if (only && process.argv[3]) first.set(only, process.argv[3]);

for (const webgpu of [false, true]) {
  const args = ['--no-sandbox', '--disable-background-networking', '--disable-component-update'];
  if (webgpu) args.push('--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
  for (const [lab, link] of first) {
    if (only && lab !== only) continue;
    // The same link run natively just before (CPU pass only): this hour's reference.
    const native = webgpu ? null : nativeSeconds(['run', link]);
    const page = await browser.newPage();
    await page.addInitScript(() => {
      globalThis.longTasks = [];
      new PerformanceObserver((l) => globalThis.longTasks.push(...l.getEntries().map((e) => [e.startTime, e.duration]))).observe({ type: 'longtask' });
    });
    await page.goto(`${server.url}${link}`);
    const path = webgpu ? 'WebGPU' : 'CPU   ';
    try {
      await page.waitForSelector('section.lab[data-verdict]', { timeout: 300_000 });
    } catch {
      console.log(`verdict ${path} ${lab.padEnd(8)}: no verdict within 300 s (${link})`);
      await page.close();
      continue;
    }
    const at = Number(await page.getAttribute('section.lab', 'data-verdict'));
    const tasks = (await page.evaluate(() => globalThis.longTasks)).filter(([start]) => start <= at).map(([, d]) => d);
    const seconds = at / 1000;
    console.log(
      `verdict ${path} ${lab.padEnd(8)}: ${seconds.toFixed(1)} s after opening ${link}` +
        (webgpu || process.argv[3] ? '' : ` (budget ${BUDGET_S} s: ${seconds <= BUDGET_S ? 'within' : 'over'})`) +
        (native === null ? '' : `; native \`continuum run\` just before: ${native.toFixed(1)} s (page ÷ native ${(seconds / native).toFixed(2)})`) +
        `; longest main-thread task ${Math.max(0, ...tasks).toFixed(0)} ms, tasks over 50 ms: ${tasks.filter((d) => d > 50).length} (budget 0)`,
    );
    await page.close();
  }
  await browser.close();
}
server.close();
