// The decision boundary on the CPU, shared out to a pool of workers
// (./grid-worker.js, one wasm instance each): the CPU's counterpart of the
// GPU kernel (both take the packed model the training worker hands over).
// Each worker evaluates a band of the grid's rows (`depthGridRows`); every
// point's arithmetic is its own, so the bands put together are the bits one
// instance would give (tested natively: `grid_shares_put_together_are_the_whole_grid`).
// Plain Web Workers, not wasm threads: no cross-origin isolation needed, so
// the static site works anywhere.

/** Workers in the pool: the cores the browser reports, at most four. */
export const POOL_SIZE = Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2));

export function gridPool(size = POOL_SIZE) {
  const workers = Array.from({ length: size }, () => new Worker(new URL('./grid-worker.js', import.meta.url), { type: 'module' }));
  let next = 0;
  const pending = new Map();
  for (const w of workers) {
    w.onmessage = ({ data: m }) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) p?.reject(new Error(m.error));
      else p?.resolve(m.logits);
    };
  }
  const ask = (w, job) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      w.postMessage({ id, ...job });
    });
  return {
    size,
    /** Logits of the `res × res` grid, row-major from the top, as one Float32Array. */
    async grid(packed, res) {
      // The same split as kernel::row_share.
      const bands = workers.map((w, part) => ask(w, { packed, res, row0: Math.floor((part * res) / size), row1: Math.floor(((part + 1) * res) / size) }));
      const parts = await Promise.all(bands);
      const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    },
    terminate() {
      workers.forEach((w) => w.terminate());
      for (const p of pending.values()) p.reject(new Error('the grid pool was closed'));
      pending.clear();
    },
  };
}
