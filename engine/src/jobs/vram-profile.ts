import type { PipelineManifest, Quality } from '@studio/node-schemas';
import type { Redis } from 'ioredis';

/** One finished GPU job of a pipeline at a quality, as its worker saw it. */
export interface RunSample {
  /** The pipeline's measured peak (MiB), or null when it could not read the GPU. */
  peakVramMB: number | null;
  wallMs: number;
  worker: string;
  /** The GPU it ran on. */
  gpuVramGB: number;
  at: string;
}

/** What the studio has observed of a pipeline at one quality. */
export interface ObservedProfile {
  pipeline: string;
  quality: Quality;
  /** Successful runs ever recorded. */
  runs: number;
  /** The highest peak (GB) among the recent runs that measured one, or null if none did. */
  peakGB: number | null;
  /** Mean wall time of the recent runs, in seconds. */
  meanWallS: number;
  /** The VRAM the dispatcher asks for: the observed peak with headroom, or null (then the manifest's figure). */
  needGB: number | null;
  lastAt: string;
}

/** Profiles by `${pipeline}|${quality}`. */
export type ProfileBook = ReadonlyMap<string, ObservedProfile>;

const KEY = 'studio:vram-profile:';
/** Recent runs kept per pipeline and quality: peaks vary with the inputs, so one run is not the rule. */
export const PROFILE_WINDOW = 20;
/**
 * What a job needs above its measured peak: torch's reserved figure leaves out the CUDA context
 * and fragmentation, nvidia-smi samples can miss a short spike.
 */
export const PEAK_HEADROOM = 1.15;

export const profileKey = (pipeline: string, quality: string) => `${pipeline}|${quality}`;

/** The need in whole GB for a measured peak. */
export function needFromPeak(peakGB: number): number {
  return Math.max(1, Math.ceil(peakGB * PEAK_HEADROOM));
}

/** VRAM a pipeline needs at a quality: the observed figure once there is one, else the manifest's (the prior). */
export function vramNeed(manifest: PipelineManifest, quality: Quality, profiles?: ProfileBook): { vramGB: number; basis: 'observed' | 'manifest' } {
  if (!manifest.gpu.required) return { vramGB: 0, basis: 'manifest' };
  const observed = profiles?.get(profileKey(manifest.id, quality))?.needGB;
  if (observed) return { vramGB: observed, basis: 'observed' };
  const listed = manifest.gpu.vramGB[quality] ?? Math.max(0, ...Object.values(manifest.gpu.vramGB).filter((v): v is number => v !== undefined));
  return { vramGB: listed, basis: 'manifest' };
}

/** Whether the studio has seen a pipeline succeed, at any quality. */
export function hasRun(profiles: ProfileBook | undefined, pipeline: string): boolean {
  for (const profile of profiles?.values() ?? []) if (profile.pipeline === pipeline && profile.runs > 0) return true;
  return false;
}

/** The per-pipeline, per-quality profile of observed peaks and times, in Redis (one list of recent runs each). */
export class VramProfiles {
  constructor(private readonly redis: Redis) {}

  async record(pipeline: string, quality: string, sample: RunSample): Promise<void> {
    const key = KEY + profileKey(pipeline, quality);
    await this.redis
      .multi()
      .lpush(`${key}:runs`, JSON.stringify(sample))
      .ltrim(`${key}:runs`, 0, PROFILE_WINDOW - 1)
      .incr(`${key}:count`)
      .exec();
  }

  /** Every pipeline-quality pair with at least one recorded run. */
  async read(pairs: Array<[pipeline: string, quality: Quality]>): Promise<Map<string, ObservedProfile>> {
    const book = new Map<string, ObservedProfile>();
    if (!pairs.length) return book;
    const batch = this.redis.multi();
    for (const [pipeline, quality] of pairs) {
      const key = KEY + profileKey(pipeline, quality);
      batch.lrange(`${key}:runs`, 0, PROFILE_WINDOW - 1).get(`${key}:count`);
    }
    const replies = (await batch.exec()) ?? [];
    pairs.forEach(([pipeline, quality], i) => {
      const samples = ((replies[2 * i]?.[1] as string[] | undefined) ?? []).map((s) => JSON.parse(s) as RunSample);
      if (!samples.length) return;
      const peaks = samples.map((s) => s.peakVramMB).filter((p): p is number => typeof p === 'number');
      const peakGB = peaks.length ? Math.round((Math.max(...peaks) / 1024) * 10) / 10 : null;
      book.set(profileKey(pipeline, quality), {
        pipeline,
        quality,
        runs: Number(replies[2 * i + 1]?.[1] ?? samples.length),
        peakGB,
        meanWallS: Math.round(samples.reduce((sum, s) => sum + s.wallMs, 0) / samples.length / 100) / 10,
        needGB: peakGB === null ? null : needFromPeak(Math.max(...peaks) / 1024),
        lastAt: samples[0]!.at,
      });
    });
    return book;
  }

  /** The profiles of every pipeline of a catalogue at each quality it serves. */
  readCatalogue(manifests: PipelineManifest[]): Promise<Map<string, ObservedProfile>> {
    return this.read(manifests.filter((m) => m.gpu.required).flatMap((m) => m.qualities.map((q) => [m.id, q] as [string, Quality])));
  }
}
