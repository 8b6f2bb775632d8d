// Every page at phone widths: nothing scrolls sideways, and the controls a
// student needs first (the knobs and the run buttons) are on screen.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, ready, ONCE } from './browser.mjs';

const env = useBrowser();

/** What sticks out past the viewport's right edge, if anything. */
const overflow = (page) =>
  page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: innerWidth,
    wide: [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > innerWidth + 0.5)
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
  }));

/** Whether `locator`'s element is visible and lies within the viewport's width. */
async function onScreen(page, locator) {
  if (!(await locator.isVisible())) return false;
  const box = await locator.boundingBox();
  return box.x >= 0 && box.x + box.width <= page.viewportSize().width + 0.5 && box.width > 0;
}

for (const [width, height] of [
  [390, 844],
  [360, 740],
]) {
  test(`every lab and the front page fit ${width} px without sideways scrolling`, ONCE, async () => {
    const page = await env.page();
    await page.setViewportSize({ width, height });
    await page.goto(env.url);
    await ready(page);
    const labs = await page.evaluate(() => globalThis.continuum.labs().map((l) => l.name));
    for (const name of ['home', ...labs]) {
      await page.goto(`${env.url}#lab=${name}`);
      await page.waitForSelector(`[data-lab="${name}"]:is(section)`);
      await page.waitForTimeout(800); // charts and canvases settle to their panels
      const o = await overflow(page);
      assert.ok(o.scroll <= o.width, `${name} at ${width} px: ${JSON.stringify(o)}`);
      if (name === 'home') {
        assert.ok(await onScreen(page, page.locator('.card h2 a').first()), 'the first card');
        continue;
      }
      // The first knob (its number box or menu) and the first run button.
      assert.ok(await onScreen(page, page.locator('section.lab [data-knob]').first()), `${name}: first knob`);
      assert.ok(await onScreen(page, page.locator('section.lab .buttons button').first()), `${name}: first button`);
      for (const slider of await page.locator('section.lab input[type="range"]').all()) {
        if (await slider.isVisible()) assert.ok(await onScreen(page, slider), `${name}: a slider sticks out`);
      }
    }
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}
