import type { FastifyInstance } from 'fastify';
import { LOCAL_TENANT, type WorkerView } from '@studio/node-schemas';
import { actorOf } from '../../auth/request-actor.ts';
import { readManifest } from '../../projects/manifest-file.ts';
import { existingProjectPath } from '../../projects/workspace.ts';
import type { EngineContext } from '../context.ts';

/** What another tenant's job shows as: the fleet is shared, whose work it runs is not. */
const OTHER_TENANT = 'another-tenant';

/** GET /api/v1/workers: each live worker with its GPUs, VRAM, current jobs and last heartbeat. */
export function workerRoutes(app: FastifyInstance, ctx: EngineContext) {
  app.get('/api/v1/workers', async (request): Promise<WorkerView[]> => {
    const workers = ctx.tasks ? await ctx.tasks.workers() : [];
    if (ctx.settings.auth !== 'users' || !ctx.tasks) return workers;
    // Multi-user mode: a job of another tenant keeps its place (the load is everyone's) but not its id.
    const tenant = actorOf(request).tenant;
    const tenantOfJob = new Map<string, string | null>();
    const tasks = ctx.tasks;
    const ownTenant = async (jobId: string): Promise<boolean> => {
      if (!tenantOfJob.has(jobId)) {
        const owner = await tasks
          .status(jobId)
          .then(async (s) => (await readManifest(await existingProjectPath(ctx.workspace, s.project_id))).tenant ?? LOCAL_TENANT)
          .catch(() => null);
        tenantOfJob.set(jobId, owner);
      }
      return tenantOfJob.get(jobId) === tenant;
    };
    const shown = async (jobId: string) => ((await ownTenant(jobId)) ? jobId : OTHER_TENANT);
    return Promise.all(
      workers.map(async (w) => ({
        ...w,
        cpuJobs: await Promise.all(w.cpuJobs.map(shown)),
        gpus: await Promise.all(w.gpus.map(async (g) => ({ ...g, jobs: await Promise.all(g.jobs.map(async (j) => ({ ...j, jobId: await shown(j.jobId) }))) }))),
      })),
    );
  });
}
