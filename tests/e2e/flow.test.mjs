// The flow lab page end to end, run with and without WebGPU. With WebGPU the
// flow, the sampled columns and Lanczos' mat-vecs run on the GPU
// (SwiftShader here, which is slow: the links are small); without, the
// worker does all of it on the CPU.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { useBrowser, ready, WEBGPU, metric } from './browser.mjs';

const env = useBrowser();

const value = (page, name) => page.locator(`[data-metric="${name}"]`).getAttribute('data-value');

async function analysed(page, after = -1) {
  await page.waitForFunction((a) => Number(document.querySelector('[data-metric="analysed-t"]')?.dataset.value ?? -1) > a, after, {
    timeout: 180_000,
  });
  return Number(await value(page, 'analysed-t'));
}

/** Red and blue pixels of the field canvas: a vorticity field has both signs. */
const colours = (page) =>
  page.evaluate(() => {
    const c = document.querySelector('canvas.field');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let red = 0;
    let blue = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] > 200 && d[i + 2] < 150) red++;
      if (d[i + 2] > 200 && d[i] < 150) blue++;
    }
    return { red, blue };
  });

// About 1 200 nodes: above the dense solver's limit, so the exact pairs come
// from Lanczos — on GPU mat-vecs with WebGPU.
const LARGE = '#lab=flow&res=64&t=0.1&threshold=0.05&nodes=1500&l=100&k=3';

test('the flow runs to t, its network is analysed and the eigenvector drawn, as `continuum run` computes', async () => {
  const page = await env.page();
  await page.goto(`${env.url}${LARGE}`);
  await ready(page);
  const t = await analysed(page);
  assert.ok(t >= 0.1 && t < 0.15, `analysed at ${t}`);
  const nodes = Number(await value(page, 'nodes'));
  assert.ok(nodes > 1000, `${nodes} nodes`);
  assert.match(await page.locator('.exact-method').textContent(), WEBGPU ? /Lanczos.*on the GPU.*; converged/ : /Lanczos.*on the CPU.*; converged/);
  const rel = Number(await value(page, 'eig-rel-error'));
  const angle = Number(await value(page, 'vec-angle'));
  assert.ok(rel >= 0 && rel < 0.3, `relative error ${rel}`);
  assert.ok(angle >= 0 && angle < 30, `angle ${angle}`);
  assert.ok(Number(await value(page, 'nystrom-ms')) > 0 && Number(await value(page, 'exact-ms')) > 0);
  const { red, blue } = await colours(page);
  assert.ok(red > 1000 && blue > 1000, `red ${red}, blue ${blue}`);
  // The side-by-side eigenvector view: both maps drawn, coloured by the vector.
  await page.waitForSelector('.vector-panel[data-index="0"]');
  const inked = await page.evaluate(() =>
    ['vec-nystrom', 'vec-exact'].map((cls) => {
      const c = document.querySelector(`canvas.${cls}`);
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - d[i + 2]) > 60) n++;
      return n;
    }),
  );
  assert.ok(inked.every((n) => n > 1000), `coloured pixels per map: ${inked}`);
  // The error curve: every l below n, both samplings.
  await page.waitForFunction(() => document.querySelector('.rel-chart').dataset.rows === '5', null, { timeout: 180_000 });
  // The bias chart: a mean signed error and its spread over the seeds at every l, both samplings.
  const bias = JSON.parse(await page.locator('.bias-chart').getAttribute('data-bias'));
  assert.ok(bias.length === 2 && bias.every((rows) => rows.length === 5 && rows.every(([b, sd]) => Number.isFinite(b) && sd >= 0)), JSON.stringify(bias));
  // The same link headless: the CPU path matches to round-off (FFT twiddles
  // come from each platform's sin/cos), the GPU path to f32.
  const cli = 'target/debug/continuum';
  assert.ok(existsSync(cli), 'run cargo test first: it builds target/debug/continuum');
  const report = JSON.parse(execFileSync(cli, ['run', page.url()], { encoding: 'utf8' }));
  assert.equal(report.nodes, nodes);
  assert.equal(report.lanczos_converged, true);
  const exact = JSON.parse(await value(page, 'eigenvalues-exact'));
  const tolerance = WEBGPU ? 1e-3 : 1e-8;
  exact.forEach((v, i) => assert.ok(Math.abs(v / report.eigenvalues_exact[i] - 1) < tolerance, `λ${i + 1}: page ${v}, CLI ${report.eigenvalues_exact[i]}`));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('play re-analyses as the flow evolves, other eigenvectors can be shown, and a reload restores the link', async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=flow&res=64&t=0.05&nodes=400&l=60&k=3`);
  await ready(page);
  const first = await analysed(page);
  await page.click('[data-action="play"]');
  const second = await analysed(page, first);
  assert.ok(second > first, `${first} → ${second}`);
  await page.click('[data-action="pause"]');
  await page.selectOption('.vector-index', '2');
  await page.selectOption('.vector-source', 'exact');
  assert.deepEqual(page.errors, []);
  await page.fill('[data-knob="l"]', '80');
  await page.dispatchEvent('[data-knob="l"]', 'change');
  await page.waitForFunction(() => /[#&]l=80(&|$)/.test(location.hash));
  // The analysis of the new link (the previous one's figures stay shown
  // until it lands, so waiting for any analysis would race).
  await page.waitForFunction(() => document.querySelector('[data-metric="l"]')?.textContent === '80', null, { timeout: 180_000 });
  await analysed(page);
  await page.reload();
  await ready(page);
  assert.equal(await page.locator('[data-knob="l"]').inputValue(), '80');
  await analysed(page);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('flow past a cylinder runs on the lattice-Boltzmann solver; a threshold that leaves no network is explained', async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=flow&flow=cylinder&res=64&t=1&Re=20&nodes=300&l=50&k=2`);
  await ready(page);
  await analysed(page);
  assert.equal(await metric(page, 'reynolds'), '20');
  assert.ok(Number(await value(page, 'nodes')) > 50);
  // The Koopman lab on this wake, as a link (its Re range starts at 20).
  assert.equal(await page.locator('a.to-koopman').getAttribute('href'), '#lab=koopman&data=wake&Re=20&res=64&seed=1');
  await page.goto(`${env.url}#lab=flow&res=64&t=0&threshold=1&l=2&k=1`);
  // Control: turbulence has no wake to offer.
  await page.waitForFunction(() => document.querySelector('.to-koopman-row')?.hidden === true);
  await page.waitForSelector('#flow-banner:not([hidden])', { timeout: 60_000 });
  assert.match(await page.locator('#flow-banner').textContent(), /leaves 1 node.*lower it/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a lost GPU device moves the flow to the CPU, which carries on', { skip: !WEBGPU && 'needs WebGPU' }, async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=flow&res=64&t=0.05&nodes=300&l=40&k=2`);
  await ready(page);
  await analysed(page);
  await page.evaluate(() => globalThis.continuum.simulateGpuLoss());
  await page.waitForSelector('#backend-badge[data-backend="cpu"]');
  await analysed(page);
  assert.match(await page.locator('.exact-method').textContent(), /dense/);
  assert.deepEqual(page.errors, []);
  await page.close();
});
