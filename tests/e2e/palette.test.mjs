// One palette for the whole site (www/ui/palette.js, Okabe–Ito): the labs'
// and the shared views' scripts name no colour of their own except neutral
// greys, so the compared models stay distinguishable with colour-vision
// deficiencies everywhere. Reads the sources; needs no browser.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));

/** Whether a #rgb / #rrggbb colour is a grey (equal channels). */
function grey(hex) {
  const h = hex.slice(1);
  const c = h.length === 3 ? [...h].map((x) => x + x) : [h.slice(0, 2), h.slice(2, 4), h.slice(4, 6)];
  return c.every((x) => x.toLowerCase() === c[0].toLowerCase());
}

test('scripts take their colours from the palette (greys aside)', () => {
  const offenders = [];
  for (const file of [...walk('www/labs'), ...walk('www/ui')].filter((f) => f.endsWith('.js') && !f.endsWith('palette.js'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b/g)) if (!grey(m[0])) offenders.push(`${file}: ${m[0]}`);
  }
  assert.deepEqual(offenders, []);
  // Control: the check sees a colour that is not grey.
  assert.equal(grey('#2f6fd1'), false);
  assert.equal(grey('#555'), true);
});

test('the palette is Okabe–Ito', async () => {
  const { PALETTE, SERIES } = await import('../../www/ui/palette.js');
  assert.deepEqual(Object.values(PALETTE).sort(), ['#000000', '#0072B2', '#009E73', '#56B4E9', '#CC79A7', '#D55E00', '#E69F00', '#F0E442']);
  assert.equal(new Set(SERIES).size, 8);
});
