// The wasm core under Node against `continuum run`: numbers that come from
// a linear-algebra solver (not from training, which the lab pages' own e2e
// tests compare) are the same bits. The noise lab's stability statistic is
// the top eigenvalue of sym(A), and the flow lab's claims read Nyström's
// eigenpairs against the exact ones. faer's solvers gave the page other
// last bits than the CLI (FMA kernels natively, plain ones in wasm), so
// these are `num::eigvals` and `num::linalg`, scalar and in a fixed order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { ONCE } from './browser.mjs';

const CLI = 'target/debug/continuum';

/** The wasm core, loaded under Node once for every test here. */
let loaded;
async function wasmCore() {
  assert.ok(existsSync(CLI), 'run cargo test first: it builds target/debug/continuum');
  loaded ??= import('../../www/pkg/continuum.js').then(async ({ default: init, ...core }) => {
    await init({ module_or_path: readFileSync('www/pkg/continuum_bg.wasm') });
    return core;
  });
  return loaded;
}

test('the noise lab\'s sym(A) spectrum: the wasm core and `continuum run` agree bit for bit', ONCE, async () => {
  const core = await wasmCore();
  const claim = core.claims().find((c) => c.lab === 'noise' && /sym A/.test(c.statistic));
  assert.ok(claim, 'the noise lab has a claim on the spectrum of sym(A)');
  // 32 units, one epoch (the CLI here is the test profile's, slow at the lab's 64).
  for (const seed of [1]) {
    const link = '#lab=noise&epochs=1&units=32';
    const [page] = core.claimValues('noise', link, seed, Uint32Array.of(claim.index));
    const { spectrum } = JSON.parse(execFileSync(CLI, ['run', `${link}&seed=${seed}`], { encoding: 'utf8' }));
    const cli = spectrum.noisy.at(-1) - spectrum.deterministic.at(-1);
    assert.ok(Number.isFinite(cli) && cli !== 0, `seed ${seed}: ${cli}`);
    assert.equal(page, cli, `seed ${seed}`);
  }
});

test('the flow lab\'s Nyström and exact eigenpairs: the wasm core and `continuum run` agree bit for bit', ONCE, async () => {
  const core = await wasmCore();
  const claims = core.claims().filter((c) => c.lab === 'flow');
  assert.ok(claims.length >= 2, 'the flow lab has claims on the leading pair');
  const link = '#lab=flow&res=64&t=0.2&nodes=300&l=50&k=2';
  for (const seed of [1, 2]) {
    const page = core.claimValues('flow', link, seed, Uint32Array.from(claims, (c) => c.index));
    const report = JSON.parse(execFileSync(CLI, ['run', `${link}&seed=${seed}`], { encoding: 'utf8' }));
    claims.forEach((claim, i) => {
      const cli = report[claim.statistic.match(/^[a-z_]+/)[0]];
      assert.ok(Number.isFinite(cli) && cli !== 0, `seed ${seed}, ${claim.statistic}: ${cli}`);
      assert.equal(page[i], cli, `seed ${seed}, ${claim.statistic}`);
    });
  }
});

test('the claims worker\'s shared work (a titration\'s clean classifiers, the deterministic RNN and its evaluations) gives the numbers of separate runs in wasm', ONCE, async () => {
  const core = await wasmCore();
  const claims = core.claims().filter((c) => c.lab === 'noise');
  const titration = claims.find((c) => /study=titrate/.test(c.link));
  const robustness = claims.find((c) => c.link === '#lab=noise');
  assert.ok(titration && robustness, 'the noise lab has a titration claim and a robustness claim');
  // Small versions of each claim's link and its control (the control repeats the link's work).
  const pairs = [
    [titration, '#lab=noise&study=titrate&models=2&tepochs=2', '#lab=noise&study=titrate&models=2&tepochs=2&poison=0'],
    [robustness, '#lab=noise&units=8&epochs=2', '#lab=noise&units=8&epochs=2&add=0&mult=0'],
  ];
  const run = (claim, link) => core.claimValues('noise', link, 1, Uint32Array.of(claim.index))[0];
  // Each run alone first (nothing shared: a fresh core shares nothing until `shareWork`).
  const alone = pairs.map(([claim, link, control]) => [run(claim, link), run(claim, control)]);
  core.shareWork();
  try {
    pairs.forEach(([claim, link, control], i) => {
      const shared = [run(claim, link), run(claim, control)];
      assert.ok(shared.every(Number.isFinite), `${link}: ${shared}`);
      assert.deepEqual(shared, alone[i], link);
    });
  } finally {
    core.forgetSharedWork();
  }
});
