import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { ZipRefusedError } from './asset-errors.ts';
import { displayName, type ReceivedFile } from './receive-upload.ts';

export interface ZipLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
  /** Uncompressed to compressed: real photos barely compress; a bomb is thousands to one. */
  maxRatio: number;
}

export const ZIP_LIMITS: ZipLimits = { maxEntries: 1000, maxEntryBytes: 100 * 1024 * 1024, maxTotalBytes: 4 * 1024 * 1024 * 1024, maxRatio: 100 };

/** Entries no dataset means: macOS resource forks, hidden files, folders. */
const skipped = (name: string) => name.endsWith('/') || name.startsWith('__MACOSX/') || /(^|\/)\./.test(name);

/**
 * Unpacks a zip of reference images into scratch files, counting the bytes really inflated (a zip
 * can lie about sizes) against per-entry, total and ratio limits: a zip bomb stops at the limit
 * and leaves nothing behind. Entry names are never used as paths.
 */
export async function unpackZip(path: string, nextTemp: () => Promise<string>, limits: ZipLimits = ZIP_LIMITS): Promise<ReceivedFile[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true }, (error, z) =>
      error ? reject(new ZipRefusedError(`not a readable zip: ${error.message}`)) : resolve(z!),
    ),
  );
  const files: ReceivedFile[] = [];
  let total = 0;
  let entries = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (e) => reject(new ZipRefusedError(`the zip is corrupt: ${e.message}`)));
      zip.on('end', resolve);
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          if (skipped(entry.fileName)) return zip.readEntry();
          if (++entries > limits.maxEntries) throw new ZipRefusedError(`the zip has more than ${limits.maxEntries} files`);
          const declaredRatio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
          if (entry.uncompressedSize > limits.maxEntryBytes || declaredRatio > limits.maxRatio)
            throw new ZipRefusedError(
              `${displayName(entry.fileName)} inflates to ${entry.uncompressedSize} bytes from ${entry.compressedSize}: refused as a zip bomb`,
            );
          const stream = await new Promise<NodeJS.ReadableStream>((res, rej) =>
            zip.openReadStream(entry, (e, s) => (e ? rej(new ZipRefusedError(`cannot read ${displayName(entry.fileName)}: ${e.message}`)) : res(s!))),
          );
          const temp = await nextTemp();
          const file: ReceivedFile = { temp, originalName: displayName(entry.fileName), size: 0 };
          files.push(file);
          const counter = new Transform({
            transform(chunk: Buffer, _enc, done) {
              file.size += chunk.length;
              total += chunk.length;
              if (file.size > limits.maxEntryBytes || total > limits.maxTotalBytes || file.size / Math.max(1, entry.compressedSize) > limits.maxRatio)
                return done(new ZipRefusedError(`${file.originalName} inflates past the limits: refused as a zip bomb`));
              done(null, chunk);
            },
          });
          await pipeline(stream, counter, createWriteStream(temp, { flags: 'wx' }));
          zip.readEntry();
        })().catch((e) => {
          zip.close();
          reject(e instanceof ZipRefusedError ? e : new ZipRefusedError(`the zip could not be unpacked: ${(e as Error).message}`));
        });
      });
      zip.readEntry();
    });
  } catch (error) {
    for (const f of files) await rm(f.temp, { force: true });
    throw error;
  }
  return files;
}
