import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@studio/engine/testing';
import { studioSession } from './browser.ts';

const run = promisify(execFile);
let session: Awaited<ReturnType<typeof studioSession>>;

/** `npm run user -- add ...` against the running engine's workspace, as an operator would. */
function addUser(name: string, tenant: string, password: string) {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'engine/src/auth/user-cli.ts'), 'add', name, '--tenant', tenant, '--password', password],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, STUDIO_HOME: session.home },
      encoding: 'utf8',
    },
  );
  expect(run.stderr).toBe('');
  expect(run.stdout).toContain(`added ${name} (tenant ${tenant}`);
}

async function signIn(page: Page, username: string, password: string) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

beforeAll(async () => {
  session = await studioSession({ STUDIO_AUTH: 'users' });
  addUser('alice', 'acme', 'alice password');
  addUser('bob', 'beta', 'bob password!');
});
afterAll(() => session?.close());

describe('sign-in in multi-user mode (Chromium)', () => {
  it('signs in, creates a project, sees only its tenant; the other tenant sees none of it; a wrong password says so', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(session.engine.baseUrl);
    // No session: the sign-in page, coming back to the dashboard after.
    await page.waitForURL('**/signin?next=%2F');
    await page.getByRole('heading', { name: 'Sign in to Studio' }).waitFor();
    await session.screenshot(page, 'signin-page');

    await signIn(page, 'alice', 'not her password');
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Wrong username or password.');
    await session.screenshot(page, 'signin-wrong-password');
    // An unknown user gets the very same words.
    await signIn(page, 'mallory', 'whatever it is');
    await page.getByRole('alert').waitFor();
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Wrong username or password.');

    await signIn(page, 'alice', 'alice password');
    await page.waitForURL(`${session.engine.baseUrl}/`);
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toMatch(/Signed in as alice\s+\(acme\)/);
    await page.getByText('No projects yet.').waitFor();
    await page.getByRole('button', { name: 'New Project' }).click();
    await page.getByLabel('Title').fill('Acme Trailer');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL('**/projects/acme-trailer');
    // The canvas connects over the WebSocket with the session cookie, and what alice adds is committed in her name.
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    await page.getByTestId('palette-shot').click();
    await page.locator('[data-testid="node-shot"]').waitFor();
    const authors = async () =>
      (await run('git', ['log', '--format=%an <%ae>|%s'], { cwd: join(session.home, 'Projects', 'acme-trailer') })).stdout.trim().split('\n');
    await expect.poll(async () => (await authors()).length, { timeout: 20_000 }).toBeGreaterThan(1);
    expect((await authors()).every((line) => line.startsWith('alice <user.alice@acme.studio>|'))).toBe(true);
    await session.screenshot(page, 'signin-alice-canvas');
    await page.goto(session.engine.baseUrl);
    await page.locator('a.card[data-project-id="acme-trailer"]').waitFor();
    await session.screenshot(page, 'signin-alice-dashboard');
    const manifest = JSON.parse(await readFile(join(session.home, 'Projects', 'acme-trailer', 'project.json'), 'utf8')) as { tenant?: string };
    expect(manifest.tenant).toBe('acme');
    // The token is an HttpOnly cookie: no page script can read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain('studio_session');
    expect((await page.context().cookies()).find((c) => c.name === 'studio_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/signin');
    // Signed out, the API says so.
    expect(await page.evaluate(async () => (await fetch('/api/v1/projects')).status)).toBe(401);

    await signIn(page, 'bob', 'bob password!');
    await page.waitForURL(`${session.engine.baseUrl}/`);
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toMatch(/Signed in as bob\s+\(beta\)/);
    await page.getByText('No projects yet.').waitFor();
    expect(await page.locator('a.card[data-project-id]').count()).toBe(0);
    await session.screenshot(page, 'signin-bob-dashboard');
    // Bob cannot reach alice's project by its address either: it is not found, as if it did not exist.
    expect(await page.evaluate(async () => (await fetch('/api/v1/projects/acme-trailer')).status)).toBe(404);
    expect(await page.evaluate(async () => (await fetch('/api/v1/projects/acme-trailer/files/01_Assets/x.png')).status)).toBe(404);
    await page.close();
  });
});
