import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitPaths, initRepository } from '../git.ts';
import { inputHashes } from './input-hashes.ts';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('input hashes for a take sidecar', () => {
  let dir = '';
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('are the sha256 of each input: from the LFS pointer in HEAD for committed media, from the bytes otherwise', async () => {
    dir = await mkdtemp(join(tmpdir(), 'input-hashes-'));
    await initRepository(dir);
    await writeFile(join(dir, '.gitattributes'), '*.png filter=lfs diff=lfs merge=lfs -text\n');
    await writeFile(join(dir, 'take.png'), 'committed pixels');
    await commitPaths(dir, 'take', ['.gitattributes', 'take.png']);
    await writeFile(join(dir, 'fresh.txt'), 'not committed');
    const hashes = await inputHashes(dir, { image: 'take.png', text: 'fresh.txt', gone: 'missing.png' });
    expect(hashes).toEqual({ image: sha('committed pixels'), text: sha('not committed') });
  });
});
