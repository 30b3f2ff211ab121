import { execFile } from 'node:child_process';

/** A media file's duration in seconds (ffprobe), or null when it cannot be read. */
export function probeDuration(path: string): Promise<number | null> {
  return new Promise((resolve) =>
    execFile('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], { timeout: 15_000 }, (error, stdout) => {
      const seconds = Number(stdout.trim());
      resolve(error || !Number.isFinite(seconds) ? null : seconds);
    }),
  );
}
