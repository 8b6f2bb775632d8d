// Evaluation requests from a lab's view to its training worker. While
// training, an evaluation is sent at least `minMs` after the last one, and
// at least four times its own cost after the last reply was drawn, so the
// worker keeps at least four fifths of its time for training; a person
// moving a slider (`urgent`) is answered at once. The cost is the worker's
// time plus what drawing the reply computed elsewhere (a boundary grid on
// the CPU pool, which holds every core meanwhile, or on a software GPU), so
// drawing cannot crowd out training either. One request is in flight at a
// time; one made meanwhile is sent when the reply is drawn (at once if it
// was urgent, else after the same wait). The wait runs from the reply, not
// from the request: counted from the request, an evaluation costing c would
// come every 4c and take a quarter of the worker (tests/e2e/eval-scheduler).

export function evalScheduler(send, minMs) {
  let sentAt = -Infinity; // when the last request was sent
  let drawnAt = -Infinity; // when its reply was drawn
  let lastMs = 0;
  let timer = null;
  let busy = false;
  let again = null; // a request made while one was in flight: null, or whether it was urgent
  const request = (urgent = false) => {
    if (busy) {
      again = again || urgent;
      return;
    }
    const wait = Math.max(sentAt + minMs, drawnAt + 4 * lastMs) - performance.now();
    if (!urgent && wait > 0) {
      timer ??= setTimeout(() => {
        timer = null;
        request();
      }, wait);
      return;
    }
    clearTimeout(timer);
    timer = null;
    sentAt = performance.now();
    busy = true;
    send();
  };
  return {
    request,
    /** The reply was drawn; `ms` is what the evaluation cost the worker. */
    done(ms) {
      if (ms !== undefined) lastMs = ms;
      busy = false;
      drawnAt = performance.now();
      if (again !== null) {
        const urgent = again;
        again = null;
        request(urgent);
      }
    },
    /**
     * Draws reply `m` with `draw` (which may use the GPU) and marks it done.
     * `draw` may return the milliseconds drawing took (mostly a grid on a
     * worker pool or the GPU), counted in the reply's cost. If drawing
     * fails, says so in `note` and asks again: the next request goes to the
     * CPU path when the GPU is gone.
     */
    async land(m, draw, note, what) {
      let drawMs;
      try {
        drawMs = await draw(m);
      } catch (e) {
        note.textContent = `GPU ${what} failed (${e?.message ?? e}); using the CPU.`;
        again = true;
      }
      this.done(m.ms === undefined ? undefined : m.ms + (drawMs ?? 0));
    },
    /** Ask again when the current reply is done (e.g. the GPU went away meanwhile). */
    retry() {
      again = true;
    },
    cancel() {
      clearTimeout(timer);
      timer = null;
    },
  };
}
