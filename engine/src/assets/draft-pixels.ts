import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';

/** DraftNet's input size; GPU trainers read the images themselves. */
export const DRAFT_SIZE = 32;
const DRAFT_BYTES = DRAFT_SIZE * DRAFT_SIZE * 3;

/**
 * Derived data beside a library's files: a folder that ignores itself (its own `.gitignore` of
 * `*`), so libraries made before it existed need no change to theirs.
 */
const DERIVED = '.derived';
const PIXELS = 'draft-rgb';

/** What the draft trainer sees of one reference image: orientation applied, cover-cropped, raw RGB. */
function decodeDraftPixels(source: string | Buffer): Promise<Buffer> {
  return sharp(source).rotate().resize(DRAFT_SIZE, DRAFT_SIZE, { fit: 'cover' }).removeAlpha().raw().toBuffer();
}

function pixelsFile(libraryRoot: string, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256.slice(0, 80)}`);
  return join(libraryRoot, DERIVED, PIXELS, `${sha256}.rgb`);
}

async function writePixels(libraryRoot: string, sha256: string, pixels: Buffer): Promise<void> {
  const target = pixelsFile(libraryRoot, sha256);
  await mkdir(join(libraryRoot, DERIVED, PIXELS), { recursive: true });
  await writeFile(join(libraryRoot, DERIVED, '.gitignore'), '*\n', { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  const temp = `${target}.${randomBytes(6).toString('hex')}.studio-tmp`;
  await writeFile(temp, pixels);
  await rename(temp, target);
}

/**
 * Decodes an image once, when it comes into the library, so a training run's dataset is read
 * rather than decoded (200 decodes were most of a draft run's dispatch). Keyed by the bytes'
 * hash; losing the folder only costs the decode again.
 */
export async function storeDraftPixels(libraryRoot: string, sha256: string, source: string | Buffer): Promise<void> {
  await writePixels(libraryRoot, sha256, await decodeDraftPixels(source));
}

/** The draft trainer's pixels of a library image: the stored ones when whole, else decoded now (and stored). */
export async function draftPixels(libraryRoot: string, sha256: string, file: string): Promise<Buffer> {
  const stored = await readFile(pixelsFile(libraryRoot, sha256)).catch(() => null);
  if (stored?.length === DRAFT_BYTES) return stored;
  const pixels = await decodeDraftPixels(file);
  // Storing is a saving, not a step the run needs: a full disk still trains.
  await writePixels(libraryRoot, sha256, pixels).catch(() => undefined);
  return pixels;
}
