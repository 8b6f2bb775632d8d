// Page benchmark: main-thread long tasks while a lab trains (the depth lab's
// default spiral, the Koopman lab's two models with their animation), with
// and without WebGPU. Start-up — compiling wasm and shaders, the first
// layout, up to the first drawn evaluation — is counted apart. Responsiveness
// is a speed target, so it is measured here (medians over runs, printed), not
// asserted in a timed test. Training's pace is given twice: from opening the
// page to the last epoch, and per epoch from the first epoch the page shows
// (start-up left out). After the depth lab trains, it also measures how
// fast the depth flow redraws (scrubbing through depth), how long a boundary
// takes from moving the evaluation-steps slider to the drawn result, and the
// page's frame rate while the flow animates. The flow lab: time to the first
// analysis, then long tasks, analyses and frames during 10 s of play.
//
//   node tools/bench-page.mjs [runs] [lab]      (after `make build`; lab: only that one)

import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const runs = Number(process.argv[2] ?? 3);
const only = process.argv[3];
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
  for (const [lab, link, epochs, drawn] of LABS.filter(([lab]) => !only || lab === only)) {
    const worst = [];
    const counts = [];
    const seconds = [];
    const startup = [];
    const first = [];
    const perEpoch = [];
    const animation = [];
    for (let r = 0; r < runs; r++) {
      const page = await observedPage(browser);
      // Both clocks start at opening: with WebGPU the first evaluation can
      // land after training has already finished (the pipelines compile
      // meanwhile), so timing training from the first drawn evaluation
      // would measure nothing.
      const opened = Date.now();
      const since = () => (Date.now() - opened) / 1000;
      await page.goto(`${server.url}${link}`);
      const trained = page
        .waitForFunction((n) => document.querySelector('[data-metric="epoch"]')?.textContent === String(n), epochs, { timeout: 240_000 })
        .then(since);
      await page.waitForFunction((m) => document.querySelector(`[data-metric="${m}"]`)?.dataset.epoch, drawn, { timeout: 120_000 });
      first.push(since());
      const early = await page.evaluate(() => globalThis.longTasks.splice(0));
      startup.push(early.filter((d) => d > 50).length);
      seconds.push(await trained);
      perEpoch.push(await epochPace(page, epochs));
      const tasks = await page.evaluate(() => globalThis.longTasks);
      if (lab === 'depth') animation.push(await animationFigures(page));
      worst.push(Math.max(0, ...tasks));
      counts.push(tasks.filter((d) => d > 50).length);
      await page.close();
    }
    console.log(
      `${webgpu ? 'WebGPU' : 'CPU   '} ${lab.padEnd(7)}: first evaluation drawn ${median(first).toFixed(1)} s after opening; ` +
        `start-up tasks over 50 ms: [${startup.join(', ')}]; training reached epoch ${epochs} ${median(seconds).toFixed(1)} s after opening (medians of ${runs}); ` +
        `from the first epoch shown to epoch ${epochs}: ${median(perEpoch).toFixed(1)} ms per epoch (median; start-up excluded); ` +
        `longest main-thread task ${median(worst).toFixed(0)} ms (median), tasks over 50 ms per run: [${counts.join(', ')}] (target: 0)`,
    );
    if (animation.length) {
      const m = (key) => median(animation.map((a) => a[key]));
      console.log(
        `${webgpu ? 'WebGPU' : 'CPU   '} depth  : depth-flow redraws ${m('flowFps').toFixed(0)} per second; boundary from slider to drawn ` +
          `${m('boundaryMs').toFixed(0)} ms (${(1000 / m('boundaryMs')).toFixed(1)} boundaries per second); page ${m('pageFps').toFixed(0)} frames per second while the flow animates`,
      );
    }
  }
  if (!only || only === 'flow') await flowFigures(browser, webgpu ? 'WebGPU' : 'CPU   ');
  await browser.close();
}
server.close();

/**
 * The flow lab: time to the first analysis, then 10 s of play (the flow
 * animating and the network re-analysed over and over), counting main-thread
 * tasks over 50 ms, analyses, frames drawn and simulated time.
 */
async function flowFigures(browser, label) {
  const link = '#lab=flow&res=64&t=0.2&threshold=0.05&nodes=1500&l=100';
  const rows = [];
  for (let r = 0; r < runs; r++) {
    const page = await observedPage(browser);
    const opened = Date.now();
    await page.goto(`${server.url}${link}`);
    await page.waitForFunction(() => document.querySelector('[data-metric="analysed-t"]')?.dataset.value, null, { timeout: 300_000 });
    const first = (Date.now() - opened) / 1000;
    await page.evaluate(() => globalThis.longTasks.splice(0));
    const t0 = Number(await page.locator('[data-metric="time"]').getAttribute('data-value'));
    const played = await page.evaluate(async () => {
      let analyses = 0;
      let frames = 0;
      const o = new MutationObserver(() => analyses++);
      o.observe(document.querySelector('[data-metric="analysed-t"]'), { childList: true, characterData: true, subtree: true });
      const f = new MutationObserver(() => frames++);
      f.observe(document.querySelector('[data-metric="time"]'), { childList: true, characterData: true, subtree: true });
      document.querySelector('[data-action="play"]').click();
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      document.querySelector('[data-action="pause"]').click();
      o.disconnect();
      f.disconnect();
      return { analyses, frames };
    });
    const t1 = Number(await page.locator('[data-metric="time"]').getAttribute('data-value'));
    const tasks = await page.evaluate(() => globalThis.longTasks);
    const value = (m) => page.locator(`[data-metric="${m}"]`).getAttribute('data-value').then(Number);
    rows.push({ first, ...played, simulated: t1 - t0, long: tasks.filter((d) => d > 50).length, worst: Math.max(0, ...tasks), nystrom: await value('nystrom-ms'), exact: await value('exact-ms'), nodes: await value('nodes') });
    await page.close();
  }
  const m = (key) => median(rows.map((x) => x[key]));
  console.log(
    `${label} flow   : ${m('nodes')} nodes; first analysis ${m('first').toFixed(1)} s after opening; in 10 s of play: ${m('analyses')} analyses, ` +
      `${m('frames')} fields drawn, ${m('simulated').toFixed(2)} time units simulated; Nyström ${m('nystrom').toFixed(0)} ms, exact ${m('exact').toFixed(0)} ms; ` +
      `longest main-thread task ${m('worst').toFixed(0)} ms (median), tasks over 50 ms per run: [${rows.map((x) => x.long).join(', ')}] (target: 0)`,
  );
}

/**
 * A new page that records the duration of every main-thread long task in
 * `globalThis.longTasks`, and in `globalThis.epochShown[n]` the time the
 * epoch counter first showed n.
 */
async function observedPage(browser) {
  const page = await browser.newPage();
  await page.addInitScript(() => {
    globalThis.longTasks = [];
    new PerformanceObserver((l) => globalThis.longTasks.push(...l.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
    globalThis.epochShown = {};
    new MutationObserver(() => {
      const n = document.querySelector('[data-metric="epoch"]')?.textContent;
      if (n && !(n in globalThis.epochShown)) globalThis.epochShown[n] = performance.now();
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  return page;
}

/**
 * Milliseconds per epoch between the first epoch the page showed and epoch
 * `last`: training's pace with start-up (wasm, shaders, data) left out.
 */
async function epochPace(page, last) {
  const shown = await page.evaluate(() => globalThis.epochShown);
  const first = Math.min(...Object.keys(shown).map(Number).filter((n) => n >= 1));
  return (shown[last] - shown[first]) / (last - first);
}

/** Drawing speeds of the trained depth lab (medians of a few repeats each). */
async function animationFigures(page) {
  return page.evaluate(async () => {
    const flow = document.querySelector('[data-flow="t"]');
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 500) {
      flow.value = String(n % (Number(flow.max) + 1));
      flow.dispatchEvent(new Event('input'));
      n++;
    }
    const flowFps = n / ((performance.now() - t0) / 1000);

    const metric = document.querySelector('[data-metric="eval-accuracy"]');
    const steps = document.querySelector('[data-knob="esteps"]');
    const times = [];
    for (const value of ['4', '16', '2', '32', '8']) {
      const drawn = new Promise((resolve) => {
        const o = new MutationObserver(() => {
          o.disconnect();
          resolve();
        });
        o.observe(metric, { childList: true, characterData: true, subtree: true });
      });
      const start = performance.now();
      steps.value = value;
      steps.dispatchEvent(new Event('change'));
      await drawn;
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);

    document.querySelector('[data-flow="play"]').click();
    let frames = 0;
    const f0 = performance.now();
    await new Promise((resolve) => {
      const tick = () => {
        frames++;
        if (performance.now() - f0 < 2000) requestAnimationFrame(tick);
        else resolve();
      };
      requestAnimationFrame(tick);
    });
    const pageFps = frames / ((performance.now() - f0) / 1000);
    document.querySelector('[data-flow="play"]').click();
    return { flowFps, boundaryMs: times[2], pageFps };
  });
}
