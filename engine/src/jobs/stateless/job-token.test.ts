import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { isJobToken, jobTokenActor, JobTokens } from './job-token.ts';

describe('job tokens', () => {
  let home = '';
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('open only their job’s repository, only while the job runs, and only with the engine’s secret', async () => {
    home = await mkdtemp(join(tmpdir(), 'job-token-'));
    const running = new Set(['gen-1']);
    const tokens = new JobTokens(home, async (id) => running.has(id));
    const token = await tokens.mint({ job: 'gen-1', project: 'lighthouse', tenant: 'acme', worker: 'gpu-3' });
    expect(isJobToken(token)).toBe(true);
    const route = '/git/:tenant/:repo/git-receive-pack';
    expect(await jobTokenActor(tokens, token, route, { tenant: 'acme', repo: 'lighthouse.git' })).toEqual({
      kind: 'worker',
      id: 'gen-1',
      name: 'gpu-3',
      tenant: 'acme',
      job: 'gen-1',
    });
    // Another project, another tenant, a route that is not git: refused.
    expect(await jobTokenActor(tokens, token, route, { tenant: 'acme', repo: 'other.git' })).toBeNull();
    expect(await jobTokenActor(tokens, token, route, { tenant: 'rival', repo: 'lighthouse.git' })).toBeNull();
    expect(await jobTokenActor(tokens, token, '/api/v1/projects/:id', { id: 'lighthouse' })).toBeNull();
    // A second engine's tokens (another secret) and a token of the same shape signed by anyone else: refused.
    const otherHome = await mkdtemp(join(tmpdir(), 'job-token-other-'));
    const forged = await new JobTokens(otherHome, async () => true).mint({ job: 'gen-1', project: 'lighthouse', tenant: 'acme' });
    await rm(otherHome, { recursive: true, force: true });
    expect(await jobTokenActor(tokens, forged, route, { tenant: 'acme', repo: 'lighthouse.git' })).toBeNull();
    const unsigned = await new SignJWT({ kind: 'worker', job: 'gen-1', prj: 'lighthouse', tenant: 'acme', scope: 'projects:write' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new Uint8Array(32));
    expect(await jobTokenActor(tokens, unsigned, route, { tenant: 'acme', repo: 'lighthouse.git' })).toBeNull();
    // The job finished (or another worker took it over after its lease ran out): its token is dead.
    running.delete('gen-1');
    expect(await jobTokenActor(tokens, token, route, { tenant: 'acme', repo: 'lighthouse.git' })).toBeNull();
    // The same engine after a restart keeps its secret: tokens it minted still verify.
    running.add('gen-1');
    expect(await new JobTokens(home, async () => true).verify(token)).toMatchObject({ job: 'gen-1' });
  });
});
