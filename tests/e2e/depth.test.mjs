// The depth lab page end to end, run with and without WebGPU. Training always
// runs on the CPU (in a Web Worker); the GPU draws the decision boundary.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { useBrowser, ready, WEBGPU, ONCE, metric } from './browser.mjs';

const env = useBrowser();


async function trained(page, epochs) {
  await page.waitForFunction((n) => document.querySelector('[data-metric="epoch"]')?.textContent === String(n), epochs, {
    timeout: 120_000,
  });
  // The evaluation of the final model has arrived.
  await page.waitForFunction(
    (n) => document.querySelector('[data-metric="eval-accuracy"]')?.dataset.epoch === String(n),
    epochs,
    { timeout: 60_000 },
  );
}

// 100 epochs of the default spiral (d = 8, RK4, 8 steps): the CLI reaches
// 0.99 test accuracy on this link; 0.9 leaves room while still failing any
// page that does not train (chance is 0.5).
const SPIRAL = '#lab=depth&epochs=100';

// The preset trains the default spiral for 200 epochs; the CLI reaches 0.99
// on it (and 0.95 is the engine's own bar for the default link).
test('a preset link trains, and the page matches `continuum run` of the same link', async () => {
  const page = await env.page();
  // Every text the boundary's caption shows, in order (the first draw comes
  // before this test could look).
  await page.addInitScript(() => {
    window.__captions = [];
    new MutationObserver(() => {
      const text = document.querySelector('.resolution')?.textContent;
      if (text && text !== window.__captions.at(-1)) window.__captions.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.goto(`${env.url}#lab=depth`);
  await ready(page);
  await page.click('.presets a:has-text("RK4-trained model survives")');
  await page.waitForFunction(() => /esteps=32/.test(location.hash));
  await trained(page, 200);
  const accuracy = Number(await metric(page, 'test-accuracy'));
  assert.ok(accuracy >= 0.95, `test accuracy ${accuracy}`);
  // …and it survives 32 steps, as the preset's name promises.
  assert.ok(Number(await metric(page, 'eval-accuracy')) >= accuracy - 0.03);
  assert.equal(await metric(page, 'diverged'), 'no');
  if (WEBGPU) {
    assert.match(await page.locator('.resolution').textContent(), /256×256 grid evaluated on the GPU/);
    // The boundary is not blank while the GPU pipeline compiles: the CPU's grid comes first.
    const captions = await page.evaluate(() => window.__captions);
    const cpu = captions.findIndex((c) => /on the CPU \(\d+ workers?\) while the GPU pipeline compiles/.test(c));
    const gpu = captions.findIndex((c) => /on the GPU/.test(c));
    assert.ok(cpu >= 0 && cpu < gpu, `captions: ${JSON.stringify(captions)}`);
  } else assert.match(await page.locator('.resolution').textContent(), /256×256 grid evaluated on the CPU/);
  // Same numbers as the native runner (built by `cargo test` before these tests).
  const cli = 'target/debug/continuum';
  assert.ok(existsSync(cli), 'run cargo test first: it builds target/debug/continuum');
  const report = JSON.parse(execFileSync(cli, ['run', page.url()], { encoding: 'utf8' }));
  assert.ok(Math.abs(report.test_accuracy - accuracy) <= 0.005, `page ${accuracy}, CLI ${report.test_accuracy}`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('evaluation sliders change the hash and the eval accuracy without retraining; reload restores them', async () => {
  const page = await env.page();
  await page.goto(env.url + SPIRAL);
  await ready(page);
  await trained(page, 100);
  const before = await metric(page, 'eval-accuracy');
  await page.selectOption('[data-knob="escheme"]', 'euler');
  await page.locator('[data-knob="esteps"]').fill('1');
  await page.waitForFunction(() => /escheme=euler/.test(location.hash) && /esteps=1&/.test(location.hash));
  await page.waitForFunction((b) => document.querySelector('[data-metric="eval-accuracy"]').textContent !== b, before, {
    timeout: 30_000,
  });
  const after = Number(await metric(page, 'eval-accuracy'));
  assert.ok(after < Number(before), `one Euler step should do worse: ${after} vs ${before}`);
  assert.equal(await metric(page, 'epoch'), '100', 'evaluation must not retrain');
  await page.reload();
  await ready(page);
  assert.equal(await page.locator('[data-knob="esteps"]').inputValue(), '1');
  assert.equal(await page.locator('[data-knob="escheme"]').inputValue(), 'euler');
  assert.equal(await page.locator('[data-knob="epochs"]').inputValue(), '100');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a diverging link stops training and says what to change', ONCE, async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=depth&lr=10&epochs=50&scheme=euler&steps=2`);
  await ready(page);
  await page.waitForSelector('#depth-banner:not([hidden])', { timeout: 60_000 });
  assert.match(await page.locator('#depth-banner').textContent(), /diverged in epoch \d+: .*Lower the learning rate/);
  assert.match(await metric(page, 'diverged'), /^yes \(epoch \d+\)$/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('when training ends, the invariance and compression studies are drawn', ONCE, async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=depth&data=moons&epochs=20&steps=4&esteps=4`);
  await ready(page);
  await trained(page, 20);
  await page.waitForSelector('.invariance-chart[data-rows="42"]', { timeout: 60_000 });
  // pwc, pwl, fem, legendre, fourier with K′ ≤ 8: 8 + 4 + 7 + 8 + 8 rows.
  assert.equal(await page.locator('.compression-chart').getAttribute('data-rows'), '35');
  // How far θ(t) moved from constant: what makes the compression curve mean something.
  const moved = Number(await page.locator('[data-metric="theta-variation"]').getAttribute('data-value'));
  assert.ok(moved > 0 && Number.isFinite(moved), `θ variation ${moved}`);
  assert.match(await page.locator('output[data-format="steps"]').textContent(), /^4 · h=0\.250$/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the pendulum study draws endpoint error against h for three training schemes', ONCE, async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=depth&data=pendulum&epochs=5&batch=64`);
  await ready(page);
  await page.waitForSelector('.pendulum-status[data-done="3"]', { timeout: 60_000 });
  assert.equal(await page.locator('.panel.pendulum').isVisible(), true);
  assert.equal(await page.locator('canvas.boundary').isVisible(), false);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('classroom links (?embed) hide the training controls', ONCE, async () => {
  const page = await env.page();
  await page.goto(`${env.url}?embed#lab=depth&epochs=5`);
  await ready(page);
  assert.equal(await page.locator('[data-knob="scheme"]').isVisible(), false);
  assert.equal(await page.locator('[data-knob="esteps"]').isVisible(), true);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('Euler- and RK4-trained twins are compared side by side; dataset thumbnails set the link', ONCE, async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=depth&data=moons&epochs=10&steps=4&esteps=4`);
  await ready(page);
  await page.click('button[data-action="compare"]');
  await page.waitForSelector('.compare-euler[data-rows="42"]', { timeout: 90_000 });
  await page.waitForSelector('.compare-rk4[data-rows="42"]', { timeout: 90_000 });
  await page.click('button.thumb[data-dataset="circles"]');
  await page.waitForSelector('button.thumb[data-dataset="circles"][aria-pressed="true"]');
  assert.match(page.url(), /data=circles/);
  assert.equal(await page.locator('[data-knob="data"]').inputValue(), 'circles');
  assert.deepEqual(page.errors, []);
  await page.close();
});

// The convolutional model on the real digits: a small link (four channels,
// three epochs; the CLI reaches 0.30 test accuracy on it, chance is 0.1) so
// the page finishes in seconds.
test('on the digits the page trains the convolutional model, shows its predictions, and matches `continuum run` bit for bit', ONCE, async () => {
  const page = await env.page();
  const link = '#lab=depth&data=digits&scheme=rk4&steps=2&K=2&channels=4&epochs=3&esteps=2&eK=2';
  await page.goto(env.url + link);
  await ready(page);
  await trained(page, 3);
  // 3 schemes × 6 step counts on images (IMAGE_SCHEMES × IMAGE_STEPS in Rust).
  await page.waitForSelector('.invariance-chart[data-rows="18"]', { timeout: 120_000 });
  await page.waitForSelector('.samples[data-count="24"]', { timeout: 60_000 });
  assert.equal(await page.locator('.boundary').isVisible(), false, 'no decision boundary for images');
  assert.equal(await page.locator('.samples canvas').count(), 24);
  const wrong = Number(await page.locator('.samples').getAttribute('data-wrong'));
  assert.equal(await page.locator('.samples .wrong').count(), wrong);
  const cli = 'target/debug/continuum';
  assert.ok(existsSync(cli), 'run cargo test first: it builds target/debug/continuum');
  const report = JSON.parse(execFileSync(cli, ['run', page.url()], { encoding: 'utf8' }));
  const value = async (name) => Number(await page.locator(`[data-metric="${name}"]`).first().getAttribute('data-value'));
  for (const name of ['test_accuracy', 'train_accuracy', 'train_loss', 'theta_variation']) {
    assert.equal(await value(name), report[name], name);
  }
  // Control: the model learned something to compare (chance is 0.1).
  assert.ok(report.test_accuracy > 0.2, `test accuracy ${report.test_accuracy}`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

// The image model's test set evaluated again on the GPU (conv.wgsl per stage): the same accuracy as the
// worker's CPU evaluation (f32 on the f64 weights), within a flipped image or two; without WebGPU the page says so.
test('on the digits the GPU evaluates the test set as the worker does', async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=depth&data=digits&scheme=rk4&steps=2&K=2&channels=4&epochs=3&esteps=4&eK=2`);
  await ready(page);
  await trained(page, 3);
  if (WEBGPU) {
    await page.waitForSelector('[data-metric="gpu-images"][data-value]', { timeout: 120_000 });
    const { accuracy, cpu } = JSON.parse(await page.locator('[data-metric="gpu-images"]').getAttribute('data-value'));
    assert.ok(Math.abs(accuracy - cpu) <= 0.01, `GPU ${accuracy}, CPU ${cpu}`);
    assert.ok(cpu > 0.2, `the model learned something to compare: ${cpu}`);
  } else {
    await page.waitForFunction(() => /no WebGPU/.test(document.querySelector('[data-metric="gpu-images"]')?.textContent ?? ''), null, { timeout: 60_000 });
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});
