import { link, mkdir, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { runGit } from '../../projects/git.ts';
import { localObjectPath } from '../../storage/oid.ts';
import { filesystemBlobStore, findProjectObject, localObjectSize } from '../../storage/filesystem-blob-store.ts';
import type { BlobStore } from '../../storage/blob-store.ts';
import { StudioError } from '../../errors.ts';
import { FAULT_POINTS, faultPoint } from './fault-point.ts';
import { S3UnavailableError } from '../../storage/storage-errors.ts';
import { whileStoreDown } from './wait-for-store.ts';

export class PushedResultError extends StudioError {
  override readonly code = 'TAKE_OUTPUT_MISSING';
  override readonly status = 500;
}

/** The oid and size of a Git LFS pointer file's text. */
export function parseLfsPointer(text: string): { oid: string; size: number } | null {
  const oid = /^oid sha256:([0-9a-f]{64})$/m.exec(text)?.[1];
  const size = /^size (\d+)$/m.exec(text)?.[1];
  return oid && size ? { oid, size: Number(size) } : null;
}

/**
 * The engine's half of a stateless worker's hand-over: reads the output the worker pushed to its
 * job's ref (an LFS pointer), makes sure the object is in the project's own LFS store (pulling it
 * from S3 when the worker's push went there), and links it into the job folder for the take
 * committer. The engine stays the one writer of main: the ref's commit is never merged.
 */
export async function bringInPushedResult({
  projectDir,
  ref,
  path,
  resultDir,
  remote,
  storeWaitMs,
}: {
  projectDir: string;
  ref: string;
  path: string;
  /** Where the result file goes (the job's folder under .jobs). */
  resultDir: string;
  /** The S3 store of the project's tenant, when LFS objects live there. */
  remote: BlobStore | null;
  /** How long it waits for an S3 that is down (default STORE_WAIT_MS); the take job's own retries follow. */
  storeWaitMs?: number;
}): Promise<string> {
  const pointerText = await runGit(projectDir, ['cat-file', 'blob', `${ref}:${path}`]).catch((error: Error) => {
    throw new PushedResultError(`the worker's pushed output ${ref}:${path} is not in the repository: ${error.message}`);
  });
  const pointer = parseLfsPointer(pointerText);
  if (!pointer) throw new PushedResultError(`the worker's pushed output ${path} is not an LFS pointer`);
  if ((await localObjectSize(projectDir, pointer.oid)) !== pointer.size) {
    if (!remote) throw new PushedResultError(`the LFS object ${pointer.oid} of ${path} was never uploaded`);
    // The filesystem store checks the bytes' sha256 and size before it keeps them.
    const own = filesystemBlobStore({ projectDir, objectsHref: '' });
    await whileStoreDown(async () => own.put({ oid: pointer.oid, size: pointer.size, body: await remote.get(pointer.oid) }), {
      isDown: (error) => error instanceof S3UnavailableError,
      what: `bring in the take's LFS object ${pointer.oid}`,
      waitMs: storeWaitMs,
    });
  }
  await mkdir(resultDir, { recursive: true });
  const result = join(resultDir, `result-pushed${extname(path)}`);
  await rm(result, { force: true });
  await link(findProjectObject(projectDir, pointer.oid) ?? localObjectPath(projectDir, pointer.oid), result);
  await faultPoint(FAULT_POINTS.bringInBeforeCommit);
  return result;
}

/** The job's ref is only a hand-over: once its take is committed on main it goes. */
export async function dropJobRef(projectDir: string, ref: string): Promise<void> {
  await faultPoint(FAULT_POINTS.bringInBeforeDropRef);
  await runGit(projectDir, ['update-ref', '-d', ref]).catch(() => undefined);
}
