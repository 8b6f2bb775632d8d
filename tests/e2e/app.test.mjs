// The app shell end to end in headless Chromium, run twice by `make test`:
// with WebGPU (SwiftShader) and without it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useBrowser, ready, WEBGPU, ONCE } from './browser.mjs';
import { serve } from '../../tools/serve.mjs';

const env = useBrowser();

test('the page loads with no console error and shows the right backend badge', async () => {
  const page = await env.page();
  await page.goto(env.url);
  await ready(page);
  const badge = page.locator('#backend-badge');
  if (WEBGPU) {
    assert.equal(await badge.getAttribute('data-backend'), 'webgpu');
    assert.match(await badge.textContent(), /^WebGPU · \S/);
  } else {
    assert.equal(await badge.getAttribute('data-backend'), 'cpu');
    assert.equal(await badge.textContent(), 'CPU');
  }
  // One nav link per lab of the registry (seven today).
  const labs = await page.evaluate(() => globalThis.continuum.labs().length);
  assert.ok(labs >= 7);
  assert.equal(await page.locator('#labs-nav a').count(), labs);
  assert.deepEqual(page.errors, []);
  await page.close();
});

// A link with no hash opens the front page: a card per lab with its still,
// its papers and the preset that shows its claim; a link that names knobs
// but no lab still opens the first lab (depth), as before.
test('the front page tours every lab, and knobs without a lab still open depth', ONCE, async () => {
  const page = await env.page();
  await page.goto(env.url);
  await ready(page);
  const labs = await page.evaluate(() => globalThis.continuum.labs());
  assert.equal(await page.locator('section.home .card').count(), labs.length);
  let papers = 0;
  for (const lab of labs) {
    const card = page.locator(`section.home .card[data-lab="${lab.name}"]`);
    assert.equal(await card.locator('h2 a').getAttribute('href'), `#lab=${lab.name}`);
    assert.equal(await card.locator('.claim a').getAttribute('href'), lab.presets[0].link);
    assert.equal(await card.locator('cite').count(), lab.papers.length);
    papers += lab.papers.length;
    // The still loaded (a broken image has no natural width).
    assert.ok(await card.locator('img').evaluate((img) => img.complete && img.naturalWidth > 0), `${lab.name}'s still`);
  }
  assert.equal(papers, 10);
  // A claim preset opens its lab with that link.
  await page.click('.card[data-lab="koopman"] .claim a');
  await page.waitForSelector('section.lab[data-lab="koopman"]');
  // The brand leads back to the front page.
  await page.click('header .brand');
  await page.waitForSelector('section.home');
  assert.match(page.url(), /#lab=home$/);
  await page.goto(`${env.url}#epochs=5`);
  await page.waitForSelector('section.lab[data-lab="depth"]');
  assert.match(page.url(), /#lab=depth&v=1&.*epochs=5/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the dense kernel agrees with its CPU twin in the page', async () => {
  const page = await env.page();
  await page.goto(env.url);
  await ready(page);
  const check = page.locator('[data-metric="kernel-parity"]');
  const status = await check.getAttribute('data-status');
  if (WEBGPU) {
    assert.equal(status, 'pass', await check.textContent());
    const err = Number(await check.getAttribute('data-value'));
    assert.ok(Number.isFinite(err) && err <= 1e-5, `max error ${err}`);
  } else {
    assert.equal(status, 'cpu', await check.textContent());
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a malformed link shows what was wrong and uses the defaults', ONCE, async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=depth&steps=abc&scheme=rk9&zzz=1`);
  await ready(page);
  const notices = page.locator('#notices li');
  assert.equal(await notices.count(), 3);
  const text = (await notices.allTextContents()).join('\n');
  assert.match(text, /steps: `abc` is not an integer in 1\.\.=64; using the default 8/);
  assert.match(text, /scheme: `rk9` is not one of euler/);
  assert.match(text, /`zzz` is not a knob/);
  assert.equal(await page.locator('[data-knob="steps"]').inputValue(), '8');
  assert.equal(await page.locator('[data-knob="scheme"]').inputValue(), 'rk4');
  assert.doesNotMatch(page.url(), /abc|zzz|rk9/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('an unknown lab falls back to the default lab with a message', ONCE, async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=warp`);
  await ready(page);
  assert.match(await page.locator('#notices').textContent(), /`warp` is not a lab/);
  assert.equal(await page.locator('section.lab').getAttribute('data-lab'), 'depth');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('switching labs updates the hash, and reloading restores it', ONCE, async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=depth&steps=16`);
  await ready(page);
  await page.click('#labs-nav a[data-lab="fields"]');
  await page.waitForSelector('section.lab[data-lab="fields"]');
  assert.match(page.url(), /#lab=fields&v=1&field=random&kappa=0&/);
  // Edit a knob through the link, as a shared link would.
  const edited = page.url().replace('kappa=0&', 'kappa=0.5&');
  await page.goto(edited);
  await page.waitForFunction(() => document.querySelector('input[data-knob="kappa"]')?.value === '0.5');
  await page.reload();
  await ready(page);
  assert.equal(await page.locator('section.lab').getAttribute('data-lab'), 'fields');
  assert.equal(await page.locator('input[data-knob="kappa"]').inputValue(), '0.5');
  assert.equal(await page.locator('#labs-nav a[aria-current="page"]').getAttribute('data-lab'), 'fields');
  assert.equal(await page.locator('#notices').isHidden(), true);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a core that fails to load gives a readable message, not a blank page', ONCE, async () => {
  const page = await env.page();
  await page.route('**/*.wasm', (route) => route.abort());
  await page.goto(env.url);
  await page.waitForSelector('.fatal');
  assert.match(await page.locator('.fatal').textContent(), /core could not be loaded/);
  // The front page needs no core: every lab's card is there, from the registry module.
  assert.equal(await page.locator('.cards .card').count(), JSON.parse(readFileSync('www/registry.json', 'utf8')).length);
  assert.ok((await page.locator('#labs-nav a').count()) >= 7);
  // The aborted download itself is logged by the browser; nothing else may be.
  const others = page.errors.filter((e) => !/Failed to load resource|net::ERR_FAILED/.test(e));
  assert.deepEqual(others, []);
  await page.close();
});

test('a lost GPU device falls back to the CPU with a message', { skip: !WEBGPU && 'needs WebGPU' }, async () => {
  const page = await env.page();
  await page.goto(env.url);
  await ready(page);
  assert.equal(await page.evaluate(() => globalThis.continuum.backend()), 'webgpu');
  await page.evaluate(() => globalThis.continuum.simulateGpuLoss());
  await page.waitForSelector('#backend-badge[data-backend="cpu"]');
  assert.match(await page.locator('#error-banner').textContent(), /GPU device was lost.*Continuing on the CPU/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('every lab of the registry opens from the nav, with its presets', ONCE, async () => {
  const page = await env.page();
  await page.goto(env.url);
  await ready(page);
  const labs = await page.evaluate(() => globalThis.continuum.labs());
  assert.ok(labs.length >= 7, `${labs.length} labs`);
  assert.equal(await page.locator('#labs-nav a').count(), labs.length);
  for (const lab of labs) {
    await page.click(`#labs-nav a[data-lab="${lab.name}"]`);
    await page.waitForSelector(`section.lab[data-lab="${lab.name}"]`);
    const presets = await page.locator('section.lab .presets a').evaluateAll((as) => as.map((a) => a.textContent));
    assert.deepEqual(presets, lab.presets.map((p) => p.name), lab.name);
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the built site works from a sub-path, links included', ONCE, async () => {
  const sub = await serve(process.env.CONTINUUM_DIST ?? 'dist', 0, '/teaching/continuum/');
  try {
    const page = await env.page();
    await page.goto(`${sub.url}#lab=koopman&noise=0.08`);
    await ready(page);
    assert.equal(await page.locator('section.lab').getAttribute('data-lab'), 'koopman');
    assert.match(page.url(), /\/teaching\/continuum\/#lab=koopman&v=1&.*noise=0\.08/);
    // Nothing was fetched from the host's root: the wasm and the workers came from the sub-path.
    const wasm = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => r.name).filter((n) => n.endsWith('.wasm')));
    assert.ok(wasm.length >= 1 && wasm.every((n) => n.includes('/teaching/continuum/')), JSON.stringify(wasm));
    assert.deepEqual(page.errors, []);
    await page.close();
  } finally {
    sub.close();
  }
});
