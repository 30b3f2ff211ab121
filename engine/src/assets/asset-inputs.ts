import type { Graph } from '@studio/node-schemas';
import type { GenerateJobData } from '../jobs/job-types.ts';
import type { GitQueue } from '../projects/git-queue.ts';
import { openProjectRepository } from '../projects/repository/open-project-repository.ts';
import type { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import type { AssetLibrary } from './asset-library.ts';
import { planAssetImages } from './asset-images.ts';
import { planAssetLora } from './lora-inputs.ts';
import { commitProjectCopies } from './project-copy.ts';

/** A generation request with what the Library adds to it, and the commit of the files it needs, to run once it is accepted. */
export interface PreparedAssetInputs {
  data: GenerateJobData;
  commit(): Promise<void>;
}

/**
 * What the asset library brings to a generation: the library images wired into a Shot's image
 * sockets and the LoRA of the asset on its Character or Style socket. Anything refused (an image
 * gone from the Library, an untrained asset) is refused here, before the generation is dispatched;
 * the files are put into the project only by `commit`, which the job system calls once the
 * generation passed every guard (budget, a capable worker), so a refused one changes nothing.
 */
export async function prepareAssetInputs({
  data,
  graph,
  library,
  catalogue,
  queue,
  projectDir,
}: {
  data: GenerateJobData;
  graph: Graph;
  library: AssetLibrary;
  catalogue: PipelineCatalogue;
  queue: GitQueue;
  projectDir: string;
}): Promise<PreparedAssetInputs> {
  const repository = openProjectRepository({ id: data.projectId, dir: projectDir, queue });
  const images = await planAssetImages({ data, library, project: repository });
  const lora = await planAssetLora({ data: images.data, graph, library, catalogue });
  const copies = [...images.copies, ...lora.copies];
  return { data: lora.data, commit: () => commitProjectCopies(copies, library, repository) };
}
