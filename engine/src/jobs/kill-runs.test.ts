import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditTakes, committed, fsckErrors } from '../testing/hardening/take-audit.ts';
import { runSeed, seededRandom } from '../testing/hardening/seeded-random.ts';
import { TEST_PIPELINES } from '../testing/job-app.ts';
import { generate, projectWithShot, waitForTask } from '../testing/project-fixture.ts';
import { spawnEngine, type SpawnedEngine } from '../testing/spawn-engine.ts';
import { spawnWorker } from '../testing/spawn-worker.ts';
import { soakKnob } from '../testing/soak-knobs.ts';

const FOLDER = '03_Renders/SCENE_01/SHOT_010';
/** Kills of each kind: small in `npm test`, 50 in `npm run soak`. */
const KILLS = soakKnob('SOAK_KILLS', 1);
const common = { PIPELINES_PATH: TEST_PIPELINES, RUNNER_BACKEND: 'process', WORKER_LOCK_MS: '2000', STUDIO_LOCAL_WORKER: '0' };

describe('SIGKILL of the engine and of a worker at random moments during generation', () => {
  it(
    `${KILLS} engine kills and ${KILLS} worker kills: 0 lost, 0 duplicate takes, 0 takes without provenance, states match the repository, git fsck clean every time`,
    async () => {
      const seed = runSeed();
      const random = seededRandom(seed);
      const home = await mkdtemp(join(tmpdir(), 'studio-kill-runs-'));
      const env = { ...common, STUDIO_HOME: home };
      const redisUrl = `unix://${join(home, '.redis', 'redis.sock')}`;
      let engine: SpawnedEngine = await spawnEngine({ env, timeoutMs: 90_000 });
      let worker = await spawnWorker({ ...env, REDIS_URL: redisUrl, WORKER_NAME: 'w0' });
      const tasks: string[] = [];
      const fsckFailures: string[] = [];
      try {
        const id = await projectWithShot(engine.baseUrl, { name: 'Kill Runs', pipelineId: 'test-noop' });
        const dir = join(home, 'Projects', id);
        const plan = [...Array.from({ length: KILLS }, () => 'engine'), ...Array.from({ length: KILLS }, () => 'worker')].sort(() => random() - 0.5);
        for (const [round, target] of plan.entries()) {
          for (let i = 0; i < 3; i++) tasks.push(await generate(engine.baseUrl, id));
          // A random moment: while jobs wait, run, hand over, or become takes.
          await new Promise((r) => setTimeout(r, Math.floor(random() * 1500)));
          if (target === 'engine') {
            await engine.killHard();
            // Checked while nothing writes the repository (workers never do): a live engine's own
            // commits and repacks would race the check itself.
            const errors = fsckErrors(dir);
            if (errors) fsckFailures.push(`after kill ${round} (engine): ${errors}`);
            engine = await spawnEngine({ env, timeoutMs: 90_000 });
          } else {
            worker.killHard();
            await new Promise((r) => setTimeout(r, 50));
            worker = await spawnWorker({ ...env, REDIS_URL: redisUrl, WORKER_NAME: `w${round + 1}` });
          }
        }
        const states = [];
        for (const t of tasks) states.push(await waitForTask(engine.baseUrl, t, ['succeeded', 'failed', 'cancelled'], 120_000));
        // A graceful restart: its start-up sweep cleans .jobs of what the kills left.
        await engine.stop();
        const finalErrors = fsckErrors(dir);
        if (finalErrors) fsckFailures.push(`at the end: ${finalErrors}`);
        engine = await spawnEngine({ env, timeoutMs: 90_000 });
        const leftInJobs = async () => (await readdir(join(home, '.jobs'), { recursive: true }).catch(() => [] as string[])).sort();
        for (let waited = 0; (await leftInJobs()).length && waited < 20_000; waited += 500) await new Promise((r) => setTimeout(r, 500));
        const leftovers = await leftInJobs();

        const audit = await auditTakes(dir, FOLDER);
        const lost = states.filter((s) => s.status !== 'succeeded');
        const duplicates = [...audit.byTask.entries()].filter(([, files]) => files.length > 1);
        const contradictions = states.filter((s, i) => {
          const take = s.result?.take;
          return (
            !take ||
            audit.byTask.get(tasks[i]!)?.[0] !== take.split('/').pop() ||
            !committed(dir, take) ||
            !committed(dir, take.replace(/\.[a-z0-9]+$/, '.json'))
          );
        });
        console.log(
          `kill runs (seed ${seed}): ${KILLS} engine + ${KILLS} worker SIGKILLs, ${tasks.length} generations: ${lost.length} lost, ${duplicates.length} duplicate takes, ${audit.withoutProvenance.length} takes without provenance, ${contradictions.length} states contradicting the repository, ${fsckFailures.length} git fsck failures, ${leftovers.length} entries left in .jobs${leftovers.length ? ` (${leftovers.slice(0, 12).join(', ')})` : ''}`,
        );
        for (const [i, s] of states.entries()) {
          if (s.status !== 'succeeded' || contradictions.includes(s))
            console.log(
              `  task ${tasks[i]}: ${s.status}, take ${s.result?.take ?? '-'}, takes found ${audit.byTask.get(tasks[i]!)?.join(' ') ?? '-'}, error ${s.error ?? '-'}`,
            );
        }
        // What users see first: a lost generation says why it was lost, before the housekeeping checks.
        expect(lost.map((s) => s.error)).toEqual([]);
        expect(contradictions).toEqual([]);
        expect(fsckFailures).toEqual([]);
        expect(leftovers, 'left in .jobs after the start-up sweep').toEqual([]);
        expect(duplicates).toEqual([]);
        expect(audit.withoutProvenance).toEqual([]);
        expect(audit.sidecarsWithoutTake).toEqual([]);
        expect(audit.byTask.size).toBe(tasks.length);
      } finally {
        worker.killHard();
        await engine.stop();
        await rm(home, { recursive: true, force: true });
      }
    },
    soakKnob('SOAK_TIMEOUT_MS', 900_000),
  );
});
