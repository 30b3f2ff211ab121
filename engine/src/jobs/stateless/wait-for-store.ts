import { setTimeout as sleep } from 'node:timers/promises';
import { S3UnavailableError } from '../../storage/storage-errors.ts';

/** How long a job waits for an object store that is down before it gives up: long enough for a restart. */
export const STORE_WAIT_MS = 10 * 60_000;

/** Whether git or git-lfs failed because the batch API answered that S3 is down (503 S3_UNAVAILABLE). */
export function lfsSaysStoreDown(error: Error): boolean {
  return /HTTP 503|\b503\b|object store/i.test(error.message);
}

/**
 * Runs `attempt` again, with a growing pause, for as long as it fails because the object store
 * (S3) is down, up to `waitMs`; then fails with S3_UNAVAILABLE, naming what could not be done and
 * the store's last answer. Any other failure is thrown at once. Nothing is lost while it waits:
 * the job keeps its output and its lease.
 */
export async function whileStoreDown<T>(
  attempt: () => Promise<T>,
  {
    isDown,
    what,
    waitMs = STORE_WAIT_MS,
    onWaiting,
  }: {
    isDown: (error: Error) => boolean;
    /** What the attempt does, for the message: "upload the job's output". */
    what: string;
    waitMs?: number;
    onWaiting?: (message: string) => void;
  },
): Promise<T> {
  const started = Date.now();
  for (let pause = 500; ; pause = Math.min(pause * 2, 10_000)) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof Error) || !isDown(error)) throw error;
      const waited = Date.now() - started;
      if (waited + pause > waitMs)
        throw new S3UnavailableError(
          `the object store (S3) has not answered for ${Math.round(waited / 1000)} s, so the job could not ${what}; the project is unchanged, run it again once the store is back (${error.message.slice(0, 300)})`,
          { waited_ms: waited },
        );
      onWaiting?.(`waiting for the object store (S3) to ${what}: down for ${Math.round(waited / 1000)} s`);
      await sleep(pause);
    }
  }
}
