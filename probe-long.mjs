import { chromium } from 'playwright-core';
import { serve } from './tools/serve.mjs';
const lab = process.argv[2] ?? '#lab=noise';
const webgpu = process.argv[3] === 'gpu';
const server = await serve('dist');
const args = ['--no-sandbox'];
if (webgpu) args.push('--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
const page = await browser.newPage();
await page.addInitScript(() => {
  globalThis.longTasks = [];
  new PerformanceObserver((l) => globalThis.longTasks.push(...l.getEntries().map((e) => [e.startTime, e.duration]))).observe({ type: 'longtask' });
});
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
await cdp.send('Profiler.start');
await page.goto(`${server.url}${lab}`);
await page.waitForSelector('section.lab[data-verdict]', { timeout: 300_000 });
const { profile } = await cdp.send('Profiler.stop');
const tasks = await page.evaluate(() => globalThis.longTasks);
const origin = await page.evaluate(() => performance.timeOrigin);
console.log('long tasks', JSON.stringify(tasks.map(([s, d]) => [Math.round(s), Math.round(d)])));
// samples → time
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
let t = profile.startTime;
const stackOf = (id) => { const out = []; while (id !== undefined) { const n = byId.get(id); out.push(`${n.callFrame.functionName || '(anon)'}@${(n.callFrame.url.split('/').pop() || '')}:${n.callFrame.lineNumber}`); id = parent.get(id); } return out; };
// busy windows: consecutive samples whose leaf is not (idle), gaps under 2 ms merged
let tt = profile.startTime;
let win = null;
const wins = [];
profile.samples.forEach((id, i) => {
  tt += profile.timeDeltas[i];
  const leaf = byId.get(id).callFrame.functionName;
  if (leaf === '(idle)') return;
  if (win && tt - win.end < 2000) { win.end = tt; win.ids.push(id); }
  else { win = { start: tt, end: tt, ids: [id] }; wins.push(win); }
});
for (const w of wins.filter((w) => w.end - w.start > 40000)) {
  const agg = new Map();
  for (const id of w.ids) for (const f of new Set(stackOf(id).slice(0, 10))) agg.set(f, (agg.get(f) ?? 0) + 0.2);
  console.log(`busy ${((w.start - profile.startTime) / 1000).toFixed(0)} ms for ${((w.end - w.start) / 1000).toFixed(0)} ms:`);
  [...agg.entries()].sort((a, b) => b[1] - a[1]).slice(0, 22).forEach(([f, ms]) => console.log(`   ${ms.toFixed(1)} ms ${f}`));
}
await browser.close();
server.close();
