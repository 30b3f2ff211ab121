import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Graph } from '@studio/node-schemas';
import { InvalidRequestError } from '../errors.ts';
import type { GenerateJobData } from '../jobs/job-types.ts';
import { atomicWriteFile } from '../projects/atomic-write.ts';
import { commitPaths } from '../projects/git.ts';
import type { GitQueue } from '../projects/git-queue.ts';
import type { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import type { AssetLibrary } from './asset-library.ts';
import { assetSnapshot } from './asset-snapshot.ts';
import { PROJECT_ASSETS_DIR, PROJECT_MODELS_DIR } from '../projects/asset-paths.ts';

/** Shot sockets an asset's LoRA comes in through, in the order they are used. */
const LORA_SOCKETS = ['character', 'style'];

/** The same formula as the generation request's: what the take is made from, for its version number. */
function fingerprint(data: GenerateJobData): string {
  const { pipelineId, taskType, prompt, negativePrompt, params, inputs } = data;
  return createHash('sha256').update(JSON.stringify({ pipelineId, taskType, prompt, negativePrompt, params, inputs })).digest('hex').slice(0, 16);
}

/**
 * An Asset node wired into a Shot's Character or Style socket: when the shot's pipeline takes a
 * `lora` input, the asset's active LoRA version is copied into the project (01_Assets/AI_Models,
 * with the asset's manifest in 01_Assets/Generative_Assets, committed: the project stays
 * self-contained), passed as that input (the job folder is the container's only mount), its
 * strength and provenance in params, and its trigger word added to the prompt when missing.
 */
export async function attachAssetLora({
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
}): Promise<GenerateJobData> {
  if (data.nodeType !== 'shot') return data;
  const edge = LORA_SOCKETS.map((socket) => graph.edges.find((e) => e.target === data.nodeId && e.targetHandle === socket)).find(Boolean);
  const assetNode = edge ? graph.nodes.find((n) => n.id === edge.source && n.type === 'asset') : undefined;
  const assetId = assetNode?.data.assetId as string | null | undefined;
  if (!assetNode || !assetId) return data;
  if (!catalogue.get(data.pipelineId).manifest.inputs.some((i) => i.name === 'lora')) return data;
  const asset = await library.get(assetId);
  const wanted = assetNode.data.activeVersion as number | null | undefined;
  const version = wanted ? asset.versions.find((v) => v.version === wanted) : asset.versions.at(-1);
  if (!version)
    throw new InvalidRequestError(`${asset.name} has no trained LoRA${wanted ? ` version ${wanted}` : ''} yet: train it in the Asset Manager`, {
      asset: assetId,
    });
  const lora = `${PROJECT_MODELS_DIR}/${version.name}.safetensors`;
  const snapshot = `${PROJECT_ASSETS_DIR}/${asset.id}/asset.json`;
  await queue.run(data.projectId, async () => {
    if (await stat(join(projectDir, lora)).catch(() => null)) return;
    await mkdir(join(projectDir, PROJECT_MODELS_DIR), { recursive: true });
    await mkdir(join(projectDir, PROJECT_ASSETS_DIR, asset.id), { recursive: true });
    await library.exportFile(asset.id, version.path, join(projectDir, lora));
    await library.exportFile(asset.id, version.sidecar, join(projectDir, PROJECT_MODELS_DIR, `${version.name}.json`));
    await atomicWriteFile(join(projectDir, snapshot), assetSnapshot(asset));
    await commitPaths(projectDir, `Asset ${asset.name}: LoRA ${version.name} added to the project`, [
      lora,
      `${PROJECT_MODELS_DIR}/${version.name}.json`,
      snapshot,
    ]);
  });
  const shot = graph.nodes.find((n) => n.id === data.nodeId)!;
  const strength = typeof shot.data.loraStrength === 'number' ? shot.data.loraStrength : 1;
  const trigger = asset.trigger_word;
  const prompt = new RegExp(`\\b${trigger}\\b`, 'i').test(data.prompt) ? data.prompt : `${trigger}, ${data.prompt}`;
  const next: GenerateJobData = {
    ...data,
    prompt,
    inputs: { ...data.inputs, lora },
    params: {
      ...data.params,
      lora_strength: strength,
      lora_asset: asset.id,
      lora_asset_name: asset.name,
      lora_version: version.name,
      lora_sha256: version.sha256,
      trigger_word: trigger,
    },
  };
  return { ...next, fingerprint: fingerprint(next) };
}
