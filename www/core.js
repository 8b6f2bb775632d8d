// The wasm core, loaded from one file by the page and by every worker.
//
// The wasm-bindgen glue (pkg/continuum.js) is a plain module with no imports
// of its own. Named with `new URL(…, import.meta.url)` it is emitted once as
// an asset rather than bundled, so the page and all its workers import the
// same file — one download and one cache entry — where a static `import`
// would put a copy of it (45 KB, 11 KB gzipped) into every worker's bundle.
// The wasm is passed explicitly: the glue's own default URL is not rewritten
// in an unbundled asset.

const GLUE = new URL('./pkg/continuum.js', import.meta.url).href;
const WASM = new URL('./pkg/continuum_bg.wasm', import.meta.url);

/** The core's exports (`core.parseLink`, `core.DepthSession`, …), filled in by loadCore. */
export const core = {};

let loading = null;

/** Loads and instantiates the core once; resolves to `core`. */
export function loadCore() {
  loading ??= import(/* @vite-ignore */ GLUE).then(async (glue) => {
    await glue.default({ module_or_path: WASM });
    return Object.assign(core, glue);
  });
  return loading;
}
