// The one worker loop every lab's worker runs: its own instance of the wasm
// core, the start / play / pause / step protocol, work in slices of about
// SLICE_MS so the worker answers messages (evaluations, sliders) between
// slices, and every error posted as a message, never thrown.
//
// A lab's worker calls runWorker(lab) with:
//   start(m)      a new run from m.link; returns the fields of the 'ready' reply
//   started()     optional: runs just after 'ready' is posted
//   turn(playing) up to SLICE_MS of work; returns true while more is due now
//   step()        one unit of work, on the Step button (the loop pauses first)
//   on            { type: (m) => void } for the lab's own messages
//   played(on)    optional: the loop was played (true) or paused (false)
//   waiting()     optional: true while the work waits on something outside
//                 the loop (turn returns false then, and the loop stays in play)
// It returns wake(): such a lab calls it when what it waited for has come.
// In:  {type: 'start', link, play?, …} | {type: 'play'} | {type: 'pause'} | {type: 'step'} | lab's own
// Out: {type: 'ready', …} | lab's own | {type: 'error', message}
//
// A lab whose session is its experiment's driver (core::driver: `step()`,
// `progress()`, `report()`) calls runDriver instead, which posts
// {type: 'ready', status, …} and {type: 'steps', steps, status, report?, …}.

import { loadCore } from '../core.js';

/** How long one slice of work may hold the worker, in ms. */
export const SLICE_MS = 25;

/** Posts an error as a message the view shows. */
export function postError(e) {
  postMessage({ type: 'error', message: String(e?.message ?? e) });
}

/**
 * Calls `next()` until SLICE_MS has passed or it returns null; returns the
 * results. A training loop's slice: `next` is one epoch.
 */
export function slice(next) {
  const out = [];
  const start = performance.now();
  while (performance.now() - start < SLICE_MS) {
    const r = next();
    if (r === null) break;
    out.push(r);
  }
  return out;
}

export function runWorker(lab) {
  const ready = loadCore();
  let playing = false;
  let due = false;

  // The next slice is a message to ourselves, not setTimeout(…, 0): nested
  // timeouts are clamped to 4 ms, which was a seventh of every 25 ms slice.
  // Messages from the page still get their turn between slices, in order.
  const wake = new MessageChannel();
  wake.port1.onmessage = () => {
    due = false;
    loop();
  };
  const schedule = () => {
    if (!due) {
      due = true;
      wake.port2.postMessage(null);
    }
  };

  function loop() {
    let more;
    try {
      more = lab.turn(playing);
    } catch (e) {
      playing = false;
      postError(e);
      return;
    }
    if (more) schedule();
    else if (!lab.waiting?.()) playing = false;
  }

  onmessage = async (event) => {
    await ready;
    const m = event.data;
    try {
      switch (m.type) {
        case 'start':
          playing = Boolean(m.play);
          postMessage({ type: 'ready', ...lab.start(m) });
          lab.started?.();
          break;
        case 'play':
          playing = true;
          lab.played?.(true);
          break;
        case 'pause':
          playing = false;
          lab.played?.(false);
          break;
        case 'step':
          playing = false;
          lab.played?.(false);
          lab.step();
          break;
        default: {
          const handler = lab.on?.[m.type];
          if (!handler) throw new Error(`unknown message ${m.type}`);
          handler(m);
        }
      }
    } catch (e) {
      postError(e);
    }
    schedule();
  };
  return { wake: schedule };
}

/**
 * The worker of a lab whose session is its experiment's driver
 * (`core::driver`): `open(link)` makes the session (`step()` returns the
 * unit's typed result or null once finished, `progress()` where it stands,
 * `report()` what `continuum run` prints). Each slice of steps is posted as
 * {type: 'steps', steps, status, ...extra(session, steps, status, memo)},
 * with the report once the run is finished; `ready(session)` adds to the
 * 'ready' reply; `on` answers the lab's own messages with the session.
 * `memo` is an object the lab may keep per run (what it has sent).
 * `idle(session)` true: the session waits on something outside the loop
 * (the loop stops until the returned wake() is called); `played` as for
 * runWorker. Returns {wake, post}: post(steps) sends steps as a slice would.
 */
export function runDriver({ open, ready = () => ({}), extra = () => ({}), on = {}, idle = () => false, played }) {
  let session = null;
  let memo = {};
  function post(steps) {
    const status = session.progress();
    const reply = { type: 'steps', steps, status, ...extra(session, steps, status, memo) };
    // The report `continuum run` prints for this link, once the run is done.
    if (status.finished) reply.report = session.report();
    postMessage(reply);
    return !status.finished;
  }
  const { wake } = runWorker({
    played,
    start(m) {
      session?.free();
      session = open(m.link);
      memo = {};
      return { status: session.progress(), ...ready(session) };
    },
    turn(playing) {
      if (!session || !playing || idle(session)) return false;
      return post(slice(() => session.step()));
    },
    waiting: () => Boolean(session) && idle(session),
    step() {
      const s = session.step();
      post(s ? [s] : []);
    },
    on: Object.fromEntries(Object.entries(on).map(([type, answer]) => [type, (m) => answer(session, m)])),
  });
  return { wake, post };
}
