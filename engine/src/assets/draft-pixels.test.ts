import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DRAFT_SIZE, draftPixels, storeDraftPixels } from './draft-pixels.ts';

const SHA = 'a'.repeat(64);
let root: string;
let image: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'draft-pixels-'));
  image = join(root, 'ref.png');
  // Left half red, right half blue: a wrong crop or a missing decode changes the pixels.
  const width = 96;
  const raw = Buffer.alloc(width * 64 * 3);
  for (let y = 0; y < 64; y++) for (let x = 0; x < width; x++) raw.set(x < width / 2 ? [255, 0, 0] : [0, 0, 255], (y * width + x) * 3);
  await sharp(raw, { raw: { width, height: 64, channels: 3 } })
    .png()
    .toFile(image);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const decoded = () => sharp(image).rotate().resize(DRAFT_SIZE, DRAFT_SIZE, { fit: 'cover' }).removeAlpha().raw().toBuffer();

describe('draft pixels', () => {
  it('are stored at import and read back without the image', async () => {
    await storeDraftPixels(root, SHA, image);
    const expected = await decoded();
    await rm(image);
    const pixels = await draftPixels(root, SHA, image);
    expect(pixels.length).toBe(DRAFT_SIZE * DRAFT_SIZE * 3);
    expect(pixels.equals(expected)).toBe(true);
  });

  it('are decoded from the image when none are stored, and stored then', async () => {
    const pixels = await draftPixels(root, SHA, image);
    expect(pixels.equals(await decoded())).toBe(true);
    await rm(image);
    expect((await draftPixels(root, SHA, image)).equals(pixels)).toBe(true);
  });

  it('decode again over a stored file that is not whole', async () => {
    await storeDraftPixels(root, SHA, image);
    await truncate(join(root, '.derived', 'draft-rgb', `${SHA}.rgb`), 100);
    expect((await draftPixels(root, SHA, image)).equals(await decoded())).toBe(true);
  });

  it('stay out of the library repository (the folder ignores itself)', async () => {
    execFileSync('git', ['init', '-q', root]);
    await writeFile(join(root, '.gitignore'), 'ref.png\n');
    await storeDraftPixels(root, SHA, image);
    expect(execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: root, encoding: 'utf8' })).toBe('?? .gitignore\n');
    expect((await readdir(join(root, '.derived', 'draft-rgb'))).filter((f) => f.endsWith('.studio-tmp'))).toEqual([]);
  });

  it('refuse a key that is not a sha256 (it names a file)', async () => {
    await expect(storeDraftPixels(root, '../../etc/passwd', image)).rejects.toThrow(/not a sha256/);
  });
});
