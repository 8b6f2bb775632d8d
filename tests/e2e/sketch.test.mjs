// The sketch lab page end to end, run with and without WebGPU: a small SVD
// sweep to the end (coverage, extrapolation, the adaptive check), the
// operator-norm study, the CPU–GPU bootstrap timing, and the page
// reproducing `continuum run` exactly.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { useBrowser, ready, WEBGPU, ONCE, metric } from './browser.mjs';

const env = useBrowser();
const value = (page, name) => page.locator(`[data-metric="${name}"]`).getAttribute('data-value');
const done = (page) => page.waitForSelector('[data-metric="progress"][data-value="done"]', { timeout: 120_000 });

const SMALL = '#lab=sketch&m=2000&n=20&l=50&R=20&B=20&tol=0.1&seed=3';

test('a small SVD sweep finishes with coverage, extrapolation and the adaptive check', async () => {
  const page = await env.page();
  await page.goto(`${env.url}${SMALL}`);
  await ready(page);
  await done(page);
  const coverage = Number(await value(page, 'coverage'));
  assert.ok(coverage >= 0 && coverage <= 1, `coverage ${coverage}`);
  const ratios = JSON.parse(await value(page, 'extrapolation-ratios'));
  assert.equal(ratios.length, 5);
  assert.ok(ratios.every((r) => r > 0.3 && r < 3), `ratios ${ratios}`);
  await page.waitForFunction(() => /l = \d+/.test(document.querySelector('[data-metric="adaptive"]').textContent), null, { timeout: 60_000 });
  // One bootstrap and R sketches on the CPU, and on the GPU when there is one.
  await page.click('[data-action="bench"]');
  await page.waitForSelector('[data-metric="bench-cpu"][data-value]', { timeout: 60_000 });
  await page.waitForSelector('[data-metric="bench-sketches-cpu"][data-value]', { timeout: 60_000 });
  if (WEBGPU) {
    await page.waitForSelector('[data-metric="bench-parity"][data-value]', { timeout: 180_000 });
    assert.ok(Number(await value(page, 'bench-parity')) < 1e-3, `parity ${await value(page, 'bench-parity')}`);
    assert.match(await metric(page, 'bench-true'), /\d \/ \d/);
  } else assert.match(await metric(page, 'bench-gpu'), /no WebGPU/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the operator-norm study shows coverage for both dimensions and the histogram', ONCE, async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=sketch&study=opnorm&p=80&nmax=100&trials=10&Bop=20`);
  await ready(page);
  await done(page);
  for (const name of ['coverage-small', 'coverage-large']) {
    const c = Number(await value(page, name));
    assert.ok(c >= 0 && c <= 1, `${name} ${c}`);
  }
  assert.equal(await page.locator('.svd-only').first().evaluate((el) => getComputedStyle(el).display), 'none');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the page reproduces `continuum run` of the same link exactly', ONCE, async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=sketch&m=1500&n=15&l=40&R=15&B=15&seed=5`);
  await ready(page);
  await done(page);
  const cli = 'target/debug/continuum';
  assert.ok(existsSync(cli), 'run cargo test first: it builds target/debug/continuum');
  const report = JSON.parse(execFileSync(cli, ['run', page.url()], { encoding: 'utf8' }));
  assert.equal(Number(await value(page, 'coverage')), report.coverage);
  assert.equal(Number(await value(page, 'true-quantile')), report.true_quantile);
  assert.equal(Number(await value(page, 'bootstrap-quantile')), report.bootstrap_quantile.mean);
  assert.deepEqual(JSON.parse(await value(page, 'extrapolation-ratios')), report.extrapolation.map((r) => r.predicted / r.true));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a matrix too large for the page is refused in a banner', ONCE, async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=sketch&m=100000&n=1000`);
  await ready(page);
  await page.waitForSelector('#sketch-banner:not([hidden])');
  assert.match(await page.locator('#sketch-banner').textContent(), /20000000/);
  assert.deepEqual(page.errors, []);
  await page.close();
});
