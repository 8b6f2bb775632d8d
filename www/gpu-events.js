// Called from Rust (src/web.rs) when the WebGPU device is lost. Kept as an
// event so the page decides what to do (fall back to the CPU, show a banner).
export function gpuLost(message) {
  globalThis.dispatchEvent(new CustomEvent('continuum:gpu-lost', { detail: String(message) }));
}
