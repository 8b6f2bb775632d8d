// Time to the "Over seeds" verdicts: each lab's page opened on its claim
// preset (its first claim's link, as docs/claims.json recorded it), left to
// reach its own verdict, then its seeds panel run on seeds 1–5 with its two
// workers, on the CPU path. Two times from pressing Run: until every claim's
// verdict is shown (decided early, once the seeds in settle it, or in full)
// and until every run is done. Budget (issue "Claims, first class"): the
// verdicts within 2 minutes on the CPU path of a 2-core machine. The
// reference, measured just before each panel: `continuum claims` for the
// same lab and seeds with two jobs, natively (tools/native.mjs); the ratio
// of the panel's time to every run done to it is the page's cost over the
// CLI's in that hour, whatever the machine's speed.
//
//   node tools/bench-seeds.mjs [lab]      (after `make build`)

import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { nativeSeconds } from './native.mjs';
import { serve } from './serve.mjs';

const BUDGET_S = 120;
const only = process.argv[2];
const server = await serve('dist');
const first = new Map();
for (const c of JSON.parse(readFileSync('docs/claims.json', 'utf8')).claims) if (!first.has(c.lab)) first.set(c.lab, c.link);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'] });
for (const [lab, link] of first) {
  if (only && lab !== only) continue;
  const native = nativeSeconds(['claims', '--lab', lab, '--seeds', '1-5', '--jobs', '2', '--json']);
  const page = await browser.newPage();
  await page.goto(`${server.url}${link}`);
  await page.waitForSelector('section.lab[data-verdict]', { timeout: 300_000 });
  await page.click('.over-seeds [data-action="run-claims"]');
  const start = Date.now();
  const panel = page.locator('.over-seeds .claims-panel');
  let decided = null;
  while (Date.now() - start < 900_000) {
    if (decided === null && (await panel.getAttribute('data-decided')) === 'all') decided = (Date.now() - start) / 1000;
    if (/^done/.test(await page.locator('.over-seeds .claims-status').textContent())) break;
    await page.waitForTimeout(250);
  }
  const done = (Date.now() - start) / 1000;
  const status = await page.locator('.over-seeds .claims-status').textContent();
  console.log(
    `seeds  CPU    ${lab.padEnd(8)}: verdicts in ${decided === null ? '—' : decided.toFixed(1)} s (budget ${BUDGET_S} s: ${decided !== null && decided <= BUDGET_S ? 'within' : 'over'}), ` +
      `every run in ${done.toFixed(1)} s (${status}); native \`continuum claims\` just before: ${native.toFixed(1)} s (page ÷ native ${(done / native).toFixed(2)})`,
  );
  await page.close();
}
await browser.close();
server.close();
