// A small static file server for the built site (dist/). Used by `make serve`
// and by the browser tests; serves .wasm as application/wasm so browsers can
// stream-compile it.
//
//   node tools/serve.mjs [dir] [port] [base]
//
// `base` (default `/`) serves the site under a sub-path, as a host such as
// https://example.org/continuum/ would; the browser tests use it to check the
// build works from anywhere.

import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * Serves `dir` under `base` on 127.0.0.1:`port` (0 picks a free port);
 * resolves to the site's URL. `served(file, body)`, if given, is told of
 * every file sent (the page-weight bench counts them); `body` is null for a 304.
 */
export function serve(dir, port = 0, base = '/', served = null) {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    try {
      const full = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      if (!full.startsWith(base)) throw new Error('outside base');
      const path = full.slice(base.length - 1);
      let file = normalize(join(root, path));
      if (!file.startsWith(root)) throw new Error('outside root');
      let info = await stat(file);
      if (info.isDirectory()) {
        file = join(file, 'index.html');
        info = await stat(file);
      }
      // Revalidation, as any static host answers it: a browser asking again
      // for a file it has (a worker's copy of the wasm, a reload) gets 304.
      const etag = `W/"${info.size}-${Math.round(info.mtimeMs)}"`;
      const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache', etag };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers);
        res.end();
        served?.(file, null);
        return;
      }
      const body = await readFile(file);
      res.writeHead(200, headers);
      res.end(body);
      served?.(file, body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok({ url: `http://127.0.0.1:${server.address().port}${base}`, close: () => server.close() }));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2] ?? 'dist';
  const port = Number(process.argv[3] ?? 8000);
  const base = process.argv[4] ?? '/';
  try {
    await stat(join(dir, 'index.html'));
  } catch {
    console.error(`error: ${dir}/index.html is missing; build the site first (make serve does).`);
    process.exit(1);
  }
  serve(dir, port, base).then(
    ({ url }) => console.log(`Continuum is served at ${url}  (Ctrl-C stops it)`),
    (e) => {
      console.error(`error: cannot serve on 127.0.0.1:${port}: ${e.message}`);
      process.exit(1);
    },
  );
}
