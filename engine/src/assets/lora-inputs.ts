import type { Graph } from '@studio/node-schemas';
import { InvalidRequestError } from '../errors.ts';
import type { GenerateJobData } from '../jobs/job-types.ts';
import { requestFingerprint } from '../jobs/generation-request.ts';
import type { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import type { AssetLibrary } from './asset-library.ts';
import { assetSnapshot } from './asset-snapshot.ts';
import type { ProjectCopy } from './project-copy.ts';
import { PROJECT_ASSETS_DIR, PROJECT_MODELS_DIR } from '../projects/asset-paths.ts';

/** Shot sockets an asset's LoRA comes in through, in the order they are used. */
const LORA_SOCKETS = ['character', 'style'];

/**
 * An Asset node wired into a Shot's Character or Style socket: when the shot's pipeline takes a
 * `lora` input, the asset's active LoRA version is passed as that input (the job folder is the
 * container's only mount), its strength and provenance in params, and its trigger word added to the
 * prompt when missing. The version must be in the project (01_Assets/AI_Models, with the asset's
 * manifest in 01_Assets/Generative_Assets: the project stays self-contained): this plans that copy,
 * committed once the generation is accepted (project-copy.ts).
 */
export async function planAssetLora({
  data,
  graph,
  library,
  catalogue,
}: {
  data: GenerateJobData;
  graph: Graph;
  library: AssetLibrary;
  catalogue: PipelineCatalogue;
}): Promise<{ data: GenerateJobData; copies: ProjectCopy[] }> {
  if (data.nodeType !== 'shot') return { data, copies: [] };
  const edge = LORA_SOCKETS.map((socket) => graph.edges.find((e) => e.target === data.nodeId && e.targetHandle === socket)).find(Boolean);
  const assetNode = edge ? graph.nodes.find((n) => n.id === edge.source && n.type === 'asset') : undefined;
  const assetId = assetNode?.data.assetId as string | null | undefined;
  if (!assetNode || !assetId) return { data, copies: [] };
  if (!catalogue.get(data.pipelineId).manifest.inputs.some((i) => i.name === 'lora')) return { data, copies: [] };
  const asset = await library.get(assetId);
  const wanted = assetNode.data.activeVersion as number | null | undefined;
  const version = wanted ? asset.versions.find((v) => v.version === wanted) : asset.versions.at(-1);
  if (!version)
    throw new InvalidRequestError(`${asset.name} has no trained LoRA${wanted ? ` version ${wanted}` : ''} yet: train it in the Asset Manager`, {
      asset: assetId,
    });
  const lora = `${PROJECT_MODELS_DIR}/${version.name}.safetensors`;
  const copy: ProjectCopy = {
    marker: lora,
    message: `Asset ${asset.name}: LoRA ${version.name} added to the project`,
    files: [
      { path: lora, library: { assetId: asset.id, rel: version.path } },
      { path: `${PROJECT_MODELS_DIR}/${version.name}.json`, library: { assetId: asset.id, rel: version.sidecar } },
      { path: `${PROJECT_ASSETS_DIR}/${asset.id}/asset.json`, content: assetSnapshot(asset) },
    ],
  };
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
  return { data: { ...next, fingerprint: requestFingerprint(next) }, copies: [copy] };
}
