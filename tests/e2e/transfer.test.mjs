// The transfer lab page end to end, run with and without WebGPU: a small
// link trains both sources and the sweep to the end, shows the numbers and
// saliency maps, evaluates the target test set on the GPU when there is one,
// and reproduces `continuum run` exactly.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { useBrowser, ready, WEBGPU, ONCE, metric } from './browser.mjs';

const env = useBrowser();
const value = (page, name) => page.locator(`[data-metric="${name}"]`).getAttribute('data-value').then((v) => JSON.parse(v));
const SMALL = '#lab=transfer&hidden=32-32-16&epochs=2&seeds=1&n=20';

async function finished(page) {
  await page.waitForSelector('[data-metric="progress"][data-value="done"]', { timeout: 120_000 });
}

test('a small link trains both sources and the sweep; the GPU evaluates the target set', async () => {
  const page = await env.page();
  await page.goto(`${env.url}${SMALL}`);
  await ready(page);
  await finished(page);
  const nat = await value(page, 'target-natural');
  const rob = await value(page, 'target-robust');
  assert.ok(nat > 0.25 && rob > 0.25, `${nat}, ${rob} against chance 0.25`);
  const st = await value(page, 'texture-only');
  assert.ok(st.natural.shape >= 0 && st.robust.texture <= 1);
  if (WEBGPU) {
    await page.waitForSelector('[data-metric="saliency-where"][data-value]', { timeout: 120_000 });
    assert.ok(Number(await page.locator('[data-metric="saliency-where"]').getAttribute('data-value')) < 1e-3);
  } else assert.match(await metric(page, 'saliency-where'), /on the CPU/);
  await page.click('[data-action="gpu"]');
  await page.waitForSelector('[data-metric="cpu-accuracy"][data-value]', { timeout: 60_000 });
  if (WEBGPU) {
    await page.waitForSelector('[data-metric="gpu-accuracy"][data-value]', { timeout: 120_000 });
    const [gpu, cpu] = [await value(page, 'gpu-accuracy'), await value(page, 'cpu-accuracy')];
    for (const k of ['natural', 'robust']) assert.ok(Math.abs(gpu[k] - cpu[k]) <= 0.01, `${k}: GPU ${gpu[k]}, CPU ${cpu[k]}`);
  } else assert.match(await metric(page, 'gpu-accuracy'), /no WebGPU/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the page reproduces `continuum run` of the same link exactly', ONCE, async () => {
  const page = await env.page();
  await page.goto(`${env.url}${SMALL}&seed=4`);
  await ready(page);
  await finished(page);
  const cli = 'target/debug/continuum';
  assert.ok(existsSync(cli), 'run cargo test first: it builds target/debug/continuum');
  const report = JSON.parse(execFileSync(cli, ['run', page.url()], { encoding: 'utf8' }));
  const row = report.transfer.find((r) => r.n === 20);
  assert.equal(await value(page, 'target-natural'), row.natural);
  assert.equal(await value(page, 'target-robust'), row.robust);
  assert.deepEqual(await value(page, 'source-accuracy'), report.source_accuracy);
  assert.deepEqual(page.errors, []);
  await page.close();
});

/**
 * Opens `link` (n = 20 in it), waits for the run to finish and checks the
 * page's numbers against `continuum run` of the same link: the page and its
 * report.
 */
async function pageIsCli(link) {
  const page = await env.page();
  await page.goto(`${env.url}${link}`);
  await ready(page);
  await finished(page);
  const cli = 'target/debug/continuum';
  assert.ok(existsSync(cli), 'run cargo test first: it builds target/debug/continuum');
  const report = JSON.parse(execFileSync(cli, ['run', page.url()], { encoding: 'utf8' }));
  const row = report.transfer.find((r) => r.n === 20);
  assert.equal(await value(page, 'target-natural'), row.natural);
  assert.equal(await value(page, 'target-robust'), row.robust);
  assert.deepEqual(await value(page, 'source-accuracy'), report.source_accuracy);
  assert.deepEqual(await value(page, 'texture-only'), report.shape_vs_texture);
  // Control: the sources learned something (chance is 1/8 on the shapes, 1/5 on the digits).
  assert.ok(report.source_accuracy.natural > 0.3, `natural source ${report.source_accuracy.natural}`);
  return { page, report };
}

// The digits (data=digits): CNN sources on 0–4, the probe on 5–9; two epochs. The page's numbers are the CLI's.
test('on the digits the page reproduces `continuum run` exactly', ONCE, async () => {
  const { page, report } = await pageIsCli('#lab=transfer&data=digits&arch=cnn&epochs=2&seeds=1&n=20');
  // The sweep stops at the digits' pool of 100 per class.
  assert.equal(Math.max(...report.transfer.map((r) => r.n)), 100);
  assert.deepEqual(page.errors, []);
  await page.close();
});

// CNN sources (arch=cnn): three epochs (the CLI: sources 0.83 and 0.66), so the page finishes in seconds. The
// numbers are the CLI's exactly; with WebGPU the saliency maps and the target accuracy are computed again on the
// GPU (conv.wgsl, stage by stage) and agree with the worker's.
test('with CNN sources the page reproduces `continuum run` exactly, and the GPU evaluates them', async () => {
  const { page } = await pageIsCli('#lab=transfer&arch=cnn&epochs=3&seeds=1&n=20');
  await page.click('[data-action="gpu"]');
  await page.waitForSelector('[data-metric="cpu-accuracy"][data-value]', { timeout: 60_000 });
  if (WEBGPU) {
    await page.waitForSelector('[data-metric="saliency-where"][data-value]', { timeout: 120_000 });
    assert.ok(Number(await page.locator('[data-metric="saliency-where"]').getAttribute('data-value')) < 1e-3);
    await page.waitForSelector('[data-metric="gpu-accuracy"][data-value]', { timeout: 120_000 });
    const [gpu, cpu] = [await value(page, 'gpu-accuracy'), await value(page, 'cpu-accuracy')];
    for (const k of ['natural', 'robust']) assert.ok(Math.abs(gpu[k] - cpu[k]) <= 0.01, `${k}: GPU ${gpu[k]}, CPU ${cpu[k]}`);
  } else {
    assert.match(await metric(page, 'saliency-where'), /on the CPU \(no WebGPU\)/);
    assert.match(await metric(page, 'gpu-accuracy'), /no WebGPU/);
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});
