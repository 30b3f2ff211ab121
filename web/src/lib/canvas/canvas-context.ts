import { getContext, setContext } from 'svelte';
import type { NodeState, SequenceWarning, TextOverlay } from '@studio/node-schemas';
import type { PipelineChoice } from '$lib/engine-features.svelte';

/** The live job state of one node (generation, render), driven by server task events. */
export interface NodeRuntime {
  state: NodeState;
  /** 0-100, or null when unknown. */
  progress: number | null;
  step: string | null;
  error: string | null;
  taskId: string | null;
}

export const IDLE_RUNTIME: NodeRuntime = { state: 'idle', progress: null, step: null, error: null, taskId: null };

/** Actions a node can start; those a later part of the studio wires are disabled with a reason until then. */
/** `renderDraft`: half size, watermarked, allowed before approval; `renderAgain` and `generateAgain` run even when an earlier result has the same inputs. */
export type NodeAction = 'generate' | 'generateAgain' | 'cancel' | 'render' | 'renderDraft' | 'renderAgain' | 'exportEdl' | 'train';

/**
 * What a node component may read and do. The canvas page provides it; node components get it with
 * getCanvasContext() and never talk to the store or the socket themselves. Reads are reactive.
 */
export interface CanvasContext {
  readonly projectId: string;
  /** Zoomed out: node components render a light body (no controls). */
  readonly lowDetail: boolean;
  /** How much a node draws: everything, its header only, or (very far out) a plain coloured block. */
  readonly detail: 'full' | 'header' | 'block';
  /** Changes fields of a node's data; optimistic, rolled back with a message if the server refuses. */
  updateNodeData(nodeId: string, patch: Record<string, unknown>): void;
  /** Renames a scene group's scene and its shots with it; false when refused (the name is another group's). */
  renameScene(groupId: string, scene: string): boolean;
  /** Persists a new size (scene groups, after a resize ends). */
  resizeNode(nodeId: string, size: { x: number; y: number; width: number; height: number }): void;
  runtime(nodeId: string): NodeRuntime;
  /** Why an action is unavailable right now, or null when it can run. */
  disabledReason(action: NodeAction, nodeId: string): string | null;
  act(action: NodeAction, nodeId: string): void;
  /** Takes of a node, newest last, as project-relative paths. */
  takes(nodeId: string): string[];
  /** The node's handles (socket names) that have an edge. */
  connectedHandles(nodeId: string): ReadonlySet<string>;
  /** Whether the node may have takes older than those loaded. */
  hasOlderTakes(nodeId: string): boolean;
  /** Loads the node's next page of older takes. */
  loadOlderTakes(nodeId: string): Promise<void>;
  /** A URL the browser can load for a project-relative media path (range requests supported). */
  mediaUrl(path: string): string;
  /** The task type of the pipeline wired into a node's Pipeline socket, or null: that pipeline decides what a Shot does. */
  wiredTaskType(nodeId: string): string | null;
  /** The pipeline of the Pipeline node wired into a node, or null. */
  wiredPipeline(nodeId: string): PipelineChoice | null;
  /** A node's active take (a project-relative path), or null: the storyboard view shows it zoomed out. */
  activeTake(nodeId: string): string | null;
  /** An assembler's cut: running order, total length, what lacks an active take, and what the list will do differently per shot. */
  sequence(nodeId: string): {
    order: string[];
    seconds: number;
    missing: string[];
    shots: Array<{ nodeId: string; take: string | null; inFrames: number; frames: number; dissolveFrames: number; overlays: TextOverlay[] }>;
    warnings: SequenceWarning[];
  };
  /** Installed pipelines for the Pipeline node's dropdown. */
  pipelines(): PipelineChoice[];
}

const KEY = Symbol('canvas');

export function setCanvasContext(context: CanvasContext): void {
  setContext(KEY, context);
}

export function getCanvasContext(): CanvasContext {
  const context = getContext<CanvasContext | undefined>(KEY);
  if (!context) throw new Error('node components must be rendered inside the canvas');
  return context;
}
