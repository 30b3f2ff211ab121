import type { PipelineBackend } from '@studio/node-schemas';
import type { RunnerBackend } from './backend.ts';
import { NoBackendError } from './errors.ts';
import type { InstalledPipeline } from './pipeline-catalogue.ts';

export type BackendPreference = PipelineBackend | 'auto';

/**
 * The backend a pipeline runs on: the one asked for, or (auto) docker when it can, else the host.
 * Says why when none can.
 */
export async function chooseBackend(
  pipeline: InstalledPipeline,
  backends: readonly RunnerBackend[],
  preference: BackendPreference = 'auto',
): Promise<RunnerBackend> {
  const candidates = preference === 'auto' ? backends : backends.filter((b) => b.name === preference);
  const reasons: string[] = [];
  for (const backend of candidates) {
    const reason = await backend.unavailableReason(pipeline);
    if (reason === null) return backend;
    reasons.push(`${backend.name}: ${reason}`);
  }
  throw new NoBackendError(`no backend here can run ${pipeline.manifest.id} (${reasons.join('; ') || `no ${preference} backend`})`, {
    pipeline: pipeline.manifest.id,
  });
}
