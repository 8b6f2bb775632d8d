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

// A finger dragging a slider moves it (and so the knob), and the page does
// not scroll sideways under it: Chromium's touch events, sent as a phone's.
test('a touch drag moves a slider on a phone', ONCE, async () => {
  const browser = env.browser;
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  await page.goto(`${env.url}#lab=koopman&epochs=1`);
  await ready(page);
  const slider = page.locator('input[data-slider="theta0"]');
  await slider.scrollIntoViewIfNeeded();
  const before = await slider.inputValue();
  const box = await slider.boundingBox();
  const cdp = await context.newCDPSession(page);
  const y = box.y + box.height / 2;
  const at = (x) => [{ x, y }];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(box.x + box.width * 0.8) });
  for (const f of [0.7, 0.55, 0.4, 0.25]) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(box.x + box.width * f) });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await page.waitForFunction((b) => document.querySelector('input[data-slider="theta0"]').value !== b, before, { timeout: 5_000 });
  assert.ok(Number(await slider.inputValue()) < Number(before), 'dragged left, the value went down');
  assert.equal(await page.evaluate(() => scrollX), 0);
  await context.close();
});
