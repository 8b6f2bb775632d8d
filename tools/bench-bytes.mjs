// Page weight: what a cold visit downloads, per lab and for the front page,
// against the classroom budget of 600 KB (issue "Lean and quick"). Each visit
// is a fresh browser profile (empty HTTP cache, no service worker) opening
// the link and staying until nothing has been requested for 3 s, so the
// service worker's offline copy is counted too. Every file the server sent
// counts at its gzip -9 size (what a compressing server would send); a
// revalidation answered 304 (a worker asking for the wasm the page has) counts 0.
//
//   node tools/bench-bytes.mjs [lab]      (after `make build`)

import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const BUDGET_KB = 600;
const QUIET_MS = 3000;
const only = process.argv[2];

let log = [];
const server = await serve('dist', 0, '/', (file, body) => log.push([file, body]));
const gzipped = new Map();
const gz = (file, body) => {
  if (body === null) return 0; // 304: the browser had it
  if (!gzipped.has(file)) gzipped.set(file, gzipSync(body, { level: 9 }).length);
  return gzipped.get(file);
};

const labs = JSON.parse(readFileSync('www/registry.json', 'utf8')).map((l) => l.name);
const visits = [['front page', ''], ...labs.map((lab) => [lab, `#lab=${lab}`])].filter(([name]) => !only || name === only);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'] });
for (const [name, hash] of visits) {
  const context = await browser.newContext();
  const page = await context.newPage();
  log = [];
  await page.goto(`${server.url}${hash}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
  for (let seen = -1; seen !== log.length; ) {
    seen = log.length;
    await page.waitForTimeout(QUIET_MS);
  }
  const bytes = log.reduce((sum, [file, body]) => sum + gz(file, body), 0);
  const wasm = log.filter(([file]) => file.endsWith('.wasm')).reduce((sum, [file, body]) => sum + gz(file, body), 0);
  const kb = bytes / 1000;
  console.log(
    `bytes  ${name.padEnd(10)}: ${kb.toFixed(0)} KB gzipped in ${log.filter(([, body]) => body).length} files (${log.length} requests) (the wasm core ${(wasm / 1000).toFixed(0)} KB); ` +
      `budget ${BUDGET_KB} KB: ${kb <= BUDGET_KB ? 'within' : `over by ${(kb - BUDGET_KB).toFixed(0)} KB`}`,
  );
  await context.close();
}
await browser.close();
server.close();
