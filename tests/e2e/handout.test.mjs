// The handout: every lab's "Handout" button opens a one-page print view with
// the link as text and as a QR code, the figures drawn so far and the numbers;
// in print only the handout shows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import qrcode from 'qrcode-generator';
import { useBrowser, ready, ONCE } from './browser.mjs';

const env = useBrowser();

test('the handout carries the link, its QR code, the figures and the numbers, and prints alone', ONCE, async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=koopman&epochs=3&horizon=100`);
  await ready(page);
  await page.waitForFunction(() => document.querySelector('[data-metric="rel-error"]')?.dataset.epoch === '3', null, { timeout: 60_000 });
  await page.click('[data-action="handout"]');
  const sheet = page.locator('.handout');
  assert.equal(await sheet.locator('.handout-link').textContent(), page.url());
  // A QR code: a square of modules, version 1 (21) or larger, for this link's length.
  const modules = Number(await sheet.locator('svg').getAttribute('data-modules'));
  assert.ok(modules >= 21 && (modules - 17) % 4 === 0, `${modules} modules`);
  // It is this link's code (made again here by the same library), and
  // another link's code differs (the control).
  const drawn = await sheet.locator('svg path').getAttribute('d');
  const code = (text) => {
    const qr = qrcode(0, 'M');
    qr.addData(text, 'Byte');
    qr.make();
    return qr.createSvgTag({ cellSize: 3, margin: 2, scalable: true }).match(/ d="([^"]+)"/)[1];
  };
  assert.equal(drawn, code(page.url()));
  assert.notEqual(drawn, code(page.url().replace('epochs=3', 'epochs=4')));
  // Figures: the drawn canvases (phase portrait, eigenvalues, charts), as images that loaded.
  const figures = await sheet.locator('.handout-figures img').evaluateAll((imgs) => imgs.map((i) => i.naturalWidth));
  assert.ok(figures.length >= 4 && figures.every((w) => w > 0), JSON.stringify(figures));
  assert.equal(await sheet.locator('[data-metric="epoch"]').textContent(), '3');
  // In print only the handout shows; on screen the lab is still there beneath.
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('#app').isVisible(), false);
  assert.equal(await sheet.isVisible(), true);
  assert.equal(await sheet.locator('.handout-buttons').isVisible(), false);
  await page.emulateMedia({ media: 'screen' });
  assert.equal(await page.locator('#app').isVisible(), true);
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('.handout').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});
