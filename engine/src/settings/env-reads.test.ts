import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';

const SRC = join(REPO_ROOT, 'engine/src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

describe('the environment is read in one place', () => {
  it('only the entry points (engine, worker, user CLI) read process.env, and only to load the settings', () => {
    const reads: string[] = [];
    for (const file of sources(SRC)) {
      const rel = relative(SRC, file);
      // Test helpers build environments for the engines and workers they spawn.
      if (rel.startsWith('testing/')) continue;
      for (const [i, line] of readFileSync(file, 'utf8').split('\n').entries()) {
        if (!line.includes('process.env')) continue;
        const entry = rel === 'main.ts' || rel === 'jobs/worker-main.ts' || rel === 'auth/user-cli.ts';
        if (!(entry && line.includes('loadSettings(process.env)'))) reads.push(`${rel}:${i + 1}: ${line.trim()}`);
      }
    }
    expect(reads).toEqual([]);
  });
});
