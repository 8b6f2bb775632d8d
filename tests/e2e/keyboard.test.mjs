// The keyboard reaches every control of a lab page, in the order they are
// on the page, and always shows where it is.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, ready, ONCE } from './browser.mjs';

const env = useBrowser();

for (const lab of ['koopman', 'depth']) {
  test(`Tab walks the ${lab} lab's controls in page order, each with a visible focus ring`, ONCE, async () => {
    const page = await env.page();
    await page.goto(`${env.url}#lab=${lab}&epochs=2`);
    await ready(page);
    // Every control a person can use, in document order.
    const controls = await page.$$eval('section.lab :is(input, select, button, a[href], textarea):not([disabled]):not([tabindex="-1"])', (els) =>
      els.filter((e) => e.offsetParent !== null).map((e, i) => (e.dataset.kbd = String(i))),
    );
    assert.ok(controls.length > 10, `${controls.length} controls`);
    const seen = [];
    const unringed = [];
    for (let i = 0; i < controls.length + 40 && seen.length < controls.length; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const e = document.activeElement;
        const s = getComputedStyle(e);
        return { kbd: e.dataset.kbd ?? null, ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 };
      });
      if (f.kbd === null) continue; // the header's links come first
      seen.push(Number(f.kbd));
      if (!f.ring) unringed.push(f.kbd);
    }
    assert.deepEqual(seen, controls.map(Number), 'every control, once, in page order');
    assert.deepEqual(unringed, [], 'controls without a visible focus ring');
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}
