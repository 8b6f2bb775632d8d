import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';
const server = await serve('dist');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
const page = await browser.newPage();
const t0 = Date.now();
await page.goto(`${server.url}${process.argv[2] ?? '#lab=koopman'}`);
let last = '';
if (process.argv[3] === 'scroll') { await page.waitForSelector('.over-seeds'); await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight)); }
while (Date.now() - t0 < 120_000) {
  const s = await page.evaluate(() => [document.querySelector('[data-metric="epoch"]')?.textContent, document.querySelector('section.lab')?.dataset.verdict ?? '', document.querySelector('[data-metric="rel-error"]')?.textContent]);
  const line = s.join(' | ');
  if (line !== last) { console.log(((Date.now() - t0) / 1000).toFixed(1), line); last = line; }
  if (s[1]) break;
  await page.waitForTimeout(200);
}
await browser.close(); server.close();
