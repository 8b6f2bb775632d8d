// Makes the front page's stills: `www/labs/<lab>/thumb.jpg`, one element of
// each lab's page after it has run for a while, from the built site.
//
//   make site && node tools/thumbs.mjs [lab ...]
//
// The stills are pictures of the labs, not results: the front page shows
// them beside links that run the real thing. Run again when a lab's look
// changes. Uses the system Chromium (as the browser tests do).

import { writeFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

/** Widest still copied from a canvas, in pixels. */
const WIDTH = 360;

// lab: [link, element to capture, ms to let it run]
const STILLS = {
  depth: ['#lab=depth&epochs=150', 'canvas.boundary', 25_000],
  flow: ['#lab=flow', 'canvas.field', 10_000],
  koopman: ['#lab=koopman&epochs=150', 'canvas.phase', 20_000],
  noise: ['#lab=noise&study=stabilize', '.panel .chart .u-wrap', 20_000],
  sketch: ['#lab=sketch', '.main-chart .u-wrap', 30_000],
  fields: ['#lab=fields&kappa=0.5', 'canvas.field', 6_000],
  transfer: ['#lab=transfer&seeds=1&epochs=8', 'canvas.saliency', 40_000],
};

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(STILLS);
const server = await serve('dist', 0);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
try {
  for (const lab of wanted) {
    const [link, selector, ms] = STILLS[lab] ?? [];
    if (!link) throw new Error(`no still defined for ${lab}`);
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    await page.goto(`${server.url}${link}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    await page.waitForTimeout(ms);
    const element = page.locator(selector).first();
    const path = `www/labs/${lab}/thumb.jpg`;
    // A canvas is copied at most WIDTH pixels wide (a still, not a poster);
    // anything else is photographed as it stands.
    const jpeg = await element.evaluate((el, width) => {
      if (el.tagName !== 'CANVAS') return null;
      const scale = Math.min(1, width / el.width);
      const out = document.createElement('canvas');
      [out.width, out.height] = [Math.round(el.width * scale), Math.round(el.height * scale)];
      const ctx = out.getContext('2d');
      ctx.fillStyle = '#fff'; // JPEG has no transparency: a cleared canvas is white on the page
      ctx.fillRect(0, 0, out.width, out.height);
      ctx.drawImage(el, 0, 0, out.width, out.height);
      return out.toDataURL('image/jpeg', 0.85).split(',')[1];
    }, WIDTH);
    if (jpeg) await writeFile(path, Buffer.from(jpeg, 'base64'));
    else await element.screenshot({ path, type: 'jpeg', quality: 85 });
    console.log(`www/labs/${lab}/thumb.jpg`);
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
