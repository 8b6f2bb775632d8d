// The eval scheduler (www/ui/eval-scheduler.js) spaces a lab's evaluations
// while it trains: four times an evaluation's cost after its reply, the cost
// being the worker's time plus what drawing the reply computed elsewhere
// (the depth page's boundary grid on the CPU pool). No browser needed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ONCE } from './browser.mjs';
import { evalScheduler } from '../../www/ui/eval-scheduler.js';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Requests sent within `within` ms of asking again, after one reply costing `workerMs` + `drawMs`. */
async function sentAfterOneReply(workerMs, drawMs, within) {
  let sent = 0;
  const evals = evalScheduler(() => sent++, 10);
  evals.request();
  assert.equal(sent, 1, 'the first request goes at once');
  await evals.land({ ms: workerMs }, async () => drawMs, null, 'drawing');
  evals.request();
  await sleep(within);
  evals.cancel();
  return sent;
}

test('the grid a reply drew counts in its cost: the next evaluation waits four times worker + drawing', ONCE, async () => {
  // 5 ms in the worker and 45 ms of grid: the next one waits 200 ms.
  assert.equal(await sentAfterOneReply(5, 45, 100), 1, 'sent before 4 × (5 + 45) ms had passed');
  // Control: the same reply with nothing computed while drawing waits
  // max(10, 4 × 5) = 20 ms, so it has gone within 100 ms.
  assert.equal(await sentAfterOneReply(5, undefined, 100), 2);
});

test('a person moving a slider is answered at once, whatever the last cost', ONCE, async () => {
  let sent = 0;
  const evals = evalScheduler(() => sent++, 10);
  evals.request();
  await evals.land({ ms: 5 }, async () => 1000, null, 'drawing');
  evals.request(true);
  assert.equal(sent, 2);
});

test('the wait runs from the reply, so evaluations take at most a fifth of the worker', ONCE, async () => {
  let sent = 0;
  const evals = evalScheduler(() => sent++, 10);
  evals.request();
  await sleep(50);
  evals.request(); // asked while the first (50 ms in the worker) is in flight
  evals.done(50);
  // Four times 50 ms after the reply: not yet 175 ms after it. Counted from
  // the first request, as before, it would have gone 150 ms after the reply.
  await sleep(175);
  assert.equal(sent, 1, 'sent less than 4 × 50 ms after the reply');
  await sleep(225);
  assert.equal(sent, 2, 'the request made meanwhile is sent once the wait is over');
  evals.cancel();
});
