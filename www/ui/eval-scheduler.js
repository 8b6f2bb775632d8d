// Evaluation requests from a lab's view to its training worker. While
// training, evaluations are spaced at least `minMs` apart and at least four
// times their own cost, so the worker keeps most of its time for training; a
// person moving a slider (`urgent`) is answered at once. The cost is the
// worker's time plus what drawing the reply computed elsewhere (a boundary
// grid on the CPU pool, which holds every core meanwhile, or on a software
// GPU), so drawing cannot crowd out training either. One request is in
// flight at a time; one made meanwhile is sent when the reply is drawn.

export function evalScheduler(send, minMs) {
  let lastAt = 0;
  let lastMs = 0;
  let timer = null;
  let busy = false;
  let again = false;
  const request = (urgent = false) => {
    const wait = lastAt + Math.max(minMs, 4 * lastMs) - performance.now();
    if (!urgent && wait > 0) {
      timer ??= setTimeout(() => {
        timer = null;
        request(true);
      }, wait);
      return;
    }
    lastAt = performance.now();
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    send();
  };
  return {
    request,
    /** The reply was drawn; `ms` is what the evaluation cost the worker. */
    done(ms) {
      if (ms !== undefined) lastMs = ms;
      busy = false;
      if (again) {
        again = false;
        request(true);
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
