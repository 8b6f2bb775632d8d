// Offline after the first visit: the service worker caches the built site
// (but the front page's stills, which it caches when shown), so with the
// network gone a reload still opens any lab and trains.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, ready, ONCE, metric } from './browser.mjs';

const env = useBrowser();

test('after one visit the site reloads and trains with the network off', ONCE, async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=koopman&epochs=3&horizon=50`);
  await ready(page);
  // Registered once the page has started (after `ready`).
  await page.waitForFunction(() => document.body.dataset.offline);
  assert.equal(await page.evaluate(() => document.body.dataset.offline), 'registered');
  // Installed (the site cached) and in control of the page.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
  const cached = () =>
    page.evaluate(async () => {
      const paths = [];
      for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) paths.push(new URL(r.url).pathname);
      return paths;
    });
  const installed = await cached();
  assert.ok(installed.some((p) => p.endsWith('.wasm')) && installed.some((p) => /\/worker-.*\.js$/.test(p)), 'the core and the workers are cached');
  assert.ok(!installed.some((p) => p.endsWith('.jpg')), 'the stills are not downloaded with a visit to one lab');
  const context = page.context();
  await context.setOffline(true);
  try {
    // Control: the network really is off (a file the site does not have is not fetched).
    const missing = await page.evaluate(() => fetch('https://example.org/').then(() => 'fetched', () => 'failed'));
    assert.equal(missing, 'failed');
    // The browser logs that failed fetch; it is the only error allowed.
    await page.waitForTimeout(200);
    const logged = page.errors.splice(0);
    assert.ok(logged.every((e) => /ERR_INTERNET_DISCONNECTED/.test(e)), JSON.stringify(logged));
    await page.reload();
    await ready(page);
    await page.waitForFunction(() => document.querySelector('[data-metric="rel-error"]')?.dataset.epoch === '3', null, { timeout: 60_000 });
    // Another lab, never opened before, from the same cache.
    await page.goto(`${env.url}#lab=depth&epochs=5`);
    await page.waitForSelector('section.lab[data-lab="depth"]');
    await page.waitForFunction(() => document.querySelector('[data-metric="epoch"]')?.textContent === '5', null, { timeout: 60_000 });
    assert.notEqual(await metric(page, 'train-loss'), '—');
  } finally {
    await context.setOffline(false);
  }
  // The front page, shown while the worker is in control: its stills are cached as they load.
  await page.goto(env.url);
  await page.waitForFunction(() => [...document.querySelectorAll('.card img')].every((img) => img.complete && img.naturalWidth > 0), null, { timeout: 30_000 });
  await page.waitForFunction(
    async () => {
      let n = 0;
      for (const name of await caches.keys()) n += (await (await caches.open(name)).keys()).filter((r) => r.url.endsWith('.jpg')).length;
      return n === document.querySelectorAll('.card img').length && n > 0;
    },
    null,
    { timeout: 30_000 },
  );
  assert.deepEqual(page.errors, []);
  await page.close();
});

// The cache list is the build: every file of dist/ (but the worker itself)
// and nothing else, under a version named in the file.
test('the service worker lists exactly the built files, under a version', ONCE, async () => {
  const { readFileSync, readdirSync } = await import('node:fs');
  const { join, relative } = await import('node:path');
  const dist = process.env.CONTINUUM_DIST ?? 'dist';
  const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  const built = walk(dist).map((f) => `./${relative(dist, f)}`).filter((f) => f !== './sw.js').sort();
  const sw = readFileSync(join(dist, 'sw.js'), 'utf8');
  const files = JSON.parse(sw.match(/const FILES = (\[.*\]);/)[1]);
  assert.deepEqual(files.filter((f) => f !== './').sort(), built);
  assert.ok(built.some((f) => f.endsWith('.wasm')) && built.some((f) => f.endsWith('thumb.jpg') || /thumb-.*\.jpg$/.test(f)), 'the wasm and the stills are cached');
  assert.match(sw, /const VERSION = "[0-9a-f]{16}";/);
});
