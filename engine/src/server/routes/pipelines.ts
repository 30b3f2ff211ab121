import type { FastifyInstance } from 'fastify';
import type { EngineContext } from '../context.ts';

/** "12 GB (low) · 16 GB (standard)", or "CPU" for pipelines that need no GPU. */
export function vramLabel(vram: Record<string, number | undefined>, gpu: boolean): string {
  const parts = (['low', 'standard', 'high'] as const).filter((q) => vram[q] !== undefined).map((q) => `${vram[q]} GB ${q}`);
  return gpu ? parts.join(' · ') || 'GPU' : 'CPU';
}

export function pipelineRoutes(app: FastifyInstance, ctx: EngineContext) {
  app.get('/api/v1/pipelines', async () =>
    Promise.all(
      ctx.catalogue.all().map(async ({ manifest }) => {
        const backends: Record<string, { available: boolean; reason: string | null }> = {};
        for (const backend of ctx.backends) {
          const reason = await backend.unavailableReason(ctx.catalogue.get(manifest.id));
          backends[backend.name] = { available: reason === null, reason };
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
          verified: manifest.verified,
          upstream: manifest.upstream ?? null,
          backends,
          runnable: Object.values(backends).some((b) => b.available),
        };
      }),
    ),
  );
}
