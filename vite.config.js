// Vite serves index.html + www/ in development and bundles them, with the
// wasm-bindgen output in www/pkg/, into dist/ for `make serve` and the tests.
import { defineConfig } from 'vite';

export default defineConfig({
  root: '.',
  // Relative asset URLs: the built site works from any sub-path
  // (https://example.org/continuum/), not only from the host's root.
  base: './',
  publicDir: false,
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { host: '127.0.0.1', port: 8000, strictPort: true },
});
