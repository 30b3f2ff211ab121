import { z } from 'zod';
import { FrameRateInput } from './frame-rate-input.ts';
import { FrameRate } from './node-data.ts';
import { readableNameProblem } from './safe-text.ts';
import { PROJECT_FORMAT } from './migrate/formats.ts';

export const Quality = z.enum(['low', 'standard', 'high']);
export type Quality = z.infer<typeof Quality>;

export const ASPECT_RATIOS = ['16:9', '9:16', '4:3', '1:1', '21:9', '2.39:1', '1.85:1'] as const;
export const AspectRatio = z.enum(ASPECT_RATIOS);
export type AspectRatio = z.infer<typeof AspectRatio>;

/** What the dispatcher does when no worker can hold the quality asked for (docs/pipeline-contract.md#hardware-policy). */
export const HardwarePolicy = z.enum(['queue', 'fallback']);
export type HardwarePolicy = z.infer<typeof HardwarePolicy>;

export const ProjectSettings = z.object({
  aspect_ratio: AspectRatio.default('16:9'),
  quality: Quality.default('standard'),
  hardware_policy: HardwarePolicy.default('queue'),
  /** Every video take is generated at it; older project.json files have none and are 24. */
  frame_rate: FrameRate.default('24'),
});
export type ProjectSettings = z.infer<typeof ProjectSettings>;

export const ProjectTitle = z
  .string()
  .trim()
  .min(1, 'title must not be empty')
  .max(200, 'title must be at most 200 characters')
  .superRefine((title, ctx) => {
    const problem = readableNameProblem(title, 'title');
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
/** A title as stored in project.json: projects made before the readable-name rules must still open. */
export const StoredProjectTitle = z.string().min(1).max(200);
export const ProjectDescription = z.string().max(5000, 'description must be at most 5000 characters');

export const ForkOrigin = z.object({ project: z.string().min(1).max(200), commit: z.string().regex(/^[0-9a-f]{7,64}$/) });
export type ForkOrigin = z.infer<typeof ForkOrigin>;
export const Budget = z.number().nonnegative().max(1e12);

/** project.json: the project's identity card (docs/project-layout.md#projectjson). */
export const ProjectManifest = z.object({
  /** The file's format version (docs/formats.md); older files are migrated on load by migrateProject. */
  format: z.literal(PROJECT_FORMAT),
  uuid: z.uuid(),
  title: StoredProjectTitle,
  description: ProjectDescription.default(''),
  canvas_path: z.literal('02_Source_Creative/Canvases/main_canvas.json'),
  project_settings: ProjectSettings,
  version: z.int().min(1),
  created_at: z.iso.datetime().optional(),
  /** The tenant the project belongs to (docs/users-and-tenants.md); absent: the local tenant of the loopback default. */
  tenant: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9][a-z0-9_-]*$/)
    .optional(),
  /** Set on a fork: the project and commit it was forked from (docs/governance.md#fork). */
  forked_from: ForkOrigin.optional(),
  /** Spending limit of the whole project in the rate table's credits; absent or null: none (docs/governance.md#budgets). */
  budget: Budget.nullable().optional(),
});
export type ProjectManifest = z.infer<typeof ProjectManifest>;

/** POST /api/v1/projects. `title` is accepted as an alias of `name`; names are trimmed. */
export const CreateProjectRequest = z
  .object({
    name: ProjectTitle.optional(),
    title: ProjectTitle.optional(),
    description: ProjectDescription.optional(),
    quality: Quality.optional(),
    aspect_ratio: AspectRatio.optional(),
    frame_rate: FrameRateInput.optional(),
  })
  .strict()
  .refine((r) => (r.name ?? r.title) !== undefined, { message: 'name is required', path: ['name'] });
export type CreateProjectRequest = z.infer<typeof CreateProjectRequest>;

/** PATCH /api/v1/projects/:id. */
export const UpdateProjectRequest = z
  .object({
    version: z.int().min(1),
    title: ProjectTitle.optional(),
    description: ProjectDescription.optional(),
    quality: Quality.optional(),
    aspect_ratio: AspectRatio.optional(),
    hardware_policy: HardwarePolicy.optional(),
    /** Credits; null removes the budget. */
    budget: Budget.nullable().optional(),
  })
  .strict();
export type UpdateProjectRequest = z.infer<typeof UpdateProjectRequest>;

export const ProjectSummary = z.object({
  id: z.string(),
  uuid: z.string(),
  name: z.string(),
  title: z.string(),
  description: z.string(),
  project_settings: ProjectSettings,
  version: z.int(),
  updated_at: z.string().nullable(),
  latest_take: z.string().nullable(),
  forked_from: ForkOrigin.optional(),
});
export type ProjectSummary = z.infer<typeof ProjectSummary>;

/** An entry of the paged project list: the summary and the workspace index's counts. */
export const ListedProject = ProjectSummary.extend({
  counts: z.object({ commits: z.int().nonnegative(), takes: z.int().nonnegative() }),
});
export type ListedProject = z.infer<typeof ListedProject>;
