import { MissingToolError } from '../errors.ts';
import { checkGit, checkGitLfs } from './tool-versions.ts';

/**
 * docs/project-layout.md#git-and-lfs: without git-lfs a user could commit media straight into git and bloat or corrupt the
 * repository, so the engine does not start without it.
 */
export async function requireGitAndLfs(): Promise<void> {
  if (!(await checkGit()).present) throw new MissingToolError('git is not installed. Install it with: sudo apt-get install -y git', { tool: 'git' });
  if (!(await checkGitLfs()).present)
    throw new MissingToolError('git-lfs is not installed, and the studio keeps every render in Git LFS. Install it with: sudo apt-get install -y git-lfs', {
      tool: 'git-lfs',
      install: 'sudo apt-get install -y git-lfs',
    });
}
