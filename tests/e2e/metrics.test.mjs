// The live metrics vocabulary: each lab's registry names its metrics by
// their path in the report; the page exposes each under that name, as
// `[data-metric=name]` with its number in data-value and through
// `continuum.metric(name)`, and the value is the one `continuum run` prints
// for the same link (the same driver runs in the page and in the CLI).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { useBrowser, ready, ONCE } from './browser.mjs';

const env = useBrowser();
const CLI = 'target/debug/continuum';
const DONE = '[data-metric="progress"][data-value="done"]';

/** The number at a dot path of a report, as www/ui/metrics.js reads it. */
function resolve(report, path) {
  let at = report;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object') return null;
    at = Array.isArray(at) ? at[Number(part)] : at[part];
  }
  return typeof at === 'number' ? at : null;
}

// `close`: metrics the page and the CLI agree on only to rounding. The depth
// lab trains with ndarray's `dot` (natively matrixmultiply picks AVX/FMA
// kernels at run time; wasm has none) and std's exp and ln (the platform's
// libm natively, Rust's own in wasm), so its loss and weights agree to about
// 1e-16 relative, not bit for bit; its accuracies here are equal. (Koopman,
// noise and transfer use the fixed-order product and libm: exact.) Every
// other metric here is compared exactly.
const CASES = [
  { link: '#lab=transfer&hidden=32-32-16&epochs=2&seeds=1&n=20', done: DONE, least: 4, close: [] },
  { link: '#lab=noise&units=4&epochs=1', done: DONE, least: 3, close: [] },
  { link: '#lab=depth&data=moons&epochs=2&steps=2&K=2&esteps=2&eK=2', done: '[data-metric="theta-variation"][data-value]', least: 5, close: ['train_loss', 'theta_variation'] },
];

function same(got, want, close, name) {
  if (close) assert.ok(Math.abs(got - want) <= 1e-12 * Math.abs(want), `${name}: page ${got}, CLI ${want}`);
  else assert.equal(got, want, name);
}

for (const { link, done, least, close } of CASES) {
  test(`${link}: every live metric is the number continuum run prints`, ONCE, async () => {
    const page = await env.page();
    await page.goto(`${env.url}${link}`);
    await ready(page);
    await page.waitForSelector(done, { timeout: 120_000 });
    assert.ok(existsSync(CLI), 'run cargo test first: it builds target/debug/continuum');
    const report = JSON.parse(execFileSync(CLI, ['run', page.url()], { encoding: 'utf8' }));
    const lab = report.link.match(/lab=(\w+)/)[1];
    const names = await page.evaluate((l) => globalThis.continuum.labs().find((x) => x.name === l).metrics, lab);
    let compared = 0;
    for (const name of names) {
      const want = resolve(report, name);
      if (want === null) continue; // another study's metric
      same(await page.evaluate((n) => globalThis.continuum.metric(n), name), want, close.includes(name), name);
      const shown = await page.locator(`[data-metric="${name}"]`).getAttribute('data-value');
      same(Number(shown), want, close.includes(name), `${name} in the page`);
      compared++;
    }
    assert.ok(compared >= least, `only ${compared} metrics compared`);
    // Control: a name the registry does not list has no value.
    assert.equal(await page.evaluate(() => globalThis.continuum.metric('no_such_metric')), null);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}
