// Where the numerics run: WebGPU when the browser gives us an adapter that can
// compute, the CPU (the same Rust code, in wasm) otherwise — and after a lost
// device. The badge in the header always says which.

import { core } from './core.js';
import { showError } from './banner.js';

const state = { gpu: null, adapterName: '', reason: 'not started' };
const listeners = new Set();

/** The current WebGpu handle, or null on the CPU path. */
export function gpu() {
  return state.gpu;
}

/**
 * A lab's GPU face (e.g. `core.DepthGpu`) made on the current device, once
 * per device: a lab's kernels live in its own object, made again after the
 * device changes. Null on the CPU path.
 */
const labFaces = new WeakMap();
export function labGpu(Face) {
  if (!state.gpu) return null;
  let faces = labFaces.get(state.gpu);
  if (!faces) labFaces.set(state.gpu, (faces = new Map()));
  if (!faces.has(Face)) faces.set(Face, new Face(state.gpu));
  return faces.get(Face);
}

/** Calls `fn()` whenever the backend changes (e.g. after a lost device). */
export function onBackendChange(fn) {
  listeners.add(fn);
}

function setBadge() {
  const badge = document.getElementById('backend-badge');
  if (state.gpu) {
    badge.textContent = `WebGPU · ${state.adapterName}`;
    badge.dataset.backend = 'webgpu';
    badge.title = 'Kernels run on the GPU through WebGPU';
  } else {
    badge.textContent = 'CPU';
    badge.dataset.backend = 'cpu';
    badge.title = `Running on the CPU: ${state.reason}`;
  }
}

// wgpu's WebGPU backend leaves the adapter name empty; the browser's own
// GPUAdapterInfo says e.g. "google swiftshader".
async function adapterName() {
  try {
    const info = (await navigator.gpu.requestAdapter())?.info;
    if (!info) return '';
    return info.description || [info.vendor, info.architecture, info.device].filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

/** Asks for WebGPU; on any failure settles on the CPU with the reason kept. */
export async function startBackend() {
  if (!('gpu' in navigator)) {
    state.reason = 'this browser has no WebGPU';
  } else {
    try {
      state.gpu = await core.WebGpu.request();
      state.adapterName = (await adapterName()) || state.gpu.adapter;
    } catch (e) {
      state.reason = String(e?.message ?? e);
    }
  }
  setBadge();
  for (const fn of listeners) fn();
}

globalThis.addEventListener('continuum:gpu-lost', (event) => {
  if (!state.gpu) return;
  state.gpu = null;
  state.reason = `the GPU device was lost (${event.detail})`;
  setBadge();
  showError(`The GPU device was lost (${event.detail}). Continuing on the CPU; reload the page to try the GPU again.`);
  for (const fn of listeners) fn();
});
