import { execFile } from 'node:child_process';
import { CommitNotFoundError } from '../history-errors.ts';

function git(dir: string, args: readonly string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd: dir, encoding: 'utf8' }, (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) || 1 : 0, stdout }));
  });
}

/**
 * The full hash of a commit on the project's main branch, from an id the caller already checked is
 * hexadecimal (CommitId: no option or revision syntax reaches git). Unknown, ambiguous, not a
 * commit, or not in the main branch's history: CommitNotFoundError.
 */
export async function resolveCommit(dir: string, project: string, commit: string | undefined): Promise<string> {
  const wanted = commit ?? 'HEAD';
  const parsed = await git(dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${wanted}^{commit}`]);
  const hash = parsed.stdout.trim();
  if (parsed.code !== 0 || !/^[0-9a-f]{40,64}$/.test(hash)) throw new CommitNotFoundError(project, wanted);
  if (commit !== undefined && (await git(dir, ['merge-base', '--is-ancestor', hash, 'HEAD'])).code !== 0) throw new CommitNotFoundError(project, commit);
  return hash;
}
