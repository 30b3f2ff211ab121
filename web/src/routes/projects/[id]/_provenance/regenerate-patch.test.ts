import type { TakeProvenance } from '@studio/node-schemas';
import { describe, expect, it } from 'vitest';
import { regeneratePatch } from './regenerate-patch';

const provenance = (fields: Partial<TakeProvenance>): TakeProvenance =>
  ({
    prompt: 'mara, at the harbour',
    negative_prompt: 'blurry',
    seed: 1234,
    params: { steps: 6, lora_strength: 0.8, lora_asset: 'ast-1', trigger_word: 'mara' },
    task_type: 'generate-video',
    size: { width: 1280, height: 720, fps: 24, duration: 3 },
    ...fields,
  }) as TakeProvenance;

describe('regeneratePatch: what "Generate again" changes on the node', () => {
  it("gives a shot back its prompt as typed (without the asset's trigger word the engine added), negative prompt, seed, params, task and duration", () => {
    expect(regeneratePatch('shot', provenance({}), 'settings')).toEqual({
      prompt: 'at the harbour',
      negativePrompt: 'blurry',
      seed: 1234,
      params: { steps: 6 },
      taskType: 'generate-video',
      duration: 3,
    });
  });

  it('"with this seed" changes the seed alone, and only where the node has one', () => {
    expect(regeneratePatch('shot', provenance({}), 'seed')).toEqual({ seed: 1234 });
    expect(regeneratePatch('shot', provenance({ seed: null }), 'seed')).toBeNull();
    expect(regeneratePatch('audio', provenance({}), 'seed')).toBeNull();
  });

  it('gives post-processing its own field and audio its text and voice; an unknown task type is left as the shot has it', () => {
    expect(regeneratePatch('superResolution', provenance({ params: { scale: 4 } }), 'settings')).toEqual({ scale: 4 });
    expect(regeneratePatch('videoRestoration', provenance({ params: {} }), 'settings')).toBeNull();
    expect(regeneratePatch('audio', provenance({ prompt: 'Ahoy', params: { voice: 'en-gb', speed: 1 } }), 'settings')).toEqual({
      text: 'Ahoy',
      voice: 'en-gb',
      params: { speed: 1 },
    });
    expect(regeneratePatch('shot', provenance({ task_type: 'upscale' }), 'settings')).not.toHaveProperty('taskType');
  });
});
