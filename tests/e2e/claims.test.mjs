// The claims scoreboard (#lab=claims): it lists every claim of the registry
// with the recorded numbers, and running one lab's claims in the page on two
// seeds gives exactly what `continuum claims` gives for those seeds. The lab
// run is the flow lab's (seconds; the Koopman lab's took over three minutes
// of CI, and its page = CLI runs are in koopman.test.mjs).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { useBrowser, ready, ONCE } from './browser.mjs';

const env = useBrowser();

test('the scoreboard runs the flow claims on seeds 1–2 as `continuum claims` does', ONCE, async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=claims`);
  await ready(page);
  await page.waitForSelector('section.claims table.scoreboard');
  const count = await page.evaluate(() => globalThis.continuum.labs().length);
  assert.ok(count >= 7);
  // Every claim has a row, with the recorded numbers until it is run here.
  const rows = await page.locator('table.scoreboard tbody tr').count();
  assert.ok(rows >= 10, `${rows} rows`);
  assert.equal(await page.locator('table.scoreboard tbody tr[data-state="recorded"]').count(), rows);
  await page.selectOption('select.claims-lab', 'flow');
  await page.fill('input.seeds-count', '2');
  await page.click('[data-action="run-claims"]');
  await page.waitForFunction(() => /^done/.test(document.querySelector('.claims-status').textContent), null, { timeout: 240_000 });
  const cli = 'target/debug/continuum';
  assert.ok(existsSync(cli), 'run cargo test first: it builds target/debug/continuum');
  const { claims } = JSON.parse(execFileSync(cli, ['claims', '--lab', 'flow', '--seeds', '1-2', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  assert.ok(claims.length >= 2);
  for (const [i, claim] of claims.entries()) {
    const row = page.locator(`tr[data-claim="flow:${i}"]`);
    assert.equal(await row.getAttribute('data-state'), 'live');
    const values = JSON.parse(await row.locator('td.values').getAttribute('data-value'));
    const controlMedian = Number(await row.locator('td.control-median').getAttribute('data-value'));
    assert.deepEqual(values, claim.values, claim.claim);
    assert.equal(controlMedian, claim.control.median, claim.claim);
    assert.equal(await row.locator('td.verdict').getAttribute('data-holds'), String(claim.holds));
  }
  // Control: the other labs' rows were not run.
  assert.equal(await page.locator('tr[data-claim="depth:0"]').getAttribute('data-state'), 'recorded');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a lab's seeds panel shows each verdict as soon as the seeds in settle it, and the full run agrees", ONCE, async () => {
  const page = await env.page();
  // Every verdict a row shows, in order (a MutationObserver on the verdict cells).
  await page.addInitScript(() => {
    globalThis.verdicts = [];
    new MutationObserver(() => {
      for (const tr of document.querySelectorAll('.over-seeds tr[data-claim]')) {
        const state = tr.dataset.state;
        const holds = tr.querySelector('td.verdict')?.dataset.holds;
        const last = globalThis.verdicts.findLast((v) => v.claim === tr.dataset.claim);
        if (state !== 'running' && (!last || last.state !== state)) globalThis.verdicts.push({ claim: tr.dataset.claim, state, holds });
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state', 'data-holds'] });
  });
  await page.goto(`${env.url}#lab=fields&iters=0`);
  await ready(page);
  await page.click('.over-seeds [data-action="run-claims"]');
  await page.waitForFunction(() => /^done/.test(document.querySelector('.over-seeds .claims-status').textContent), null, { timeout: 120_000 });
  const seen = await page.evaluate(() => globalThis.verdicts);
  const claims = await page.locator('.over-seeds tr[data-claim]').count();
  for (let i = 0; i < claims; i++) {
    const rows = seen.filter((v) => v.claim === `fields:${i}`);
    const early = rows.find((v) => v.state === 'decided');
    const live = rows.find((v) => v.state === 'live');
    // Five seeds of one side settle the median after three: decided before the end, the same verdict.
    assert.ok(early, `fields:${i} was not decided before its last seed (${JSON.stringify(rows)})`);
    assert.ok(live, `fields:${i}`);
    assert.equal(early.holds, live.holds, `fields:${i}`);
    assert.ok(rows.indexOf(early) < rows.indexOf(live));
  }
  assert.equal(await page.locator('.over-seeds .claims-panel').getAttribute('data-decided'), 'all');
  assert.deepEqual(page.errors, []);
  await page.close();
});
