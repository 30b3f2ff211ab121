import type { FastifyInstance } from 'fastify';
import type { PipelineInfo, Quality } from '@studio/node-schemas';
import type { ObservedProfile } from '../../jobs/vram-profile.ts';
import type { WorkerState } from '../../jobs/worker-registry.ts';
import type { EngineContext } from '../context.ts';

/** "12 GB (low) · 16 GB (standard)", or "CPU" for pipelines that need no GPU. */
export function vramLabel(vram: Record<string, number | undefined>, gpu: boolean): string {
  const parts = (['low', 'standard', 'high'] as const).filter((q) => vram[q] !== undefined).map((q) => `${vram[q]} GB ${q}`);
  return gpu ? parts.join(' · ') || 'GPU' : 'CPU';
}

/**
 * GET /api/v1/pipelines: each installed pipeline with its manifest figures, what the studio has
 * observed of it per quality (peak, need, runs, mean time), and which live workers can start it.
 */
export function pipelineRoutes(app: FastifyInstance, ctx: EngineContext) {
  app.get('/api/v1/pipelines', async (): Promise<PipelineInfo[]> => {
    const manifests = ctx.catalogue.all().map((p) => p.manifest);
    const [workers, profiles] = await Promise.all([
      ctx.tasks ? ctx.tasks.workers().catch((): WorkerState[] => []) : Promise.resolve<WorkerState[]>([]),
      ctx.tasks
        ? ctx.tasks.profiles.readCatalogue(manifests).catch(() => new Map<string, ObservedProfile>())
        : Promise.resolve(new Map<string, ObservedProfile>()),
    ]);
    return Promise.all(
      manifests.map(async (manifest) => {
        const backends: Record<string, { available: boolean; reason: string | null }> = {};
        for (const backend of ctx.backends) {
          const reason = await backend.unavailableReason(ctx.catalogue.get(manifest.id));
          backends[backend.name] = { available: reason === null, reason };
        }
        const observed: Partial<Record<Quality, Omit<ObservedProfile, 'pipeline' | 'quality'>>> = {};
        for (const quality of manifest.qualities) {
          const profile = profiles.get(`${manifest.id}|${quality}`);
          if (profile)
            observed[quality] = { runs: profile.runs, peakGB: profile.peakGB, needGB: profile.needGB, meanWallS: profile.meanWallS, lastAt: profile.lastAt };
        }
        return {
          id: manifest.id,
          title: manifest.title,
          description: manifest.description,
          taskType: manifest.taskType,
          qualities: manifest.qualities,
          inputs: manifest.inputs,
          outputs: manifest.outputs,
          params: manifest.params,
          gpu: manifest.gpu,
          vram: vramLabel(manifest.gpu.vramGB, manifest.gpu.required),
          observed,
          verified: manifest.verified,
          /** Unverified and never completed a job here: the quality table passes over it. */
          proven: manifest.verified || Object.values(observed).some((o) => o.runs > 0),
          image: manifest.image,
          upstream: manifest.upstream ?? null,
          backends,
          runnable: Object.values(backends).some((b) => b.available),
          /** Live workers that can start it now (its image built there, or it runs on the host). */
          startableOn: workers.filter((w) => w.pipelines?.includes(manifest.id)).map((w) => w.name),
          /** Why each live worker that cannot start it cannot. */
          unavailableOn: Object.fromEntries(
            workers.filter((w) => !w.pipelines?.includes(manifest.id)).map((w) => [w.name, w.unavailable?.[manifest.id] ?? 'unknown']),
          ),
        };
      }),
    );
  });
}
