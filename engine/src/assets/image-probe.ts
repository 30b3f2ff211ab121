import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileTypeFromFile } from 'file-type';
import sharp from 'sharp';
import { CorruptMediaError, EmptyUploadError, ImageTooSmallError, UnsupportedMediaError } from './asset-errors.ts';
import { perceptualHash } from './phash.ts';

/** Image types sharp decodes and trainers read. */
export const IMAGE_TYPES = new Map([
  ['image/png', 'png'],
  ['image/jpeg', 'jpg'],
  ['image/webp', 'webp'],
  ['image/gif', 'gif'],
  ['image/tiff', 'tif'],
  ['image/avif', 'avif'],
]);

/** Smallest short side accepted into a dataset (Civitai refuses under 64 px; trainers want far more). */
export const MIN_IMAGE_SIDE = 128;

export interface ProbedImage {
  mime: string;
  ext: string;
  sha256: string;
  /** After EXIF orientation. */
  width: number;
  height: number;
  phash: string;
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => hash.update(d))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * What an uploaded image really is: the type from its bytes (never its name), decoded whole by
 * sharp (a truncated or corrupt file fails here), its size with EXIF orientation applied.
 * `knownSha256`: the hash already taken while the file streamed in (it is not read again for it).
 */
export async function probeImage(path: string, name: string, minSide = MIN_IMAGE_SIDE, knownSha256?: string): Promise<ProbedImage> {
  if ((await stat(path)).size === 0) throw new EmptyUploadError(`${name} is empty (0 bytes)`, { file: name });
  const type = await fileTypeFromFile(path);
  const ext = type ? IMAGE_TYPES.get(type.mime) : undefined;
  if (!type || !ext)
    throw new UnsupportedMediaError(`${name} is ${type ? type.mime : 'not a known file type'}, not an image (PNG, JPEG, WebP, GIF, TIFF, AVIF)`, {
      file: name,
      detected: type?.mime ?? null,
    });
  const image = sharp(path, { failOn: 'warning' }).rotate();
  let width: number;
  let height: number;
  try {
    const { info } = await image.clone().raw().toBuffer({ resolveWithObject: true });
    width = info.width;
    height = info.height;
  } catch (error) {
    throw new CorruptMediaError(`${name} could not be decoded: ${(error as Error).message}`, { file: name });
  }
  if (Math.min(width, height) < minSide)
    throw new ImageTooSmallError(`${name} is ${width}x${height}: images need at least ${minSide} px on the short side`, { file: name, width, height });
  const [sha256, phash] = await Promise.all([knownSha256 ?? sha256File(path), perceptualHash(image)]);
  return { mime: type.mime, ext, sha256, width, height, phash };
}

/** A cover/thumbnail: orientation applied, at most 256 px, WebP. */
export async function writeThumbnail(source: string, target: string): Promise<void> {
  await sharp(source).rotate().resize(256, 256, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toFile(target);
}
