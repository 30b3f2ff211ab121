import { SHOT_TASK_TYPE_IDS, type ShotTaskType, type TaskType } from '@studio/node-schemas';

/** How the Shot node names each task type it runs (node-schemas' SHOT_TASK_TYPE_IDS: one list, here only labelled). */
const LABELS: Record<ShotTaskType, string> = {
  'generate-image': 'Image',
  'generate-video': 'Video',
  'image-to-video': 'Image to video',
  'talking-head': 'Talking head',
  'motion-transfer': 'Motion transfer',
  'identity-image': 'Identity image',
  'edit-image': 'Edit image',
  'face-swap': 'Face swap',
};

/** The task types a Shot can run, in the order the Shot node offers them. */
export const SHOT_TASK_TYPES: ReadonlyArray<{ value: TaskType; label: string }> = SHOT_TASK_TYPE_IDS.map((value) => ({ value, label: LABELS[value] }));
