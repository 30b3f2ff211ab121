/**
 * Training routing, as generation's: one BullMQ queue per trainer pipeline, on the CPU
 * (`train@draft-lora-train`) or at the VRAM a preset needs (`train-24gb@train-lora-flux`), so a
 * worker reads only the queues of the trainers it can start (its image built there, or runnable on
 * the host) and, for GPU ones, only those a GPU of its holds. The queues `train` and `train-<N>gb`
 * used before held every trainer together; the engine moves what still waits there.
 */
export function trainQueueName(vramGB: number, pipelineId: string): string {
  return vramGB ? `train-${vramGB}gb@${pipelineId}` : `train@${pipelineId}`;
}

export interface TrainQueue {
  name: string;
  /** 0 for a CPU trainer. */
  vramGB: number;
  pipeline: string;
}

const NAME = /^train(?:-(\d+)gb)?@([a-z0-9][a-z0-9._-]*)$/;

/** The trainer and VRAM a training queue name stands for, or null for any other queue. */
export function parseTrainQueue(name: string): TrainQueue | null {
  const match = NAME.exec(name);
  return match ? { name, vramGB: match[1] ? Number(match[1]) : 0, pipeline: match[2]! } : null;
}

/** Whether a queue is one of the shared training queues used before (`train`, `train-24gb`). */
export function isLegacyTrainQueue(name: string): boolean {
  return /^train(?:-\d+gb)?$/.test(name);
}

/** Redis key pattern of every training queue's BullMQ meta hash (new and legacy), for discovery. */
export const TRAIN_QUEUE_META_PATTERN = 'bull:train*:meta';
