import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ProjectManifest } from '@studio/node-schemas';
import { runGit } from '../git.ts';
import { MANIFEST_FILE, RENDERS_DIR } from '../layout.ts';
import { readManifest } from '../manifest-file.ts';
import { latestTakeThumbnail } from '../takes/latest-take.ts';
import { readHeadSummary, type HeadSummary } from './head-summary.ts';
import { readHeadSync } from './repository-head.ts';
import { isPictureTake, isTakeFile } from './take-paths.ts';

/** What the workspace index knows of one project, and the HEAD and project.json it was read from. */
export const IndexEntry = z.object({
  head: z.string().nullable(),
  manifestMtimeMs: z.number(),
  manifest: ProjectManifest,
  updatedAt: z.string().nullable(),
  commits: z.int().min(0),
  takes: z.int().min(0),
  /** Project-relative path of the latest picture take's thumbnail. */
  latestTake: z.string().nullable(),
});
export type IndexEntry = z.infer<typeof IndexEntry>;

export async function manifestMtime(dir: string): Promise<number> {
  return (await stat(join(dir, MANIFEST_FILE))).mtimeMs;
}

/**
 * Reads an entry from the repository itself: for a project the index has not seen, or one whose
 * HEAD moved behind the engine's back. HEAD's time, the commit count and the render folder's files
 * come from the loose objects where they all are (head-summary.ts), else from git. The latest-take
 * query walks history, so it runs only when the HEAD tree holds a picture take at all (listing the
 * tree is cheap; a walk that finds nothing in 10,000 commits is not).
 */
export async function readIndexEntry(dir: string, { gitTurn = runNow }: { gitTurn?: GitTurn } = {}): Promise<IndexEntry> {
  const head = readHeadSync(dir);
  const [manifest, manifestMtimeMs, summary] = await Promise.all([readManifest(dir), manifestMtime(dir), head ? summaryOf(dir, head, gitTurn) : null]);
  const files = summary?.renderFiles ?? [];
  const latestTake = files.some(isPictureTake) ? await gitTurn(() => latestTakeThumbnail(dir)) : null;
  return {
    head,
    manifestMtimeMs,
    manifest,
    updatedAt: summary && Number.isFinite(summary.committedAt) ? new Date(summary.committedAt * 1000).toISOString() : null,
    commits: summary?.commits ?? 0,
    takes: files.filter(isTakeFile).length,
    latestTake,
  };
}

/** Runs work that starts git processes, when the caller lets it (the index runs a few projects' at a time). */
export type GitTurn = <T>(work: () => Promise<T>) => Promise<T>;
const runNow: GitTurn = (work) => work();

async function summaryOf(dir: string, head: string, gitTurn: GitTurn): Promise<HeadSummary> {
  const inProcess = readHeadSummary(dir, head);
  if (inProcess) return inProcess;
  const [time, count, tree] = await gitTurn(() =>
    Promise.all([
      runGit(dir, ['log', '-1', '--format=%ct', head]),
      runGit(dir, ['rev-list', '--count', head]),
      runGit(dir, ['ls-tree', '-r', '-z', '--name-only', head, '--', RENDERS_DIR]),
    ]),
  );
  return { committedAt: Number(time.trim()), commits: Number(count.trim()) || 0, renderFiles: tree.split('\0').filter(Boolean) };
}
