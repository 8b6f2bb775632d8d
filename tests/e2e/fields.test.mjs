// The fields lab page end to end, run with and without WebGPU: the operator
// numbers and drawings, the dye movie (grid dye on the GPU or the CPU), and
// the copy task trained in the worker, reproducing `continuum run` exactly.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { useBrowser, ready, WEBGPU, ONCE, metric } from './browser.mjs';

const env = useBrowser();

const value = (page, name) => page.locator(`[data-metric="${name}"]`).getAttribute('data-value').then(Number);

/** Non-blank, non-white pixels of a canvas. */
const inked = (page, selector) =>
  page.evaluate((s) => {
    const c = document.querySelector(s);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250)) n++;
    return n;
  }, selector);

async function evaluated(page, iters) {
  await page.waitForFunction((n) => document.querySelector('[data-metric="iteration"]')?.dataset.evaluated === String(n), iters, {
    timeout: 120_000,
  });
}

test('a divergence-free field gives a skew M, and κ > 0 breaks it, on the page', async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=fields&K=4&t=1&iters=10&delay=5&length=3&hidden=8`);
  await ready(page);
  await page.waitForSelector('[data-metric="skew-residual"][data-value]');
  assert.ok((await value(page, 'skew-residual')) < 1e-10);
  assert.ok((await value(page, 'max-real-eigenvalue')) < 1e-10);
  assert.ok(Math.abs((await value(page, 'norm-ratio')) - 1) < 1e-10);
  assert.ok((await value(page, 'divergence-identity-error')) < 1e-10);
  assert.equal(await metric(page, 'basis-size'), '81 (K = 4)');
  for (const c of ['canvas.field', 'canvas.matrix-m', 'canvas.spectrum']) assert.ok((await inked(page, c)) > 200, `${c} drawn`);
  assert.ok((await inked(page, 'canvas.matrix-sym')) < 50, 'the symmetric part is blank at κ = 0');
  // The movie: both dyes to the last frame, then the gap between them.
  await page.waitForSelector('[data-metric="dye-gap"][data-value]', { timeout: 120_000 });
  const gap = await value(page, 'dye-gap');
  assert.ok(gap > 0.01 && gap < 1, `dye gap ${gap}`);
  assert.ok((await inked(page, 'canvas.dye-grid')) > 200, 'grid dye drawn');
  assert.match(await page.locator('.grid-where').textContent(), WEBGPU ? /on the GPU/ : /on the CPU/);
  // Divergence on.
  await page.fill('[data-knob="kappa"]', '0.5');
  await page.dispatchEvent('[data-knob="kappa"]', 'change');
  await page.waitForFunction(() => Number(document.querySelector('[data-metric="skew-residual"]').dataset.value) > 0.05, null, {
    timeout: 60_000,
  });
  assert.ok((await value(page, 'max-real-eigenvalue')) > 1e-3);
  assert.ok((await value(page, 'divergence-identity-error')) < 1e-10);
  assert.ok((await inked(page, 'canvas.matrix-sym')) > 200, 'the symmetric part shows the divergence');
  assert.deepEqual(page.errors, []);
  await page.close();
});

// Training is bit-identical in the page (wasm) and natively: the same
// products, expm and libm. A shared link therefore reproduces exactly.
test('the page reproduces `continuum run` of the same link exactly', ONCE, async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=fields&K=4&kappa=0.3&iters=30&delay=10&length=4&hidden=12&seed=2`);
  await ready(page);
  await evaluated(page, 30);
  const cli = 'target/debug/continuum';
  assert.ok(existsSync(cli), 'run cargo test first: it builds target/debug/continuum');
  const report = JSON.parse(execFileSync(cli, ['run', page.url()], { encoding: 'utf8' }));
  for (const kind of ['orthogonal', 'unconstrained', 'full']) {
    assert.equal(await value(page, `copy-accuracy-${kind}`), report.copy_accuracy[kind], kind);
  }
  assert.equal(await value(page, 'skew-residual'), report.skew_residual);
  assert.equal(await value(page, 'norm-ratio'), report.norm_ratio);
  assert.equal(await value(page, 'divergence-identity-error'), report.divergence_identity_error);
  assert.ok(Math.abs((await value(page, 'max-real-eigenvalue')) - report.max_real_eigenvalue) < 1e-12);
  assert.ok(report.copy_accuracy.orthogonal > 0, 'something was learned to compare');
  assert.deepEqual(page.errors, []);
  await page.close();
});
