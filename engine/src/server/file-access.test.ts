import { mkdir, mkdtemp, rm, symlink, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostilePaths } from '../testing/hardening/path-corpus.ts';
import { testApp } from '../testing/temp-workspace.ts';
import type { EngineContext } from './context.ts';

let app: FastifyInstance;
let ctx: EngineContext;
let cleanup: () => Promise<void>;
let outside: string;
let dir: string;
const id = 'files';
const SECRETS = ['SECRET-GIT-CONFIG', 'SECRET-OUTSIDE', 'SECRET-CANVAS-DIR'];
/** The only contents that may be served: regular files in readable folders. */
const SERVABLE = new Map([
  ['03_Renders/aA.png', 'plain-aA'],
  ['03_Renders/a%41.png', 'literal-percent-41'],
  ['03_Renders/100%.png', 'hundred-percent'],
]);

beforeAll(async () => {
  ({ app, ctx, cleanup } = await testApp());
  expect((await app.inject({ method: 'POST', url: '/api/v1/projects', payload: { name: 'Files' } })).statusCode).toBe(201);
  dir = join(ctx.workspace.projectsDir, id);
  for (const [rel, content] of SERVABLE) await writeFile(join(dir, rel), content);
  await appendFile(join(dir, '.git/config'), `# ${SECRETS[0]}\n`);
  outside = await mkdtemp(join(tmpdir(), 'studio-outside-'));
  await writeFile(join(outside, 'secret.txt'), SECRETS[1]!);
  await mkdir(join(dir, '02_Source_Creative/private'), { recursive: true });
  await writeFile(join(dir, '02_Source_Creative/private/main_canvas.json'), SECRETS[2]!);
  // What a cloned project could hold: links out of the readable folders, and one inside them.
  await symlink('../.git/config', join(dir, '03_Renders/x.txt'));
  await symlink(join(outside, 'secret.txt'), join(dir, '03_Renders/abs.txt'));
  await symlink('aA.png', join(dir, '03_Renders/inside.png'));
  await symlink('../02_Source_Creative/private', join(dir, '03_Renders/linked-dir'));
  await rm(join(dir, '06_Exports'), { recursive: true, force: true });
  await symlink('.git', join(dir, '06_Exports'));
  await symlink(outside, join(dir, '01_Assets/outside'));
});
afterAll(async () => {
  await cleanup();
  await rm(outside, { recursive: true, force: true });
});

const get = (path: string) => app.inject({ method: 'GET', url: `/api/v1/projects/${id}/files/${path}` });

describe('file serving: only regular files really inside the readable folders, decoded once', () => {
  it('decodes a path once: 100% and a%41 are their own files', async () => {
    const hundred = await get('03_Renders/100%25.png');
    expect(hundred.statusCode).toBe(200);
    expect(hundred.body).toBe('hundred-percent');
    const literal = await get('03_Renders/a%2541.png');
    expect(literal.body).toBe('literal-percent-41');
    expect((await get('03_Renders/aA.png')).body).toBe('plain-aA');
    expect((await get('03_Renders/a%41.png')).body).toBe('plain-aA');
  });

  it('never follows a link, even one that stays inside the project or the readable folder', async () => {
    for (const link of [
      '03_Renders/x.txt',
      '03_Renders/abs.txt',
      '03_Renders/inside.png',
      '03_Renders/linked-dir/main_canvas.json',
      '06_Exports/config',
      '01_Assets/outside/secret.txt',
    ]) {
      const res = await get(link);
      expect(res.statusCode, link).toBe(404);
      expect(res.json()).toMatchObject({ code: 'FILE_NOT_FOUND' });
    }
  });

  it(`a corpus of hostile paths: 0 bytes from outside the readable folders, never a 5xx`, async () => {
    const corpus = hostilePaths();
    expect(corpus.length).toBeGreaterThan(2500);
    const statuses = new Map<number, number>();
    let leakedBytes = 0;
    for (const path of corpus) {
      const res = await get(path);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      expect(res.statusCode, path).toBeLessThan(500);
      if (res.statusCode < 300 && ![...SERVABLE.values()].includes(res.body)) leakedBytes += res.rawPayload.length;
      if (SECRETS.some((s) => res.body.includes(s))) leakedBytes += res.rawPayload.length;
    }
    console.log(
      `file access: ${corpus.length} hostile paths, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${leakedBytes} bytes served from outside the readable folders`,
    );
    expect(leakedBytes).toBe(0);
  }, 300_000);
});
