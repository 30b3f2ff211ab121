import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PackedObjects } from './pack-objects.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pack-objects-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, encoding: 'utf8' });

/** Twenty versions of a growing canvas file and a few others: a repack stores most of them as deltas. */
async function history(): Promise<void> {
  const nodes: string[] = [];
  for (let i = 0; i < 20; i++) {
    nodes.push(`{"id":"n${i}","type":"shot","position":{"x":${i * 10},"y":0},"data":{"prompt":"a long prompt for shot ${i} ${'words '.repeat(20)}"}}`);
    await writeFile(join(dir, 'canvas.json'), `{"nodes":[${nodes.join(',\n')}]}\n`);
    await writeFile(join(dir, `note_${i % 3}.txt`), `note ${i}\n`);
    git('add', '-A');
    git('commit', '-q', '-m', `edit ${i}`);
  }
}

/** Every object of the repository, as git itself gives it: name, type and body. */
function everyObject(): Array<{ sha: string; type: string; body: Buffer }> {
  const names = git('rev-list', '--objects', '--all')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[0]!);
  return names.map((sha) => ({
    sha,
    type: git('cat-file', '-t', sha).trim(),
    body: execFileSync('git', ['cat-file', git('cat-file', '-t', sha).trim(), sha], { cwd: dir }),
  }));
}

/** How many objects of the pack are stored as deltas (verify-pack prints a depth and a base for them). */
function deltas(): number {
  const idx = execFileSync('bash', ['-c', 'ls .git/objects/pack/*.idx'], { cwd: dir, encoding: 'utf8' }).trim();
  return git('verify-pack', '-v', idx)
    .split('\n')
    .filter((line) => /^[0-9a-f]{40,64} \w+ +\d+ \d+ \d+ \d+ [0-9a-f]{40,64}$/.test(line)).length;
}

describe('PackedObjects', () => {
  for (const [name, offsetDeltas] of [
    ['offset deltas (what git repack writes)', true],
    ['deltas naming their base (repack.useDeltaBaseOffset=false)', false],
  ] as const)
    it(`reads every object of a repacked repository as git cat-file does: ${name}`, async () => {
      git('init', '-q', '-b', 'main');
      await history();
      git('-c', `repack.useDeltaBaseOffset=${offsetDeltas}`, 'repack', '-a', '-d', '-q', '-f', '--depth=50', '--window=50');
      git('prune-packed');
      expect(deltas()).toBeGreaterThan(10);
      const packs = PackedObjects.open(join(dir, '.git'), 20);
      expect(packs.packCount).toBe(1);
      const objects = everyObject();
      expect(objects.length).toBeGreaterThan(60);
      for (const object of objects) expect(packs.read(object.sha), object.sha).toEqual({ type: object.type, body: object.body });
      expect(packs.read('0'.repeat(40))).toBeNull();
      expect(packs.read('../../etc/passwd')).toBeNull();
      packs.close();
    });

  it('reads a SHA-256 repository', async () => {
    git('init', '-q', '-b', 'main', '--object-format=sha256');
    await history();
    git('repack', '-a', '-d', '-q', '-f');
    const packs = PackedObjects.open(join(dir, '.git'), 32);
    for (const object of everyObject()) expect(packs.read(object.sha)).toEqual({ type: object.type, body: object.body });
    packs.close();
  });

  it('answers null, never throws, for an index or pack that does not parse', async () => {
    git('init', '-q', '-b', 'main');
    await history();
    git('repack', '-a', '-d', '-q');
    const pack = join(dir, '.git', 'objects', 'pack');
    const [idx] = (await readdir(pack)).filter((f) => f.endsWith('.idx'));
    const head = git('rev-parse', 'HEAD').trim();
    // Each pack byte after the header overwritten: every read fails its inflate or its checks.
    const packFile = join(pack, idx!.replace(/\.idx$/, '.pack'));
    const bytes = execFileSync('cat', [packFile]);
    bytes.fill(0xff, 12, bytes.length - 20);
    await writeFile(packFile, bytes);
    expect(PackedObjects.open(join(dir, '.git'), 20).read(head)).toBeNull();
    await writeFile(join(pack, idx!), 'not an index');
    expect(PackedObjects.open(join(dir, '.git'), 20).packCount).toBe(0);
  });
});
