// What the main thread's long tasks are: a Chromium trace of a link from
// opening to its verdict (`section.lab[data-verdict]`), then each task over
// 50 ms on the page's main thread with the heaviest events inside it (a
// canvas waiting for the GPU, a worker's message handler, …). This is how
// the Koopman wake's tasks of seconds on the WebGPU path were found to be
// canvas frames waiting for SwiftShader (see www/ui/cpu-canvas.js).
//
//   node tools/trace-long-tasks.mjs LINK [gpu]      (after `make build`)

import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const [link, gpu] = [process.argv[2] ?? '#lab=koopman', process.argv[3] === 'gpu'];
const server = await serve('dist');
const args = ['--no-sandbox', '--disable-background-networking', '--disable-component-update'];
if (gpu) args.push('--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
const page = await browser.newPage();
await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'gpu', 'blink', 'blink.user_timing', 'toplevel'] });
const opened = Date.now();
await page.goto(`${server.url}${link}`);
await page.waitForSelector('section.lab[data-verdict]', { timeout: 600_000 });
console.log(`${link} (${gpu ? 'WebGPU' : 'CPU'} path): verdict ${((Date.now() - opened) / 1000).toFixed(1)} s after opening`);
const { traceEvents: events } = JSON.parse((await browser.stopTracing()).toString());
await browser.close();
server.close();

const thread = (e) => `${e.pid}:${e.tid}`;
const main = new Set(events.filter((e) => e.name === 'thread_name' && e.args.name === 'CrRendererMain').map(thread));
const spans = events.filter((e) => main.has(thread(e)) && e.ph === 'X');
const long = spans.filter((e) => e.name === 'RunTask' && e.dur > 50_000);
console.log(`${long.length} main-thread tasks over 50 ms`);
for (const task of long) {
  const inside = spans.filter((e) => e !== task && thread(e) === thread(task) && e.ts >= task.ts && e.ts < task.ts + task.dur);
  // The page's performance.mark()s inside the task (lab-page.js marks each worker message: `lab:type`).
  const marks = events.filter((e) => e.cat?.includes('user_timing') && thread(e) === thread(task) && e.ts >= task.ts && e.ts < task.ts + task.dur);
  const named = marks.length ? `; marks (ms into the task): ${marks.map((e) => `${e.name} ${((e.ts - task.ts) / 1000).toFixed(1)}`).join(', ')}` : '';
  // Where Chromium posted the task from (its scheduler's annotation), which
  // tells the page's own work from the browser's: for example
  // widget_base.cc Shutdown, the tab's first (about:blank) page torn down a
  // second after the link opened, waiting for the compositor to finish with
  // the GPU process (177–901 ms with SwiftShader busy; not the page's code).
  const posted = inside.find((e) => e.name === 'ThreadControllerImpl::RunTask' && e.args?.src_file);
  const from = posted ? `; posted from ${posted.args.src_file.split('/').at(-1)} ${posted.args.src_func ?? ''}`.trimEnd() : '';
  console.log(`\n${(task.dur / 1000).toFixed(0)} ms, ${((task.ts - long[0].ts) / 1e6).toFixed(1)} s after the first${named}${from}`);
  for (const e of inside.sort((a, b) => b.dur - a.dur).slice(0, 6)) {
    const data = e.args?.data ?? {};
    console.log(`  ${(e.dur / 1000).toFixed(1).padStart(8)} ms  ${e.name} ${data.functionName ?? ''} ${data.url ?? ''}`.trimEnd());
  }
}
