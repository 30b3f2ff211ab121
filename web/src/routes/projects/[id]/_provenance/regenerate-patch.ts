import type { TakeProvenance } from '@studio/node-schemas';
import { SHOT_TASK_TYPES } from '../_nodes/task-types';

/** Params the engine adds on its own (a wired asset's LoRA, a node's own field): never pinned on the node. */
const ADDED_BY_ENGINE = /^(lora_|trigger_word$|input_)/;
const NODE_FIELDS: Record<string, string> = { superResolution: 'scale', videoRestoration: 'strength', audio: 'voice' };

/** Which node types can take a seed back: those whose data has one. */
export function takesSeed(nodeType: string): boolean {
  return nodeType === 'shot';
}

/** The prompt as typed on the node: the engine put a wired asset's trigger word in front when it was missing. */
function typedPrompt(provenance: TakeProvenance): string {
  const prompt = provenance.prompt ?? '';
  const trigger = provenance.params.trigger_word;
  return typeof trigger === 'string' && prompt.startsWith(`${trigger}, `) ? prompt.slice(trigger.length + 2) : prompt;
}

/**
 * The node-data change that makes a node generate again as a take was made: with `settings`, its
 * prompt, negative prompt, seed, params and what else the node holds (duration, task; scale or
 * strength; the text and voice); with `seed`, the seed alone. Null when nothing applies.
 */
export function regeneratePatch(nodeType: string, provenance: TakeProvenance, mode: 'settings' | 'seed'): Record<string, unknown> | null {
  const seed = provenance.seed !== null && Number.isInteger(provenance.seed) && provenance.seed >= 0 ? provenance.seed : null;
  if (mode === 'seed') return takesSeed(nodeType) && seed !== null ? { seed } : null;
  const own = NODE_FIELDS[nodeType];
  const params = Object.fromEntries(Object.entries(provenance.params).filter(([key]) => !ADDED_BY_ENGINE.test(key) && key !== own));
  if (nodeType === 'shot') {
    const taskType = SHOT_TASK_TYPES.find((t) => t.value === provenance.task_type)?.value;
    const duration = provenance.size?.duration;
    return {
      prompt: typedPrompt(provenance),
      negativePrompt: provenance.negative_prompt ?? '',
      ...(seed !== null ? { seed } : {}),
      params,
      ...(taskType ? { taskType } : {}),
      ...(typeof duration === 'number' && duration > 0 && duration <= 600 ? { duration } : {}),
    };
  }
  if (nodeType === 'audio') {
    const voice = provenance.params.voice;
    return { text: provenance.prompt ?? '', ...(typeof voice === 'string' ? { voice } : {}), params };
  }
  const value = own ? provenance.params[own] : undefined;
  return own && typeof value === 'number' ? { [own]: value } : null;
}
