// A visible self-test of the GPU path: the dense kernel tanh(W x + b) on the
// GPU against its CPU twin, on a seeded random problem. Shown in the footer
// as `data-metric="kernel-parity"` (the largest mixed error; pass ≤ 1e-5).

import { gpu } from './backend.js';

const TOLERANCE = 1e-5;

export async function runKernelCheck() {
  const el = document.getElementById('kernel-check');
  const device = gpu();
  if (!device) {
    el.dataset.status = 'cpu';
    el.dataset.value = '';
    el.textContent = 'Kernel check: CPU path only (no WebGPU device), nothing to compare.';
    return;
  }
  el.dataset.status = 'running';
  el.textContent = 'Kernel check: running dense tanh(Wx+b) on the GPU…';
  try {
    const r = await device.denseParity(7, 512, 16, 32);
    const pass = r.max_error <= TOLERANCE;
    el.dataset.status = pass ? 'pass' : 'fail';
    el.dataset.value = String(r.max_error);
    el.textContent = `Kernel check: dense tanh(Wx+b), ${r.batch}×${r.n_in}→${r.n_out}, GPU vs CPU max error ${r.max_error.toExponential(2)} ${pass ? '✓' : `✗ (over ${TOLERANCE})`}`;
  } catch (e) {
    el.dataset.status = 'error';
    el.textContent = `Kernel check: the GPU run failed (${e?.message ?? e}); the CPU path is used.`;
  }
}
