/**
 * A child process that places one take with the real TakeCommitter, for SIGKILL tests: it waits for
 * "go" on stdin (so start-up cost is not inside the kill window), places, commits, prints "done".
 * Arguments: projectDir sourcePath taskId.
 */
import { GitQueue } from '../../projects/git-queue.ts';
import { TakeCommitter } from '../../projects/takes/commit-takes.ts';

const [projectDir, sourcePath, taskId] = process.argv.slice(2) as [string, string, string];
const committer = new TakeCommitter(new GitQueue());
process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  const take = await committer.commit({
    projectId: 'recovery',
    projectDir,
    subject: { folder: '03_Renders/SCENE_01/SHOT_010', name: 'SHOT-010' },
    sourcePath,
    fingerprint: 'f1',
    pipeline: 'test-noop',
    seed: 1,
    provenance: { task_id: taskId, pipeline: 'test-noop' },
  });
  process.stdout.write(`done ${take.path}\n`);
  process.exit(0);
});
