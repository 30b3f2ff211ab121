import { z } from 'zod';

const ToolStatus = z.object({ present: z.boolean(), version: z.string().nullable(), detail: z.string().optional() });

/** What this engine offers; an action whose feature is off is shown as unavailable. */
export const EngineFeatures = z.object({ generation: z.boolean(), render: z.boolean(), edl: z.boolean(), training: z.boolean() });
export type EngineFeatures = z.infer<typeof EngineFeatures>;

/** GET /api/v1/health: the tools found, the runner backend in use, and the features. */
export const HealthReport = z.object({
  status: z.enum(['ok', 'degraded']),
  tools: z.object({
    git: ToolStatus,
    'git-lfs': ToolStatus,
    ffmpeg: ToolStatus,
    redis: ToolStatus,
    docker: ToolStatus.extend({ daemon: z.boolean() }),
  }),
  runner: z.object({ backend: z.enum(['docker', 'process']), preference: z.enum(['auto', 'docker', 'process']) }),
  features: EngineFeatures,
});
export type HealthReport = z.infer<typeof HealthReport>;
