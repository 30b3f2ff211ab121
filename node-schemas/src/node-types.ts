import type { z } from 'zod';
import type { SocketTypeSpec } from './sockets.ts';
import {
  AssetData,
  AudioData,
  MotionSourceData,
  PipelineData,
  SceneGroupData,
  ShotData,
  SuperResolutionData,
  VideoRestorationData,
  VseAssemblerData,
} from './node-data.ts';

export interface InputSocket {
  name: string;
  label: string;
  type: SocketTypeSpec;
  /** Whether the input accepts more than one edge. */
  multiple: boolean;
}

export interface OutputSocket {
  name: string;
  label: string;
  type: SocketTypeSpec;
}

export interface NodeTypeDefinition {
  type: string;
  label: string;
  description: string;
  inputs: InputSocket[];
  outputs: OutputSocket[];
  data: z.ZodType;
}

const input = (name: string, label: string, type: SocketTypeSpec, multiple = false): InputSocket => ({
  name,
  label,
  type,
  multiple,
});
const output = (name: string, label: string, type: SocketTypeSpec): OutputSocket => ({ name, label, type });

/** The 9 node types (docs/canvas.md#node-types). Handle ids on the canvas are these socket names. */
export const NODE_TYPES = {
  shot: {
    type: 'shot',
    label: 'Shot',
    description: 'One shot of a scene: prompt, generate, browse takes.',
    inputs: [
      input('pipeline', 'Pipeline', 'PipelineReference'),
      input('character', 'Character', 'AssetReference'),
      input('style', 'Style', 'AssetReference'),
      input('prompt', 'Prompt', 'String'),
      // Image sockets a pipeline input names in its manifest (`socket`): `image` is the source image
      // (the only one before, so saved graphs keep their edges), `reference` an identity or style
      // reference, `target` what a face or a motion is put onto.
      input('image', 'Source image', 'Image'),
      input('reference', 'Reference image', 'Image'),
      input('target', 'Target image', 'Image'),
      input('audio', 'Audio', 'Audio'),
      input('motion', 'Motion', 'ControlMap'),
    ],
    outputs: [output('output', 'Output', ['Video', 'Image'])],
    data: ShotData,
  },
  asset: {
    type: 'asset',
    label: 'Asset',
    description: 'A generative asset (character, style) from the asset library.',
    inputs: [],
    // `image` feeds one of the asset's images (a library image copied into the project, or the media dropped on the node).
    outputs: [output('asset', 'Asset', 'AssetReference'), output('image', 'Image', 'Image')],
    data: AssetData,
  },
  pipeline: {
    type: 'pipeline',
    label: 'Pipeline',
    description: 'Chooses the model pipeline a shot runs on.',
    inputs: [],
    outputs: [output('pipeline', 'Pipeline', 'PipelineReference')],
    data: PipelineData,
  },
  sceneGroup: {
    type: 'sceneGroup',
    label: 'Scene Group',
    description: 'A scene: contains its shots, collapses and expands.',
    inputs: [],
    outputs: [],
    data: SceneGroupData,
  },
  motionSource: {
    type: 'motionSource',
    label: 'Motion Source',
    description: 'A source video turned into motion data for action transfer.',
    // `pipeline` picks the extraction pipeline (e.g. an unverified depth model) instead of the quality table's choice.
    inputs: [input('source', 'Source video', 'Video'), input('pipeline', 'Pipeline', 'PipelineReference')],
    outputs: [output('motion', 'Motion data', 'ControlMap')],
    data: MotionSourceData,
  },
  audio: {
    type: 'audio',
    label: 'Audio Source',
    description: 'Dialogue by text-to-speech, or an audio file.',
    inputs: [input('source', 'Source audio', 'Audio'), input('text', 'Text', 'String')],
    outputs: [output('audio', 'Audio', 'Audio')],
    data: AudioData,
  },
  superResolution: {
    type: 'superResolution',
    label: 'Super Resolution',
    description: 'Upscales an image or video by a factor.',
    inputs: [input('input', 'Input', ['Image', 'Video'])],
    outputs: [output('output', 'Output', ['Image', 'Video'])],
    data: SuperResolutionData,
  },
  videoRestoration: {
    type: 'videoRestoration',
    label: 'Video Restoration',
    description: 'Cleans artefacts from a video.',
    inputs: [input('input', 'Input', 'Video')],
    outputs: [output('output', 'Output', 'Video')],
    data: VideoRestorationData,
  },
  vseAssembler: {
    type: 'vseAssembler',
    label: 'VSE Assembler',
    description: 'Compiles the cut to an EDL and renders the final video.',
    inputs: [input('sequence', 'Sequence in', ['Video', 'Image', 'EDL'], true), input('audio', 'Audio', 'Audio', true)],
    outputs: [output('final', 'Final video', 'Video'), output('edl', 'EDL', 'EDL')],
    data: VseAssemblerData,
  },
} as const satisfies Record<string, NodeTypeDefinition>;

export type NodeTypeId = keyof typeof NODE_TYPES;
export const NODE_TYPE_IDS = Object.keys(NODE_TYPES) as NodeTypeId[];

export function isNodeTypeId(type: string): type is NodeTypeId {
  return Object.hasOwn(NODE_TYPES, type);
}

export type NodeDataOf<T extends NodeTypeId> = z.infer<(typeof NODE_TYPES)[T]['data']>;

/** Default data for a fresh node of a type (what the palette adds). */
export function defaultNodeData<T extends NodeTypeId>(type: T, overrides: Record<string, unknown> = {}): NodeDataOf<T> {
  const base = type === 'shot' ? { scene: 'SCENE_01', shot: 'SHOT_010' } : {};
  return NODE_TYPES[type].data.parse({ ...base, ...overrides }) as NodeDataOf<T>;
}

/** The JSON shape served at GET /api/v1/node-types. */
export function describeNodeTypes() {
  return NODE_TYPE_IDS.map((id) => {
    const t = NODE_TYPES[id];
    return {
      type: t.type,
      label: t.label,
      description: t.description,
      inputs: t.inputs.map(({ name, label, type, multiple }) => ({ name, label, type, multiple })),
      outputs: t.outputs.map(({ name, label, type }) => ({ name, label, type })),
    };
  });
}
export type NodeTypeDescription = ReturnType<typeof describeNodeTypes>[number];
