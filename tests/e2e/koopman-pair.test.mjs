// The Koopman page trains its two models in two workers (www/labs/koopman/
// pair.js) and merges their replies into the stream one worker training both
// would send. These tests drive the merge with stand-in workers (no browser):
// the page's end-to-end tests check the numbers against `continuum run`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ONCE } from './browser.mjs';

class StandIn {
  static all = [];
  constructor() {
    this.sent = [];
    StandIn.all.push(this);
  }
  postMessage(m) {
    this.sent.push(m);
  }
  terminate() {
    this.terminated = true;
  }
  reply(m) {
    this.onmessage({ data: m });
  }
}
globalThis.Worker = StandIn;
const { modelPair } = await import('../../www/labs/koopman/pair.js');

/** A pair, its two stand-in workers and what it has emitted so far. */
function setUp() {
  StandIn.all = [];
  const pair = modelPair();
  const out = [];
  pair.onmessage = ({ data }) => out.push(data);
  const [c, p] = StandIn.all;
  return { pair, c, p, out };
}

const stats = (...epochs) => epochs.map((epoch) => ({ epoch, loss: { total: 1 / epoch } }));
const st = (name, epoch, done = false) => ({ [name]: { epoch, done, divergence: null } });

/** Whether the loss chart, fed `messages` as the view feeds it, has the plain loss beside every consistent epoch. */
function chartComplete(messages) {
  const plain = new Set();
  for (const m of messages.filter((m) => m.type === 'epochs')) {
    for (const s of m.plain) plain.add(s.epoch);
    if (m.consistent.some((s) => !plain.has(s.epoch))) return false;
  }
  return true;
}

test('start reaches both workers, one model each, and ready waits for both', ONCE, () => {
  const { pair, c, p, out } = setUp();
  pair.postMessage({ type: 'start', link: '#lab=koopman', play: true });
  assert.deepEqual([c.sent[0].only, p.sent[0].only], ['consistent', 'plain']);
  pair.postMessage({ type: 'pause' });
  assert.deepEqual([c.sent[1], p.sent[1]], [{ type: 'pause' }, { type: 'pause' }]);
  p.reply({ type: 'ready', truth: 'p', status: st('plain', 0) });
  assert.equal(out.length, 0);
  c.reply({ type: 'ready', truth: 'c', status: st('consistent', 0) });
  assert.equal(out.length, 1);
  assert.equal(out[0].truth, 'c');
  assert.deepEqual(Object.keys(out[0].status).sort(), ['consistent', 'plain']);
  pair.terminate();
  assert.ok(c.terminated && p.terminated);
});

test('a consistent epoch is passed on with the plain model’s same epoch, or once the plain model stops', ONCE, () => {
  const { pair, c, p, out } = setUp();
  pair.postMessage({ type: 'start', link: '#lab=koopman' });
  c.reply({ type: 'ready', truth: 'c', status: st('consistent', 0) });
  p.reply({ type: 'ready', truth: 'p', status: st('plain', 0) });
  const raw = [
    [c, { type: 'epochs', consistent: stats(1, 2), plain: [], status: st('consistent', 2) }],
    [p, { type: 'epochs', consistent: [], plain: stats(1), status: st('plain', 1) }],
    [c, { type: 'epochs', consistent: stats(3), plain: [], status: st('consistent', 3) }],
    [p, { type: 'epochs', consistent: [], plain: stats(2, 3), status: st('plain', 3) }],
    [c, { type: 'epochs', consistent: stats(4, 5), plain: [], status: st('consistent', 5, true) }],
    [p, { type: 'epochs', consistent: [], plain: [], status: { plain: { epoch: 3, done: true, divergence: { epoch: 4 } } } }],
  ];
  for (const [w, m] of raw) w.reply(m);
  const epochs = out.filter((m) => m.type === 'epochs');
  assert.deepEqual(
    epochs.map((m) => m.consistent.map((s) => s.epoch)),
    [[1], [2, 3], [4, 5]],
  );
  assert.ok(chartComplete(out.slice(1, -1)), 'every consistent epoch drawn with its plain loss while both train');
  assert.equal(epochs.at(-1).status.plain.divergence.epoch, 4);
  // Control: the workers' messages passed on as they come would leave gaps.
  assert.equal(chartComplete(raw.map(([, m]) => m)), false);
});

test('epochs before both are ready wait, and the old run’s are dropped', ONCE, () => {
  const { pair, c, p, out } = setUp();
  pair.postMessage({ type: 'start', link: '#lab=koopman&seed=1' });
  c.reply({ type: 'epochs', consistent: stats(7), plain: [], status: st('consistent', 7) }); // before its ready: the old run
  p.reply({ type: 'ready', truth: 'p', status: st('plain', 0) });
  p.reply({ type: 'epochs', consistent: [], plain: stats(1), status: st('plain', 1) });
  assert.equal(out.length, 0);
  c.reply({ type: 'ready', truth: 'c', status: st('consistent', 0) });
  assert.deepEqual(
    out.map((m) => m.type),
    ['ready', 'epochs'],
  );
  assert.deepEqual(out[1].plain, stats(1));
  c.reply({ type: 'epochs', consistent: stats(1), plain: [], status: st('consistent', 1) });
  assert.deepEqual(out.at(-1).consistent, stats(1), 'the new run’s first epoch, not the old run’s 7');
});

test('evaluations are merged request by request', ONCE, () => {
  const { pair, c, p, out } = setUp();
  pair.postMessage({ type: 'start', link: '#lab=koopman' });
  c.reply({ type: 'ready', truth: 'c', status: st('consistent', 0) });
  p.reply({ type: 'ready', truth: 'p', status: st('plain', 0) });
  pair.postMessage({ type: 'eval', horizon: 100, n: 4, packed: false });
  pair.postMessage({ type: 'eval', horizon: 100, n: 4, packed: true });
  const half = (name, i, packed) => ({
    type: 'eval',
    consistent: name === 'c' ? `c${i}` : null,
    plain: name === 'p' ? `p${i}` : null,
    starts: [i],
    ms: i,
    // The epoch each half was evaluated at (the view's verdict reads it, not its latest epoch).
    status: st(name === 'c' ? 'consistent' : 'plain', 10 * i + (name === 'p' ? 5 : 0)),
    [packed ? 'packed' : 'rollouts']: name === 'c' ? [`c${i}`, null] : [null, `p${i}`],
  });
  c.reply(half('c', 1, false));
  c.reply(half('c', 2, true));
  assert.equal(out.length, 1, 'nothing until the plain half answers');
  p.reply(half('p', 1, false));
  p.reply(half('p', 2, true));
  const [first, second] = out.slice(1);
  assert.deepEqual([first.consistent, first.plain, first.rollouts], ['c1', 'p1', ['c1', 'p1']]);
  assert.deepEqual([second.consistent, second.plain, second.packed], ['c2', 'p2', ['c2', 'p2']]);
  assert.deepEqual([first.status.consistent.epoch, first.status.plain.epoch, second.status.consistent.epoch, second.status.plain.epoch], [10, 15, 20, 25]);
});
