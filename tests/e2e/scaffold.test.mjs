// The lab-page scaffold (www/ui/lab-page.js): every lab page's heading is
// its registry title, its presets and live metrics come from the registry,
// and a view supplies only its figures, in functions short enough to read
// (none over 150 lines). The length check reads the sources; the rest opens
// every lab (and its "Over seeds" panel of the lab's claims).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { useBrowser, ready, ONCE } from './browser.mjs';

const env = useBrowser();
const LONGEST = 150;
const recordedMaps = JSON.parse(readFileSync('docs/maps.json', 'utf8')).maps;

/**
 * Lines of every function in `source`, by brace matching from a line that
 * opens one (`function f(`, `const f = (…) => {`, a method `f(…) {`);
 * strings, template literals and comments are skipped.
 */
export function functionLengths(source) {
  const code = source.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\/|`(?:\\.|[^`\\])*`|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"/g, (m) => m.replace(/[^\n]/g, ' '));
  const lines = code.split('\n');
  const out = [];
  lines.forEach((line, i) => {
    const m = line.match(/^\s*(?:export )?(?:async )?function (\w+)|^\s*const (\w+) = (?:async )?\([^)]*\) => \{\s*$|^\s*(?:async )?(\w+)\([^)]*\) \{\s*$/);
    if (!m) return;
    let depth = 0;
    let opened = false;
    for (let j = i; j < lines.length; j++) {
      for (const ch of lines[j]) {
        if (ch === '{') [depth, opened] = [depth + 1, true];
        if (ch === '}') depth -= 1;
      }
      if (opened && depth === 0) {
        out.push({ name: m[1] ?? m[2] ?? m[3], lines: j - i + 1 });
        return;
      }
    }
  });
  return out;
}

test(`no function in a lab's view.js is over ${LONGEST} lines`, () => {
  const long = [];
  for (const lab of readdirSync('www/labs')) {
    for (const f of functionLengths(readFileSync(`www/labs/${lab}/view.js`, 'utf8'))) {
      if (f.lines > LONGEST) long.push(`${lab}: ${f.name} (${f.lines} lines)`);
    }
  }
  assert.deepEqual(long, []);
  // Control: a long function, with braces in its strings, is measured.
  const body = Array.from({ length: LONGEST }, (_, i) => `  const x${i} = '}';`).join('\n');
  assert.deepEqual(functionLengths(`export function mount(app) {\n${body}\n}\n`), [{ name: 'mount', lines: LONGEST + 2 }]);
});

test('every lab page is drawn from its registry entry: title, presets, live metrics', ONCE, async () => {
  const page = await env.page();
  await page.goto(env.url);
  await ready(page);
  const labs = await page.evaluate(() => globalThis.continuum.labs().filter((l) => l.status === 'ready'));
  assert.ok(labs.length >= 7);
  for (const lab of labs) {
    await page.goto(`${env.url}#lab=${lab.name}`);
    await page.waitForSelector(`section.lab[data-lab="${lab.name}"]`);
    assert.equal(await page.locator('section.lab h1').textContent(), lab.title, lab.name);
    assert.equal(await page.locator('section.lab .presets a').count(), lab.presets.length, lab.name);
    // The lab's claims in its "Over seeds" panel, with the recorded numbers.
    const claims = await page.evaluate((l) => globalThis.continuum.claims().filter((c) => c.lab === l).length, lab.name);
    assert.ok(claims >= 1, lab.name);
    assert.equal(await page.locator('.over-seeds tr[data-state="recorded"]').count(), claims, lab.name);
    // Its recorded maps (docs/maps.json), one table per measure, each cell the recorded median;
    // a lab with no map has no maps panel.
    const maps = recordedMaps.filter((m) => m.lab === lab.name);
    const tables = maps.reduce((n, m) => n + m.cells[0].measures.length, 0);
    assert.equal(await page.locator('.panel.maps table.map').count(), tables, lab.name);
    assert.equal(await page.locator('.panel.maps').count(), maps.length ? 1 : 0, lab.name);
    if (maps.length) {
      const first = maps[0].cells[0].measures[0];
      const cell = page.locator('.panel.maps table.map').first().locator('td[data-reading]').first();
      assert.equal(Number(await cell.getAttribute('data-value')), first.median, lab.name);
      assert.equal(await cell.getAttribute('data-reading'), first.reading, lab.name);
    }
    for (const name of lab.metrics) {
      // Each metric has one element under its name: the view's own or the list's.
      assert.equal(await page.locator(`section.lab [data-metric="${name}"]`).count(), 1, `${lab.name}: ${name}`);
    }
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});
