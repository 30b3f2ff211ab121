import type { TaskType } from '@studio/node-schemas';

/** The task types a Shot can run, in the order the Shot node offers them. */
export const SHOT_TASK_TYPES: ReadonlyArray<{ value: TaskType; label: string }> = [
  { value: 'generate-image', label: 'Image' },
  { value: 'generate-video', label: 'Video' },
  { value: 'image-to-video', label: 'Image to video' },
  { value: 'talking-head', label: 'Talking head' },
  { value: 'motion-transfer', label: 'Motion transfer' },
  { value: 'identity-image', label: 'Identity image' },
  { value: 'edit-image', label: 'Edit image' },
  { value: 'face-swap', label: 'Face swap' },
];
