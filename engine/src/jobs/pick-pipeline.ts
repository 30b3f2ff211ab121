import type { Quality } from '@studio/node-schemas';
import type { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';

/**
 * The pipeline for a task when a node has none wired: an installed pipeline of that task type that
 * serves the quality, preferring those verified to run here.
 */
export function pipelineForTask(catalogue: PipelineCatalogue) {
  return (taskType: string, quality: Quality): string | null => {
    const candidates = catalogue
      .all()
      .filter(({ manifest }) => manifest.taskType === taskType && manifest.qualities.includes(quality))
      .sort((a, b) => Number(b.manifest.verified) - Number(a.manifest.verified));
    return candidates[0]?.manifest.id ?? null;
  };
}
