import { hostname } from 'node:os';

/**
 * The folder name of one attempt at a job: attempt-<n>-<host>-<pid>-<time>. The host and pid say
 * whose it is, so a sweep can tell an attempt whose worker died (SIGKILL skips every cleanup) from
 * one still running.
 */
export function attemptFolderName(attempt: number, host = hostname(), pid = process.pid, now = Date.now()): string {
  return `attempt-${attempt}-${encodeURIComponent(host).replace(/-/g, '%2D')}-${pid}-${now}`;
}

export function parseAttemptFolderName(name: string): { attempt: number; host: string | null; pid: number } | null {
  const current = /^attempt-(\d+)-([^-]+)-(\d+)-(\d+)$/.exec(name);
  if (current) {
    let host: string;
    try {
      host = decodeURIComponent(current[2]!);
    } catch {
      return null;
    }
    return { attempt: Number(current[1]), host, pid: Number(current[3]) };
  }
  // Before hosts were recorded: attempt-<n>-<pid>-<time>.
  const older = /^attempt-(\d+)-(\d+)-(\d+)$/.exec(name);
  return older ? { attempt: Number(older[1]), host: null, pid: Number(older[2]) } : null;
}
