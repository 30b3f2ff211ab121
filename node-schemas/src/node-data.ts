import { z } from 'zod';
import { ProjectRelativePath } from './ids.ts';

/** Per-node-type data. Strict objects: an unknown field is an error, not silently dropped. */

export const SceneName = z.string().regex(/^SCENE_\d{2,4}$/, 'scene must look like SCENE_01');
export const ShotName = z.string().regex(/^SHOT_\d{3,5}$/, 'shot must look like SHOT_010');

export const TaskType = z.enum([
  'generate-image',
  'generate-video',
  'image-to-video',
  'talking-head',
  'motion-transfer',
  'identity-image',
  'face-swap',
  'edit-image',
  'text-to-speech',
  'super-resolution',
  'video-restoration',
  /** Asset Manager jobs, not shot generation: a LoRA trained from an asset's images, a ControlMap from a video. */
  'train-lora',
  'extract-motion',
]);
export type TaskType = z.infer<typeof TaskType>;

export const Transition = z
  .object({
    type: z.enum(['cut', 'dissolve']),
    frames: z.int().min(0).max(600).default(0),
  })
  .strict();
export type Transition = z.infer<typeof Transition>;

const ParamValue = z.union([z.string().max(10_000), z.number(), z.boolean()]);
const Params = z.record(z.string().max(64), ParamValue).refine((r) => Object.keys(r).length <= 64, 'at most 64 params');

const Label = z.string().max(200);
const Prompt = z.string().max(20_000);

/** Text over a shot (docs/edl-rules.md#text-over-shots): a title card centred, or a lower third; rendered and carried in the EDL. */
export const TextOverlay = z
  .object({
    kind: z.enum(['title', 'lower-third']),
    text: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[^\r\n]*$/, 'overlay text must be one line'),
  })
  .strict();
export type TextOverlay = z.infer<typeof TextOverlay>;

const HiddenTakes = z.array(ProjectRelativePath).max(10_000);

export const ShotData = z
  .object({
    label: Label.optional(),
    scene: SceneName,
    shot: ShotName,
    prompt: Prompt.default(''),
    negativePrompt: Prompt.optional(),
    duration: z.number().positive().max(600).default(4),
    taskType: TaskType.default('generate-image'),
    activeTake: ProjectRelativePath.nullable().default(null),
    /** Takes hidden from the takes list; they stay in the render folder and in history (docs/governance.md#provenance). */
    hiddenTakes: HiddenTakes.optional(),
    seed: z
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
    params: Params.optional(),
    /** In and out points within the take, in seconds (assembly). */
    inPoint: z.number().min(0).optional(),
    outPoint: z.number().positive().optional(),
    /** Transition into the next shot (assembly). */
    transition: Transition.optional(),
    /** How strongly a wired asset's LoRA applies (0-2, default 1). */
    loraStrength: z.number().min(0).max(2).optional(),
    /** Title card and lower-third text over the shot (assembly). */
    overlays: z.array(TextOverlay).max(4).optional(),
  })
  .strict();
export type ShotData = z.infer<typeof ShotData>;

export const AssetData = z
  .object({
    label: Label.optional(),
    name: z.string().max(200).default('Untitled asset'),
    assetId: z.string().max(128).nullable().default(null),
    /** The LoRA version the asset passes on (like a shot's active take); null: the latest. */
    activeVersion: z.int().min(1).nullable().optional(),
    triggerWord: z.string().max(40).optional(),
    cover: z.string().max(300).nullable().optional(),
    /** The library image its Image output feeds (asset-relative, `images/<id>.<ext>`); unset: its preview. */
    image: z
      .string()
      .max(120)
      .regex(/^images\/[A-Za-z0-9_-]+\.[a-z0-9]+$/, 'image must be an asset image file, images/<id>.<ext>')
      .nullable()
      .optional(),
    kind: z.enum(['character', 'style', 'object', 'location', 'image']).default('character'),
    preview: ProjectRelativePath.nullable().default(null),
  })
  .strict();

export const PipelineData = z
  .object({
    label: Label.optional(),
    pipelineId: z
      .string()
      .max(64)
      .regex(/^[a-z0-9][a-z0-9._-]*$/, 'pipelineId must be a pipeline folder name')
      .nullable()
      .default(null),
    version: z.string().max(64).optional(),
    hardwarePolicy: z.enum(['queue', 'fallback']).optional(),
    params: Params.optional(),
  })
  .strict();

export const SceneGroupData = z
  .object({
    label: Label.optional(),
    scene: SceneName.default('SCENE_01'),
    collapsed: z.boolean().default(false),
  })
  .strict();

export const MotionSourceData = z
  .object({
    label: Label.optional(),
    source: ProjectRelativePath.nullable().default(null),
    /** The extracted motion (a ControlMap take) the node passes on; null: the source video itself. */
    activeTake: ProjectRelativePath.nullable().default(null),
    /** Takes hidden from the takes list; they stay in the render folder and in history (docs/governance.md#provenance). */
    hiddenTakes: HiddenTakes.optional(),
    params: Params.optional(),
  })
  .strict();

export const AudioData = z
  .object({
    label: Label.optional(),
    scene: SceneName.optional(),
    shot: ShotName.optional(),
    text: Prompt.default(''),
    voice: z.string().max(64).optional(),
    source: ProjectRelativePath.nullable().default(null),
    activeTake: ProjectRelativePath.nullable().default(null),
    /** Takes hidden from the takes list; they stay in the render folder and in history (docs/governance.md#provenance). */
    hiddenTakes: HiddenTakes.optional(),
    params: Params.optional(),
  })
  .strict();

export const SuperResolutionData = z
  .object({
    label: Label.optional(),
    scale: z.number().min(1).max(8).default(2),
    activeTake: ProjectRelativePath.nullable().default(null),
    /** Takes hidden from the takes list; they stay in the render folder and in history (docs/governance.md#provenance). */
    hiddenTakes: HiddenTakes.optional(),
  })
  .strict();

export const VideoRestorationData = z
  .object({
    label: Label.optional(),
    strength: z.number().min(0).max(1).default(0.5),
    activeTake: ProjectRelativePath.nullable().default(null),
    /** Takes hidden from the takes list; they stay in the render folder and in history (docs/governance.md#provenance). */
    hiddenTakes: HiddenTakes.optional(),
  })
  .strict();

export const FRAME_RATES = ['23.976', '24', '25', '29.97', '30', '50', '59.94', '60'] as const;
export const FrameRate = z.enum(FRAME_RATES);
export type FrameRate = z.infer<typeof FrameRate>;

export const Timecode = z.string().regex(/^\d{2}[:;]\d{2}[:;]\d{2}[:;.]\d{2}$/, 'timecode must look like 01:00:00:00');

export const VseAssemblerData = z
  .object({
    label: Label.optional(),
    title: z.string().max(70).default('Sequence 1'),
    fps: FrameRate.default('24'),
    dropFrame: z.boolean().default(false),
    recordStart: Timecode.default('01:00:00:00'),
    lastExport: ProjectRelativePath.nullable().default(null),
  })
  .strict();
