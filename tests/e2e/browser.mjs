// Shared set-up for the browser tests: serve dist/, start Debian's Chromium
// headless (never a downloaded browser), and record every console error and
// uncaught exception so each test can assert there were none.
//
// CONTINUUM_WEBGPU=1 starts Chromium with --enable-unsafe-webgpu (SwiftShader
// adapter); 0 starts it without, so the page has no adapter and must use the CPU.

import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { serve } from '../../tools/serve.mjs';

export const WEBGPU = process.env.CONTINUUM_WEBGPU === '1';

/**
 * Options for a test whose page does the same on both backends: it runs in
 * the pass without WebGPU and reports itself skipped in the other.
 */
export const ONCE = { skip: WEBGPU && 'does not depend on the backend: runs in the pass without WebGPU' };

export async function startBrowser() {
  const server = await serve(process.env.CONTINUUM_DIST ?? 'dist');
  const args = [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
  ];
  if (WEBGPU) args.push('--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader');
  // Playwright gives the browser a fresh temporary profile.
  let browser;
  try {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
  } catch (e) {
    server.close();
    throw e;
  }
  return {
    url: server.url,
    browser,
    async page() {
      const page = await browser.newPage();
      page.errors = [];
      page.on('pageerror', (e) => page.errors.push(`uncaught: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') page.errors.push(`console: ${m.text()}`);
      });
      return page;
    },
    async close() {
      await browser.close();
      server.close();
    },
  };
}

/** Waits until the page has booted (core loaded, backend chosen, kernel check done). */
export async function ready(page) {
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
}

/**
 * One browser for the calling test file, started before its tests and closed
 * after them (node --test runs each file in a process of its own). Returns
 * the object startBrowser resolves to, filled in once `before` has run.
 */
export function useBrowser() {
  const env = {};
  before(async () => Object.assign(env, await startBrowser()));
  after(async () => env.close?.());
  return env;
}

/** The text of the page's `[data-metric=name]` element. */
export const metric = (page, name) => page.locator(`[data-metric="${name}"]`).textContent();
