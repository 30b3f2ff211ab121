import type { Job } from 'bullmq';
import type { LedgerOutcome, Quality } from '@studio/node-schemas';
import { parseGpuQueue } from '../jobs/gpu-tiers.ts';
import type { JobEvent } from '../jobs/job-kind.ts';

/** What one task used, from its BullMQ job: the time it held its slot, on which VRAM tier (null: the CPU). */
export interface JobUsage {
  projectId: string;
  nodeId: string;
  pipeline: string;
  quality: Quality | null;
  outcome: LedgerOutcome;
  tier: number | null;
  seconds: number;
  startedAt: string | null;
  finishedAt: string;
  /** Where the job's takes go (generations): the scene when nothing else says. */
  takeFolder: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The use of a task that has ended, or null when it used nothing chargeable (cancelled before it
 * started, or a kind that belongs to no project, such as LoRA training). The time is the last
 * attempt's, from BullMQ's processedOn to finishedOn; an attempt that found its output already
 * handed over by an attempt a SIGKILL cut short reports that run's time instead (its own is a lookup).
 */
export function usageOfJob(kind: string, job: Job, event: Extract<JobEvent, { on: 'completed' | 'failed' }>): JobUsage | null {
  if (kind !== 'generation' && kind !== 'render') return null;
  const data = job.data as Record<string, unknown>;
  if (typeof data.projectId !== 'string' || typeof data.nodeId !== 'string') return null;
  if (!job.processedOn) return null;
  const finishedOn = job.finishedOn ?? Date.now();
  const result = (event.on === 'completed' ? (typeof job.returnvalue === 'string' ? safeJson(job.returnvalue) : job.returnvalue) : null) as {
    resumed?: boolean;
    runMs?: number;
  } | null;
  const ms = result?.resumed && typeof result.runMs === 'number' ? result.runMs : Math.max(0, finishedOn - job.processedOn);
  const outcome: LedgerOutcome = event.on === 'completed' ? 'succeeded' : event.cancelled ? 'cancelled' : 'failed';
  if (kind === 'render')
    return {
      projectId: data.projectId,
      nodeId: data.nodeId,
      pipeline: `render:${String(data.backend ?? 'ffmpeg')}`,
      quality: null,
      outcome,
      tier: null,
      seconds: ms / 1000,
      startedAt: iso(job.processedOn),
      finishedAt: iso(finishedOn),
      takeFolder: null,
    };
  const gpu = parseGpuQueue(job.queueName);
  const subject = data.subject as { folder?: unknown } | undefined;
  return {
    projectId: data.projectId,
    nodeId: data.nodeId,
    pipeline: String(data.pipelineId ?? ''),
    quality: (data.quality as Quality | undefined) ?? null,
    outcome,
    tier: gpu ? gpu.tier : null,
    seconds: ms / 1000,
    startedAt: iso(job.processedOn),
    finishedAt: iso(finishedOn),
    takeFolder: typeof subject?.folder === 'string' ? subject.folder : null,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
