import { execFile, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../config.ts';
import { dockerDaemonVersion } from '../health/tool-versions.ts';
import { isCI } from './ci.ts';
import { TEST_PIPELINES } from './test-pipelines.ts';

const run = promisify(execFile);

/**
 * Makes sure a Docker daemon answers: starts dockerd (as root) when none does, as CI must.
 * Returns why it cannot, or null when Docker is ready.
 */
export async function ensureDockerDaemon(): Promise<string | null> {
  if (await dockerDaemonVersion()) return null;
  if (process.getuid?.() !== 0) return 'no Docker daemon answers and starting one needs root';
  const log = openSync('/tmp/studio-dockerd.log', 'a');
  try {
    const child = spawn('dockerd', [], { detached: true, stdio: ['ignore', log, log] });
    child.on('error', () => undefined);
    child.unref();
  } catch (error) {
    return `cannot start dockerd: ${(error as Error).message}`;
  }
  for (let i = 0; i < 120; i++) {
    if (await dockerDaemonVersion()) return null;
    await new Promise((r) => setTimeout(r, 500));
  }
  return 'dockerd did not answer within 60 s (see /tmp/studio-dockerd.log)';
}

/** Builds the local Debian base image and the given pipelines' images (shipped ones and test doubles). */
export async function ensurePipelineImages(ids: string[]): Promise<void> {
  await run('bash', [join(REPO_ROOT, 'scripts/build-base-image')], { maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
  const shipped = ids.filter((id) => !id.startsWith('test-'));
  if (shipped.length) await run('bash', [join(REPO_ROOT, 'scripts/build-pipeline-images'), ...shipped], { maxBuffer: 64 * 1024 * 1024, timeout: 900_000 });
  for (const id of ids.filter((i) => i.startsWith('test-'))) {
    const exists = await run('docker', ['image', 'inspect', `studio/${id}:latest`]).then(
      () => true,
      () => false,
    );
    if (!exists) await run('docker', ['build', '-q', '-t', `studio/${id}:latest`, join(TEST_PIPELINES, id)], { timeout: 300_000 });
  }
}

/** Docker is required in CI (a test that would skip there fails); elsewhere its absence skips. */
export async function dockerForTests(ids: string[]): Promise<{ ready: true } | { ready: false; reason: string }> {
  const problem = await ensureDockerDaemon();
  if (problem) {
    if (isCI()) throw new Error(`Docker is required in CI: ${problem}`);
    return { ready: false, reason: problem };
  }
  await ensurePipelineImages(ids);
  return { ready: true };
}
