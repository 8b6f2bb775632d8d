// Long main-thread tasks with what ran in them: a Chromium trace of a link
// until its verdict, then every RunTask over 50 ms on the renderer's main
// thread with its heaviest child events and the JS samples inside it.
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';
process.chdir(process.argv[4] ?? '/work/main');
const [link, gpu] = [process.argv[2], process.argv[3] === 'gpu'];
const server = await serve('dist');
const args = ['--no-sandbox', '--disable-background-networking', '--disable-component-update'];
if (gpu) args.push('--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
const page = await browser.newPage();
await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.stack', 'v8.execute', 'disabled-by-default-v8.cpu_profiler', 'gpu', 'blink', 'toplevel'] });
const t0 = Date.now();
await page.goto(`${server.url}${link}`);
await page.waitForSelector('section.lab[data-verdict]', { timeout: 400_000 });
console.log('verdict after', (Date.now() - t0) / 1000, 's');
const buf = await browser.stopTracing();
writeFileSync('/tmp/trace.json', buf);
await browser.close();
server.close();
