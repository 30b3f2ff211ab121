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

/** Reads that are not settings, each with why (the list only shrinks). */
const NOT_SETTINGS: Record<string, string> = {
  // git's child environment: the engine's own, plus GIT_INDEX_FILE for a commit's temporary index.
  'projects/git.ts': 'env: { ...process.env, ...env }',
  // A test-only fault injection hook (refused outside vitest): deliberately no user setting.
  'jobs/stateless/fault-point.ts': 'armedFaultPoint(process.env)',
};

describe('the environment is read in one place', () => {
  it('only the entry points (engine, worker, user CLI) read process.env, and only to load the settings', () => {
    const reads: string[] = [];
    for (const file of sources(SRC)) {
      const rel = relative(SRC, file);
      // Test helpers build environments for the engines and workers they spawn.
      if (rel.startsWith('testing/')) continue;
      for (const [i, line] of readFileSync(file, 'utf8').split('\n').entries()) {
        if (!line.includes('process.env')) continue;
        const entry = rel === 'server/start-engine.ts' || rel === 'jobs/worker-main.ts' || rel === 'auth/user-cli.ts';
        if (entry && line.includes('loadSettings(process.env)')) continue;
        if (NOT_SETTINGS[rel] && line.includes(NOT_SETTINGS[rel])) continue;
        reads.push(`${rel}:${i + 1}: ${line.trim()}`);
      }
    }
    expect(reads).toEqual([]);
  });
});
