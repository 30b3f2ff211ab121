import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLooseObject } from './loose-object.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loose-object-'));
  execFileSync('git', ['init', '-q', dir]);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('readLooseObject', () => {
  it('reads what git wrote', () => {
    const sha = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: dir, input: 'hello\n', encoding: 'utf8' }).trim();
    const object = readLooseObject(join(dir, '.git'), sha);
    expect(object?.type).toBe('blob');
    expect(object?.body.toString()).toBe('hello\n');
  });

  it('reads no file for a name that is not a hash (a hostile parent or ref)', async () => {
    // A valid object where '../outside/x' leads from the objects folder: .git/outside/x.
    await mkdir(join(dir, '.git', 'outside'), { recursive: true });
    await writeFile(join(dir, '.git', 'outside', 'x'), deflateSync(Buffer.from('blob 2\0hi')));
    expect(readLooseObject(join(dir, '.git'), '../outside/x')).toBeNull();
    expect(readLooseObject(join(dir, '.git'), 'ABCDEF0123456789ABCDEF0123456789ABCDEF01')).toBeNull();
  });

  it('leaves an object larger than a commit or tree can be to git', async () => {
    const sha = 'ab' + '0'.repeat(38);
    await mkdir(join(dir, '.git', 'objects', 'ab'), { recursive: true });
    const body = Buffer.alloc(17 * 1024 * 1024);
    await writeFile(join(dir, '.git', 'objects', 'ab', sha.slice(2)), deflateSync(Buffer.concat([Buffer.from(`tree ${body.length}\0`), body])));
    expect(readLooseObject(join(dir, '.git'), sha)).toBeNull();
  });
});
