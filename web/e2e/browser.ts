import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT, spawnEngine, type SpawnedEngine } from '@studio/engine/testing';

export const ARTIFACTS_DIR = join(REPO_ROOT, 'test-artifacts', 'e2e');

/** Debian's Chromium, headless, with the flags this machine's closed network needs. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A real engine on a fresh workspace and a headless Chromium, for one e2e file. */
export async function studioSession(env: Record<string, string> = {}): Promise<{
  engine: SpawnedEngine;
  browser: Browser;
  home: string;
  screenshot: (page: Page, name: string) => Promise<string>;
  close: () => Promise<void>;
}> {
  const home = await mkdtemp(join(tmpdir(), 'studio-e2e-'));
  const engine = await spawnEngine({ env: { STUDIO_HOME: home, ...env } });
  const browser = await launchChromium();
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  return {
    engine,
    browser,
    home,
    screenshot: async (page, name) => {
      const path = join(ARTIFACTS_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: false });
      return path;
    },
    close: async () => {
      await browser.close();
      await engine.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}
