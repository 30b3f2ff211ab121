import { z } from 'zod';
import { Actor } from '../actor.ts';
import { Graph } from '../graph.ts';
import { ProjectManifest, ProjectTitle } from '../project.ts';

/*
 * REST answers of the project API (/api/v1/projects...). The list entries are ListedProject and
 * ProjectSummary in project.ts.
 */

/** POST, PATCH /api/v1/projects(/:id): the manifest with the project's id and its title as `name`. */
export const ProjectAnswer = ProjectManifest.extend({ id: z.string(), name: z.string() });
export type ProjectAnswer = z.infer<typeof ProjectAnswer>;

/** GET /api/v1/projects/:id: the manifest, the graph, and the version (the room's server clock). */
export const ProjectDetail = ProjectAnswer.extend({ graph: Graph });
export type ProjectDetail = z.infer<typeof ProjectDetail>;

/** PUT /api/v1/projects/:id. */
export const SavedGraph = z.object({ status: z.literal('success'), version: z.int() });
export type SavedGraph = z.infer<typeof SavedGraph>;

/** A node as the History panel names it: its id, type and label (the node's own label, or scene/shot for a shot). */
export const CanvasNodeRef = z.object({ id: z.string(), type: z.string(), label: z.string().optional() });
export type CanvasNodeRef = z.infer<typeof CanvasNodeRef>;

/** What one commit did to the canvas: nodes added, changed (with the fields that changed: `position`, `data.prompt`, ...) and removed. */
export const CanvasChange = z.object({
  added: z.array(CanvasNodeRef),
  changed: z.array(CanvasNodeRef.extend({ fields: z.array(z.string()) })),
  removed: z.array(CanvasNodeRef),
  /** Edges added and removed (an edge is never changed in place). */
  edges: z.object({ added: z.int().nonnegative(), removed: z.int().nonnegative() }),
});
export type CanvasChange = z.infer<typeof CanvasChange>;

/** GET /api/v1/projects/:id/history: one commit of the project, newest first; `canvas` is null when the commit did not touch the canvas. */
export const HistoryEntry = z.object({
  hash: z.string(),
  message: z.string(),
  time: z.string(),
  actor: Actor.nullable(),
  author: z.string(),
  canvas: CanvasChange.nullable(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;
export const ProjectHistory = z.array(HistoryEntry);

/** A commit of a project as a client names it: 4 to 64 hexadecimal digits (an abbreviation or the whole hash). */
export const CommitId = z
  .string()
  .regex(/^[0-9a-fA-F]{4,64}$/, 'commit must be 4 to 64 hexadecimal digits')
  .transform((s) => s.toLowerCase());

/** POST /api/v1/projects/:id/fork: the commit to fork at (default: the newest) and the fork's title (default "<title> (fork)"). */
export const ForkProjectRequest = z.object({ commit: CommitId.optional(), name: ProjectTitle.optional() }).strict();
export type ForkProjectRequest = z.infer<typeof ForkProjectRequest>;

/** POST /api/v1/projects/:id/restore: the commit whose canvas becomes the current one, as a new commit. */
export const RestoreCanvasRequest = z.object({ commit: CommitId }).strict();
export type RestoreCanvasRequest = z.infer<typeof RestoreCanvasRequest>;

/** The answer of a restore: the new commit, the commit restored from, and the canvas version now current. */
export const RestoredCanvas = z.object({ commit: z.string(), restored_from: z.string(), version: z.int() });
export type RestoredCanvas = z.infer<typeof RestoredCanvas>;

/** GET /api/v1/projects/:id/takes?node=: a page of a node's takes, newest first; `next_before` asks for the next page. */
export const TakesPage = z.object({ takes: z.array(z.string()), total: z.int(), next_before: z.int().nullable() });
export type TakesPage = z.infer<typeof TakesPage>;

/** GET /api/v1/projects/:id/takes: every generating node's takes, by node id. */
export const TakesByNode = z.record(z.string(), z.array(z.string()));
export type TakesByNode = z.infer<typeof TakesByNode>;
