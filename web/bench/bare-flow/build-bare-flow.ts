import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Page } from 'playwright-core';
import { build } from 'vite';

/** Where the page is served: the engine's origin, so its fetch of /api/v1/projects/:id is same-origin. */
export const BARE_FLOW_PATH = '/bench/bare-flow/';
const SOURCE_DIR = dirname(fileURLToPath(import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

/**
 * Builds the canvas benchmark's baseline page (bare Svelte Flow, default nodes) into `outDir`. It
 * is a build of its own, so the production app never ships it.
 */
export async function buildBareFlow(outDir: string): Promise<void> {
  await build({
    configFile: false,
    root: SOURCE_DIR,
    base: BARE_FLOW_PATH,
    logLevel: 'warn',
    plugins: [svelte({ configFile: false })],
    build: { outDir, emptyOutDir: true },
  });
}

/** Answers the page's requests under BARE_FLOW_PATH of any origin from the build in `outDir`. */
export async function serveBareFlow(page: Page, outDir: string): Promise<void> {
  const root = normalize(outDir) + sep;
  await page.route(
    (url) => url.pathname === BARE_FLOW_PATH.slice(0, -1) || url.pathname.startsWith(BARE_FLOW_PATH),
    async (route) => {
      const rel = new URL(route.request().url()).pathname.slice(BARE_FLOW_PATH.length) || 'index.html';
      const file = normalize(join(root, rel));
      if (!file.startsWith(root)) return route.fulfill({ status: 404 });
      const body = await readFile(file).catch(() => null);
      if (!body) return route.fulfill({ status: 404 });
      await route.fulfill({ status: 200, body, contentType: TYPES[extname(file)] ?? 'application/octet-stream' });
    },
  );
}
