import { z } from 'zod';
import { Actor } from '../actor.ts';
import { Graph } from '../graph.ts';
import { ProjectManifest } from '../project.ts';

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

/** GET /api/v1/projects/:id/history: one commit of the project, newest first. */
export const HistoryEntry = z.object({ hash: z.string(), message: z.string(), time: z.string(), actor: Actor.nullable(), author: z.string() });
export type HistoryEntry = z.infer<typeof HistoryEntry>;
export const ProjectHistory = z.array(HistoryEntry);

/** GET /api/v1/projects/:id/takes?node=: a page of a node's takes, newest first; `next_before` asks for the next page. */
export const TakesPage = z.object({ takes: z.array(z.string()), total: z.int(), next_before: z.int().nullable() });
export type TakesPage = z.infer<typeof TakesPage>;

/** GET /api/v1/projects/:id/takes: every generating node's takes, by node id. */
export const TakesByNode = z.record(z.string(), z.array(z.string()));
export type TakesByNode = z.infer<typeof TakesByNode>;
