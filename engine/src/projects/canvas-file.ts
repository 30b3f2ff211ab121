import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CANVAS_FORMAT, CanvasFile, migrateCanvas, type Graph } from '@studio/node-schemas';
import { atomicWriteFile } from './atomic-write.ts';
import { CANVAS_PATH } from './layout.ts';
import { migrateFile } from './format-errors.ts';
import { CorruptProjectError } from './manifest-file.ts';

export async function readCanvas(projectDir: string): Promise<Graph> {
  const path = join(projectDir, CANVAS_PATH);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CorruptProjectError(`cannot read the canvas: ${(error as Error).message}`, { path });
  }
  // Older formats are upgraded here, on load; the file is written in the current one at its next change.
  const migrated = migrateFile(migrateCanvas, raw, path, (message, data) => new CorruptProjectError(message, data));
  const parsed = CanvasFile.safeParse(migrated);
  if (!parsed.success) throw new CorruptProjectError(`the canvas is invalid: ${parsed.error.issues[0]?.message}`, { path });
  const { format: _format, ...graph } = parsed.data;
  return graph;
}

/**
 * One node per line: small diffs in git for the usual edit (one node moved), and far cheaper to
 * write than fully indented JSON for large graphs.
 */
export function serializeCanvas(graph: Graph): string {
  const lines = ['{', `  "format": ${CANVAS_FORMAT},`, `  "version": ${graph.version ?? 1},`, '  "nodes": ['];
  graph.nodes.forEach((n, i) => lines.push(`    ${JSON.stringify(n)}${i < graph.nodes.length - 1 ? ',' : ''}`));
  lines.push('  ],', '  "edges": [');
  graph.edges.forEach((e, i) => lines.push(`    ${JSON.stringify(e)}${i < graph.edges.length - 1 ? ',' : ''}`));
  lines.push('  ]', '}', '');
  return lines.join('\n');
}

export async function writeCanvas(projectDir: string, graph: Graph): Promise<void> {
  await atomicWriteFile(join(projectDir, CANVAS_PATH), serializeCanvas(graph));
}
