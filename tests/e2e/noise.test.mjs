// The noise lab page end to end, run with and without WebGPU: a small link
// of each study runs to the end in the worker, shows its numbers, runs its
// GPU part when there is WebGPU (stabilisation paths, titration batches) or
// says it is CPU only, and reproduces `continuum run` of the same link exactly.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { useBrowser, ready, WEBGPU, ONCE, metric } from './browser.mjs';

const env = useBrowser();
const value = (page, name) => page.locator(`[data-metric="${name}"]`).getAttribute('data-value').then((v) => JSON.parse(v));
const CLI = 'target/debug/continuum';

async function finished(page) {
  await page.waitForSelector('[data-metric="progress"][data-value="done"]', { timeout: 180_000 });
}

function cli(link) {
  assert.ok(existsSync(CLI), 'run cargo test first: it builds target/debug/continuum');
  return JSON.parse(execFileSync(CLI, ['run', link], { encoding: 'utf8' }));
}

test('rnn: both models train (in two workers) and are evaluated over two seeds; the numbers are the CLI\'s', async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=noise&units=4&epochs=2&seeds=2`);
  await ready(page);
  await finished(page);
  // Headless Chromium here has two cores or more: the noisy models trained in a worker of their own.
  assert.equal(await value(page, 'workers'), 2);
  await page.waitForSelector('[data-metric="sigma1"][data-value]', { timeout: 60_000 });
  const report = cli(page.url());
  assert.deepEqual(await value(page, 'clean'), report.clean_accuracy);
  const row = report.robustness.find((r) => r.perturbation === 'gaussian' && r.level === 1);
  assert.deepEqual(await value(page, 'sigma1'), { deterministic: row.deterministic, noisy: row.noisy });
  assert.equal(await value(page, 'step'), report.learned_step);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('rnn without training noise: one model, one worker; the numbers are the CLI\'s', ONCE, async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=noise&units=4&epochs=2&add=0&mult=0`);
  await ready(page);
  await finished(page);
  assert.equal(await value(page, 'workers'), 1);
  await page.waitForSelector('[data-metric="sigma1"][data-value]', { timeout: 60_000 });
  const row = cli(page.url()).robustness.find((r) => r.perturbation === 'gaussian' && r.level === 1);
  assert.deepEqual(await value(page, 'sigma1'), { deterministic: row.deterministic, noisy: row.noisy });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('stabilize: the worker\'s paths are the CLI\'s; the GPU runs them too', async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=noise&study=stabilize&paths=300&T=2`);
  await ready(page);
  await finished(page);
  await page.waitForSelector('[data-metric="exponent"][data-value]', { timeout: 60_000 });
  const report = cli(page.url());
  assert.deepEqual(await value(page, 'exponent'), report.exponent);
  assert.equal(await value(page, 'decayed'), report.fraction_decayed);
  if (WEBGPU) {
    await page.waitForSelector('[data-metric="gpu"][data-value]', { timeout: 120_000 });
    const gpu = await value(page, 'gpu');
    assert.ok(gpu.diff < 1e-3, `mean log|X| differs by ${gpu.diff}`);
  } else {
    await page.waitForFunction(() => /no WebGPU/.test(document.querySelector('[data-metric="gpu"]').textContent));
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});

for (const [arch, colour] of [['mlp', 'grey'], ['cnn', 'grey'], ['cnn', 'rgb']]) {
  test(`titrate (${arch}, ${colour}): the models train, the detector scores them as the CLI does; the GPU titrates`, async () => {
    const page = await env.page();
    await page.goto(`${env.url}#lab=noise&study=titrate&models=2&tepochs=2&trigger=pixel&arch=${arch}&colour=${colour}`);
    await ready(page);
    await finished(page);
    await page.waitForSelector('[data-metric="auc"][data-value]', { timeout: 60_000 });
    const report = cli(page.url());
    assert.equal(await value(page, 'auc'), report.auc);
    assert.equal(await value(page, 'targets'), report.targets_found);
    // The probe images are drawn in colour only in colour (grey: red = green = blue everywhere).
    const coloured = await page.evaluate(() => {
      const c = document.querySelector('canvas.images');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i + 1] !== d[i + 2]) n++;
      return n;
    });
    assert.equal(coloured > 0, colour === 'rgb', `${coloured} coloured pixels`);
    await page.click('[data-action="gpu"]');
    if (WEBGPU) {
      await page.waitForSelector('[data-metric="gpu"][data-value]', { timeout: 120_000 });
      const worst = await value(page, 'gpu');
      assert.ok(worst <= 0.02, `T_γ differs by ${worst}`);
    } else {
      await page.waitForFunction(() => /no WebGPU/.test(document.querySelector('[data-metric="gpu"]').textContent));
    }
    assert.match(await metric(page, 'analysis'), /ms/);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}
