import { createHash, randomInt } from 'node:crypto';
import { feedingSocket, NODE_TYPES } from '@studio/node-schemas';
import type { FrameRate, Graph, GraphNode, PipelineInput, PipelineManifest, ProjectManifest, Quality } from '@studio/node-schemas';
import { InvalidRequestError, StudioError } from '../errors.ts';
import type { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';
import { takeSubject } from '../projects/takes/take-subject.ts';
import { projectAssetImagePath } from '../projects/asset-paths.ts';
import type { GenerateJobData } from './job-types.ts';
import { kindMismatch, mediaKind, sourceKind } from './input-media.ts';
import { REUSABLE_NODE_TYPES, derivedSeed } from '../projects/takes/reuse-signature.ts';

/** Long side in pixels for each quality level; the short side follows the aspect ratio. */
const LONG_SIDE: Record<Quality, number> = { low: 768, standard: 1280, high: 1920 };

/** The exact rate: NTSC rates are n*1000/1001, which pipelines recover as that fraction (not 2997/100). */
export function framesPerSecond(rate: FrameRate): number {
  const nominal = Number(rate);
  return Number.isInteger(nominal) ? nominal : (Math.round(nominal) * 1000) / 1001;
}

export function frameSize(aspectRatio: string, quality: Quality): { width: number; height: number } {
  const [w, h] = aspectRatio.split(':').map(Number) as [number, number];
  const ratio = w / h;
  const long = LONG_SIDE[quality];
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  return ratio >= 1 ? { width: long, height: even(long / ratio) } : { width: even(long * ratio), height: long };
}

/** The task a node asks for, for picking a pipeline when none is wired to it. */
const NODE_TASK: Record<string, string> = {
  audio: 'text-to-speech',
  superResolution: 'super-resolution',
  videoRestoration: 'video-restoration',
  motionSource: 'extract-motion',
};

class GenerationRefused extends InvalidRequestError {}

/** A required pipeline input with nothing wired to the socket that feeds it, or wired to a node with no media yet. */
export class MissingInputError extends StudioError {
  override readonly code = 'MISSING_INPUT';
  override readonly status = 400;
}

/** Media of the wrong kind wired into an input (a video into an image socket). */
export class InputMismatchError extends StudioError {
  override readonly code = 'INPUT_MISMATCH';
  override readonly status = 400;
}

/** Nodes with a Pipeline input socket: a wired Pipeline node's choice beats the quality table's. */
const PIPELINE_SOCKET_NODES = new Set(['shot', 'motionSource']);

/** What a take is made from, for its version number: recomputed by whatever adds to a request (an asset's LoRA or image). */
export function requestFingerprint(data: Pick<GenerateJobData, 'pipelineId' | 'taskType' | 'prompt' | 'negativePrompt' | 'params' | 'inputs'>): string {
  const { pipelineId, taskType, prompt, negativePrompt, params, inputs } = data;
  return createHash('sha256').update(JSON.stringify({ pipelineId, taskType, prompt, negativePrompt, params, inputs })).digest('hex').slice(0, 16);
}

/** VRAM a pipeline needs at a quality (0 for CPU pipelines; its largest figure if the quality is unlisted). */
export function pipelineNeeds(pipeline: PipelineManifest, quality: Quality): { vramGB: number; shareable: boolean } {
  if (!pipeline.gpu.required) return { vramGB: 0, shareable: false };
  const listed = pipeline.gpu.vramGB[quality] ?? Math.max(0, ...Object.values(pipeline.gpu.vramGB).filter((v): v is number => v !== undefined));
  return { vramGB: listed, shareable: pipeline.gpu.shareable };
}

function incoming(graph: Graph, node: GraphNode, socket: string): GraphNode | null {
  const edge = graph.edges.find((e) => e.target === node.id && e.targetHandle === socket);
  return edge ? (graph.nodes.find((n) => n.id === edge.source) ?? null) : null;
}

function nodeName(node: GraphNode): string {
  if (node.type === 'shot') return `${node.data.scene}/${node.data.shot}`;
  if (node.type === 'asset') return String(node.data.label ?? node.data.name ?? `asset ${node.id}`);
  return String(node.data.label ?? `${node.type} ${node.id}`);
}

/**
 * What a wired node passes on: its active take (or source media); an Asset node passes its image,
 * the library image it names (copied into the project before the job runs: assets/asset-images.ts)
 * or else the media dropped on it.
 */
function mediaOf(source: GraphNode): string | null {
  const data = source.data;
  if (source.type === 'asset') {
    if (typeof data.assetId === 'string' && typeof data.image === 'string') return projectAssetImagePath(data.assetId, data.image);
    return (data.preview as string | null | undefined) ?? null;
  }
  return ((data.activeTake ?? data.source) as string | null | undefined) ?? null;
}

function missingSocket(title: string, input: PipelineInput, node: GraphNode, socket: string): string {
  const label = NODE_TYPES.shot.inputs.find((s) => s.name === socket)?.label ?? socket;
  return node.type === 'shot'
    ? `${title} needs ${input.label ?? input.name}: connect an asset's image, a take or media to the ${label} socket of ${nodeName(node)}`
    : `${title} needs ${input.label ?? input.name}: connect it to ${nodeName(node)}`;
}

function missingMedia(source: GraphNode): string {
  return source.type === 'asset'
    ? `${nodeName(source)} has no image yet: choose one of its images or drop an image on it`
    : `${nodeName(source)} has no active take yet: generate it first`;
}

/**
 * Turns a node of the graph into a generation request: its pipeline (the Pipeline node wired to it,
 * or the installed one for its task), its inputs (the active takes of the nodes wired to it), and
 * what the project settings make of size and quality. Refuses, saying why, what cannot run.
 */
export function buildGenerationRequest({
  projectId,
  graph,
  manifest,
  nodeId,
  catalogue,
  pickPipeline,
  freshSeed = false,
}: {
  projectId: string;
  graph: Graph;
  manifest: ProjectManifest;
  nodeId: string;
  catalogue: PipelineCatalogue;
  /** The pipeline for a task at a quality when the node has none wired (docs/pipeline-contract.md#quality-table). */
  pickPipeline: (taskType: string, quality: Quality) => string | null;
  /** "Run again": a post-processing node that pins no seed draws a fresh one instead of the one its inputs give (docs/governance.md#reuse). */
  freshSeed?: boolean;
}): GenerateJobData {
  const node = graph.nodes.find((n) => n.id === nodeId);
  if (!node) throw new GenerationRefused(`no node ${nodeId} in this project`, { node_id: nodeId });
  if (!['shot', 'audio', 'superResolution', 'videoRestoration', 'motionSource'].includes(node.type))
    throw new GenerationRefused(`a ${node.type} node does not generate`, { node_id: nodeId });
  const quality = manifest.project_settings.quality;
  const data = node.data;

  // A Motion Source takes the pipeline of a wired Pipeline node too (an unverified GPU one a person picks); unwired, the table's.
  const pipelineNode = PIPELINE_SOCKET_NODES.has(node.type) ? incoming(graph, node, 'pipeline') : null;
  const taskType = node.type === 'shot' ? String(data.taskType) : NODE_TASK[node.type]!;
  const pipelineId = (pipelineNode?.data.pipelineId as string | null | undefined) ?? pickPipeline(taskType, quality);
  if (!pipelineId)
    throw new GenerationRefused(
      node.type === 'shot' ? `${nodeName(node)} has no pipeline: connect a Pipeline node and choose one` : `no installed pipeline does ${taskType}`,
      { node_id: nodeId },
    );
  const { manifest: pipeline } = catalogue.get(pipelineId);
  if (node.type !== 'shot' && pipeline.taskType !== taskType)
    throw new GenerationRefused(
      `${pipeline.title} does ${pipeline.taskType}, not ${taskType}: choose a pipeline that does ${taskType} on the Pipeline node wired to ${nodeName(node)}`,
      {
        node_id: nodeId,
        pipeline: pipelineId,
      },
    );

  const inputs: Record<string, string> = {};
  /** For a Shot, where each input came from (provenance: params the sidecar keeps, `input_<name>_*`). */
  const sources: Record<string, string> = {};
  for (const input of pipeline.inputs) {
    const socket = node.type === 'shot' ? feedingSocket(input) : 'input';
    const source = incoming(graph, node, socket) ?? (node.type !== 'shot' ? incoming(graph, node, 'source') : null);
    // A Motion Source extracts from its own video when none is wired into it.
    const own = !source && node.type === 'motionSource' ? ((data.source as string | null | undefined) ?? null) : null;
    const take = source ? mediaOf(source) : own;
    const needs = { node_id: nodeId, input: input.name, socket };
    if (take) {
      const kind = mediaKind(take);
      const wrong = kind ? kindMismatch(kind, input.type) : null;
      if (wrong && source)
        throw new InputMismatchError(
          `${nodeName(source)} passes ${kind === 'image' ? 'an' : 'a'} ${kind}, and ${input.label ?? input.name} takes ${wrong}`,
          needs,
        );
      inputs[input.name] = take;
      if (node.type === 'shot' && source) {
        sources[`input_${input.name}_socket`] = socket;
        sources[`input_${input.name}_from`] = sourceKind(source);
        if (kind) sources[`input_${input.name}_kind`] = kind;
      }
    } else if (!source && node.type === 'motionSource' && input.required)
      throw new MissingInputError(`${nodeName(node)} has no source video: choose or drop one first`, needs);
    else if (input.required) throw new MissingInputError(source ? missingMedia(source) : missingSocket(pipeline.title, input, node, socket), needs);
  }

  const prompt = String(node.type === 'audio' ? (data.text ?? '') : (data.prompt ?? ''));
  if (['generate-image', 'generate-video', 'text-to-speech'].includes(pipeline.taskType) && !prompt.trim())
    throw new GenerationRefused(node.type === 'audio' ? 'type the text to speak first' : `${nodeName(node)} has no prompt yet`, { node_id: nodeId });

  const pinned = (pipelineNode?.data.params ?? {}) as Record<string, unknown>;
  const params: Record<string, unknown> = {
    ...Object.fromEntries(pipeline.params.filter((p) => p.default !== undefined).map((p) => [p.name, p.default])),
    ...pinned,
    ...((data.params as Record<string, unknown> | undefined) ?? {}),
    ...(node.type === 'superResolution' ? { scale: data.scale } : {}),
    ...(node.type === 'videoRestoration' ? { strength: data.strength } : {}),
    ...(node.type === 'audio' && data.voice ? { voice: data.voice } : {}),
    ...sources,
  };
  const negativePrompt = String(data.negativePrompt ?? '');
  const fingerprint = requestFingerprint({ pipelineId, taskType: pipeline.taskType, prompt, negativePrompt, params, inputs });
  return {
    projectId,
    nodeId,
    nodeType: node.type,
    subject: takeSubject(graph, node),
    pipelineId,
    taskType: pipeline.taskType,
    quality,
    seed:
      typeof data.seed === 'number'
        ? data.seed
        : REUSABLE_NODE_TYPES.has(node.type) && !freshSeed
          ? derivedSeed({ pipelineId, prompt, params })
          : randomInt(0, 2 ** 31),
    prompt,
    negativePrompt,
    params,
    ...frameSize(manifest.project_settings.aspect_ratio, quality),
    aspectRatio: manifest.project_settings.aspect_ratio,
    // Takes are made at the project's rate so that source timecodes exist at the cut's rate.
    fps: framesPerSecond(manifest.project_settings.frame_rate ?? '24'),
    duration: typeof data.duration === 'number' ? data.duration : 4,
    inputs,
    // A stateless worker clones /git/<tenant>/<project>.git.
    ...(manifest.tenant ? { tenant: manifest.tenant } : {}),
    fingerprint,
    ...pipelineNeeds(pipeline, quality),
    requestedAt: new Date().toISOString(),
  };
}
