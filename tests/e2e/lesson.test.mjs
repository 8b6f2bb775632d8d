// Lessons end to end: a teacher writes one in the page, shares its link, a
// student opens it in a fresh browser and steps through; hostile links are
// refused with a banner naming the problem; the page's links and the CLI's
// (`continuum lesson`) carry the same lessons.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { useBrowser, ready, ONCE } from './browser.mjs';

const env = useBrowser();
const CLI = 'target/debug/continuum';

/** A `#lesson=` hash of any text, compressed as the page does (raw deflate, base64url without padding). */
const hashOf = (text) => '#lesson=' + deflateRawSync(Buffer.from(text)).toString('base64url');

test('a lesson written in the page round-trips through its link: steps, checks, worksheet', ONCE, async () => {
  const teacher = await env.page();
  await teacher.goto(`${env.url}#lab=fields`);
  await ready(teacher);
  await teacher.click('button.write-lesson');
  await teacher.fill('.lesson-title-input', 'Norms under transport — النص');
  const addStep = async (link, text) => {
    await teacher.evaluate((l) => (location.hash = l), link);
    // The router writes the canonical link: every part of ours is in it.
    await teacher.waitForFunction((l) => l.slice(1).split('&').every((p) => location.hash.includes(p)), link);
    await teacher.click('[data-lesson-author="add"]');
    await teacher.locator('.lesson-text-input').last().fill(text);
  };
  const check = async (metric, op, value) => {
    await teacher.locator('.lesson-metric-input').last().selectOption(metric);
    await teacher.locator('.lesson-op-input').last().selectOption(op);
    await teacher.locator('.lesson-value-input').last().fill(String(value));
    await teacher.locator('.lesson-value-input').last().dispatchEvent('change');
  };
  await addStep('#lab=fields', 'A *divergence-free* field: M is skew.');
  await check('skew_residual', '<', 1e-9);
  await addStep('#lab=fields&kappa=0.5', 'Divergence on: is M still skew?');
  await check('skew_residual', '<', 1e-9);
  await addStep('#lab=sketch', 'Read the coverage.');
  await teacher.locator('.lesson-question-input').last().fill('Does the bootstrap cover the truth?');
  // Reorder: the sketch step up and back down.
  await teacher.click('[aria-label="Move step 3 up"]');
  assert.match(await teacher.locator('.lesson-edit-step').nth(1).locator('.lesson-link-input').inputValue(), /lab=sketch/);
  await teacher.click('[aria-label="Move step 2 down"]');
  await teacher.click('[data-lesson-author="copy"]');
  await teacher.waitForFunction(() => document.querySelector('.lesson-link-out').textContent.includes('#lesson='));
  const link = await teacher.locator('.lesson-link-out').textContent();
  assert.match(link, /#lesson=[A-Za-z0-9_-]+$/);
  assert.ok(link.length < 8192, `a 3-step lesson in ${link.length} characters`);
  assert.deepEqual(teacher.errors, []);
  await teacher.close();

  // The student: a fresh browser context (no storage), the link alone.
  const student = await env.page();
  await student.goto(link);
  await ready(student);
  await student.waitForSelector('#lesson-bar');
  assert.match(await student.locator('.lesson-title').textContent(), /Norms under transport — النص/);
  assert.equal(await student.locator('.lesson-title').getAttribute('dir'), 'auto');
  assert.equal(await student.locator('.lesson-step').getAttribute('data-step'), '1');
  assert.equal(await student.locator('.lesson-text em').textContent(), 'divergence-free');
  await student.waitForFunction(() => document.querySelector('.lesson-check')?.dataset.state === 'pass', null, { timeout: 60_000 });
  await student.click('[data-lesson-action="next"]');
  await student.waitForFunction(() => /kappa=0.5/.test(location.hash));
  // As designed, this check fails: with divergence M is not skew.
  await student.waitForFunction(() => document.querySelector('.lesson-check')?.dataset.state === 'fail', null, { timeout: 60_000 });
  await student.click('[data-lesson-action="next"]');
  await student.waitForFunction(() => /lab=sketch/.test(location.hash));
  await student.fill('.lesson-answer', 'It covers it most of the time.');
  // Progress survives a reload.
  await student.reload();
  await ready(student);
  await student.waitForSelector('#lesson-bar');
  assert.equal(await student.locator('.lesson-step').getAttribute('data-step'), '3');
  assert.equal(await student.locator('.lesson-answer').inputValue(), 'It covers it most of the time.');
  // The worksheet: every question, room to answer, the link as a QR code.
  await student.click('[data-lesson-action="worksheet"]');
  await student.waitForSelector('.worksheet');
  assert.equal(await student.locator('.worksheet-step').count(), 3);
  assert.equal(await student.locator('.worksheet .answer-lines').count(), 1);
  assert.ok(await student.locator('.worksheet svg[role="img"]').isVisible());
  await student.click('.worksheet button:has-text("Close")');
  await student.click('[data-lesson-action="clear"]');
  await student.waitForFunction(() => document.querySelector('.lesson-step')?.dataset.step === '1');
  await student.click('[data-lesson-action="leave"]');
  assert.equal(await student.locator('#lesson-bar').count(), 0);
  assert.deepEqual(student.errors, []);
  await student.close();
});

test('hostile lessons: no script runs, nothing of a refused lesson runs, the banner names the problem', ONCE, async () => {
  const page = await env.page();
  await page.goto(`${env.url}#lab=home`);
  await ready(page);
  const step = { link: '#lab=sketch', text: 'Look <img src=x onerror="window.pwned=1">' };
  const lesson = (over) => JSON.stringify({ v: 1, title: 't', steps: [step], ...over });
  // Tags in strings are text: the lesson runs and shows them as written.
  await page.goto(`${env.url}${hashOf(lesson({ title: '<script>window.pwned=1</script>' }))}`);
  await page.waitForSelector('#lesson-bar');
  assert.equal(await page.locator('.lesson-title').textContent(), '<script>window.pwned=1</script>');
  assert.equal(await page.locator('#lesson-bar img, #lesson-bar script').count(), 0);
  assert.match(await page.locator('#lesson-bar .lesson-text').textContent(), /<img src=x onerror/);
  await page.click('[data-lesson-action="leave"]');
  const cases = [
    [hashOf(lesson({ steps: [{ ...step, link: 'javascript:alert(1)' }] })), /not a link of this site/],
    [hashOf(lesson({ steps: [{ ...step, text: '[x](javascript:alert(1))' }] })), /link only to this site/],
    [hashOf(lesson({ v: 2 })), /version 2/],
    [hashOf('['.repeat(5000)), /not valid JSON/],
    [hashOf(' '.repeat(1 << 20)), /more than 65536 bytes/],
    ['#lesson=' + 'A'.repeat(40_000), /at most 32768/],
    ['#lesson=%%%not-base64', /not base64url/],
    ['#lesson=AAAA', /damaged/],
  ];
  for (const [hash, why] of cases) {
    await page.goto(`${env.url}#lab=home`);
    await page.evaluate(() => (document.getElementById('error-banner').hidden = true));
    await page.goto(`${env.url}${hash}`);
    await page.waitForSelector('#error-banner:not([hidden])');
    assert.match(await page.locator('#error-banner').textContent(), why, hash.slice(0, 60));
    assert.equal(await page.locator('#lesson-bar').count(), 0, 'nothing of a refused lesson runs');
  }
  assert.equal(await page.evaluate(() => window.pwned), undefined, 'no script ran');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the page and `continuum lesson` carry the same lessons', ONCE, async () => {
  assert.ok(existsSync(CLI), 'run cargo test first: it builds target/debug/continuum');
  const page = await env.page();
  await page.goto(`${env.url}#lab=home`);
  await ready(page);
  // The page's link of the built-in depth lesson, decoded by the CLI: the file's lesson.
  await page.waitForFunction(() => document.querySelector('[data-lesson="depth"]')?.getAttribute('href').startsWith('#lesson='));
  const pageLink = await page.locator('[data-lesson="depth"]').getAttribute('href');
  const decoded = JSON.parse(execFileSync(CLI, ['lesson', 'decode', pageLink], { encoding: 'utf8' }));
  assert.deepEqual(decoded, JSON.parse(readFileSync('www/labs/depth/lesson.json', 'utf8')));
  // The CLI's link of it, opened by the page: the same title and steps.
  const cliLink = execFileSync(CLI, ['lesson', 'encode', 'www/labs/depth/lesson.json'], { encoding: 'utf8' }).trim();
  await page.goto(`${env.url}${cliLink}`);
  await page.waitForSelector('#lesson-bar');
  assert.equal(await page.locator('.lesson-title').textContent(), decoded.title);
  assert.match(await page.locator('.lesson-step').textContent(), /Step 1 of 3/);
  await page.waitForFunction(() => location.hash.startsWith('#lab=depth'));
  // A check on a claim's verdict reads the lab page's "Over seeds" table (here the recorded verdicts).
  // One claim that holds and one that does not (the control), of the first lab that has both.
  const claims = JSON.parse(readFileSync('docs/claims.json', 'utf8')).claims;
  const of = (lab, holds) => claims.find((c) => c.lab === lab && c.holds === holds);
  const lab = claims.map((c) => c.lab).find((l) => of(l, true) && of(l, false));
  assert.ok(lab, 'some lab has a claim that holds and one that does not');
  const pair = [of(lab, true), of(lab, false)];
  const claimCheck = (name) => hashOf(JSON.stringify({ v: 1, title: 'c', steps: [{ link: `#lab=${lab}`, text: 'x', check: { claim: name } }] }));
  for (const c of pair) {
    await page.goto(`${env.url}#lab=home`);
    await page.goto(`${env.url}${claimCheck(c.claim)}`);
    await page.waitForSelector('#lesson-bar');
    const want = c.holds ? 'pass' : 'fail';
    await page.waitForFunction((w) => document.querySelector('.lesson-check')?.dataset.state === w, want, { timeout: 30_000 });
    await page.click('[data-lesson-action="leave"]');
  }
  // Control: a damaged link is refused by both, with the same reason.
  const damaged = spawnSync(CLI, ['lesson', 'check', '#lesson=AAAA'], { encoding: 'utf8' });
  assert.equal(damaged.status, 2);
  assert.match(damaged.stderr, /damaged/);
  assert.deepEqual(page.errors, []);
  await page.close();
});
