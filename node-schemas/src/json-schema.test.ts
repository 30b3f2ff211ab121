import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonSchemas } from './json-schema.ts';

describe('JSON Schema export', () => {
  it('is up to date with the zod schemas (run npm run schemas)', () => {
    for (const [name, schema] of Object.entries(jsonSchemas())) {
      const onDisk = JSON.parse(readFileSync(new URL(`../json-schema/${name}.schema.json`, import.meta.url), 'utf8'));
      expect(onDisk, `${name}.schema.json`).toEqual(schema);
    }
  });
  it('types node data by node type', () => {
    const graph = jsonSchemas().graph as { properties: { nodes: { items: { oneOf?: unknown[]; anyOf?: unknown[] } } } };
    const variants = graph.properties.nodes.items.oneOf ?? graph.properties.nodes.items.anyOf;
    expect(variants).toHaveLength(9);
  });
});
