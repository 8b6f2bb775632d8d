// The cylinder wake recorded on the GPU, on the main thread (which owns the
// WebGPU device), before the two training workers start: `core.WakeGpu`
// steps the lattice in f32 with gpu/lbm.wgsl, one snapshot interval per
// submission and read-back, so no task is long. The workers then train on
// these snapshots (`KoopmanSession.onWake`) instead of each simulating the
// f64 wake the CLI and the CPU path record: the same shedding, not the same bits.

/** Intervals per call: each is a submission and a read-back. */
const BATCH = 4;

/**
 * Records the wake of `link` on `device` (a `core.WakeGpu`), telling
 * `progress({time, onset, recorded, count})` as it goes. Resolves to
 * `{wake}` (what `KoopmanSession.onWake` takes), `{refused}` (the flow's
 * reason: no shedding, a blow-up), or null once `cancelled()`; rejects when
 * the device fails.
 */
export async function recordWake(device, link, { progress, cancelled }) {
  device.start(link);
  for (;;) {
    const p = await device.advance(BATCH);
    if (cancelled()) return null;
    if (p.refused) return { refused: p.refused };
    progress(p);
    if (p.done) return { wake: device.finish() };
  }
}

/** The progress line: waiting for shedding, then the snapshots recorded. */
export function describeProgress(p) {
  if (p.onset === null) return `simulating on the GPU: t = ${p.time.toFixed(1)} D/U, waiting for steady shedding`;
  return `recording on the GPU: ${p.recorded} of ${p.count} snapshots (shedding from t = ${p.onset.toFixed(1)} D/U)`;
}
