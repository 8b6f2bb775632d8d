// Vite serves index.html + www/ in development and bundles them, with the
// wasm-bindgen output in www/pkg/, into dist/ for `make serve` and the tests.
//
// The build also writes dist/sw.js, the service worker that keeps the site
// working offline after the first visit (www/offline.js registers it): the
// list of every built file, and a version derived from their names (hashed
// by content) and from index.html, so a new build installs a new cache and
// drops the old one.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { minifySync } from 'rolldown/utils';
import { defineConfig } from 'vite';

function serviceWorker() {
  return {
    name: 'continuum-service-worker',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle).sort();
      const hash = createHash('sha256');
      for (const name of files) {
        const item = bundle[name];
        hash.update(name);
        if (name === 'index.html') hash.update(item.source);
      }
      const template = readFileSync('www/sw-template.js', 'utf8');
      const source = template
        .replace("'__VERSION__'", JSON.stringify(hash.digest('hex').slice(0, 16)))
        .replace('[/* __FILES__ */]', JSON.stringify(['./', ...files.map((f) => `./${f}`)]));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

// The wasm-bindgen glue is an asset, not a bundled module (www/core.js says
// why), so nothing minifies it on the way: this does, as the bundler would
// (20.7 KB gzipped as wasm-bindgen writes it).
function minifyGlue() {
  return {
    name: 'continuum-minify-glue',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const item of Object.values(bundle)) {
        if (item.type !== 'asset' || !/^assets\/continuum-.*\.js$/.test(item.fileName)) continue;
        const { code, errors } = minifySync(item.fileName, String(item.source), { module: true });
        if (errors?.length) throw new Error(`minifying the glue: ${errors.map((e) => e.message).join('; ')}`);
        item.source = code;
      }
    },
  };
}

export default defineConfig({
  root: '.',
  // Relative asset URLs: the built site works from any sub-path
  // (https://example.org/continuum/), not only from the host's root.
  base: './',
  publicDir: false,
  plugins: [minifyGlue(), serviceWorker()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { host: '127.0.0.1', port: 8000, strictPort: true },
});
