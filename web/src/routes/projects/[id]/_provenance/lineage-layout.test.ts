import type { LineageNode } from '@studio/node-schemas';
import { describe, expect, it } from 'vitest';
import { BOX, layoutLineage } from './lineage-layout';

const node = (path: string, inputs: string[] = []): LineageNode => ({
  path,
  kind: 'take',
  label: path,
  sha256: null,
  exists: true,
  pipeline: null,
  seed: null,
  asset: null,
  inputs: inputs.map((p, i) => ({ socket: `in${i}`, path: p })),
  truncated: false,
});

describe('layoutLineage', () => {
  it('puts the take at the right and each step back one column further left, with an arrow per input', () => {
    const { boxes, arrows, width } = layoutLineage([node('sr', ['shot']), node('shot', ['lora', 'image']), node('lora'), node('image')]);
    const x = Object.fromEntries(boxes.map((b) => [b.node.path, b.x]));
    const step = BOX.width + BOX.gapX;
    expect(x).toEqual({ sr: 2 * step, shot: step, lora: 0, image: 0 });
    expect(boxes.find((b) => b.node.path === 'image')!.y).toBeGreaterThan(boxes.find((b) => b.node.path === 'lora')!.y);
    expect(arrows.map((a) => `${a.from.node.path}>${a.to.node.path}`)).toEqual(['shot>sr', 'lora>shot', 'image>shot']);
    expect(width).toBe(3 * BOX.width + 2 * BOX.gapX);
  });

  it('draws a file used twice once, in its deepest column', () => {
    const { boxes, arrows } = layoutLineage([node('edit', ['shot', 'image']), node('shot', ['image']), node('image')]);
    expect(boxes.filter((b) => b.node.path === 'image')).toHaveLength(1);
    expect(boxes.find((b) => b.node.path === 'image')!.x).toBe(0);
    expect(arrows).toHaveLength(3);
  });
});
