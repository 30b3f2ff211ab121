/**
 * CPU routing: one BullMQ queue per CPU pipeline (`cpu@draft-image`), as GPU jobs have one per
 * tier and pipeline, so a worker reads only the queues of the CPU pipelines it can start (its
 * image built there, or runnable on the host, and installed in its pipeline folders).
 */
export function cpuQueueName(pipelineId: string): string {
  return `cpu@${pipelineId}`;
}

export interface CpuQueue {
  name: string;
  pipeline: string;
}

const NAME = /^cpu@([a-z0-9][a-z0-9._-]*)$/;

/** The pipeline a CPU queue name stands for, or null for any other queue. */
export function parseCpuQueue(name: string): CpuQueue | null {
  const match = NAME.exec(name);
  return match ? { name, pipeline: match[1]! } : null;
}

/** Redis key pattern of every CPU queue's BullMQ meta hash (written when a Queue is made), for discovery. */
export const CPU_QUEUE_META_PATTERN = 'bull:cpu@*:meta';
