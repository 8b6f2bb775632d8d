// Every 2D canvas of the page draws on the CPU: a 2D context is created as
// if it were asked for with `{willReadFrequently: true}`, which in Chromium
// gives a canvas in main memory instead of one rastered by the GPU process.
//
// Why: a GPU-rastered canvas makes the main thread wait for the GPU at the
// end of a frame that drew to it when earlier frames are still queued
// ("GPU backpressure", CanvasRenderingContext2D::FinalizeFrame). Where the
// GPU is emulated on the CPU (SwiftShader, as in a machine without a GPU
// that offers WebGPU) and the training workers hold every core, the GPU
// process gets little time and that wait is long: a Chromium trace of the
// Koopman wake on the WebGPU path showed tasks of 0.7 to 5.6 s there, all
// of it in FinalizeFrame, while the charts and fields redrew after epochs.
// The page's canvases are small charts and fields, cheap to draw on the
// CPU. uPlot creates its own contexts, so this is done once, for every
// context, rather than at each call site.
const getContext = HTMLCanvasElement.prototype.getContext;
HTMLCanvasElement.prototype.getContext = function (type, options) {
  return getContext.call(this, type, type === '2d' ? { willReadFrequently: true, ...options } : options);
};
