// Each pipeline folder is its own Docker build context, so a module two images need is copied into
// both. Until the images build with pipelines/ as their context (issue 10, "one pipeline helper"),
// the copies must stay identical: DraftNet must be the same network for the trainer that makes a
// draft LoRA and for draft-image that applies it, and the four GPU trainers share one entrypoint.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const read = (path: string) => readFileSync(join(here, path), 'utf8');

describe('modules copied into several pipeline build contexts', () => {
  it('DraftNet is the same in the draft trainer and in draft-image', () => {
    expect(read('draft-image/draftnet.py')).toBe(read('draft-lora-train/draftnet.py'));
  });

  it.each(['train-lora-sd15', 'train-lora-sdxl', 'train-lora-wan21'])('%s runs the same entrypoint as train-lora-flux', (id) => {
    expect(read(`${id}/entrypoint.py`)).toBe(read('train-lora-flux/entrypoint.py'));
  });
});
