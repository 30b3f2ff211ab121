import { validateGraph, type Graph } from '@studio/node-schemas';
import { InvalidGraphError, InvalidRequestError, StaleVersionError } from '../errors.ts';
import { writeCanvas } from './canvas-file.ts';
import { commitTracked } from './git.ts';
import type { GitQueue } from './git-queue.ts';
import { CANVAS_PATH, MANIFEST_FILE } from './layout.ts';
import { readManifest, writeManifest } from './manifest-file.ts';
import { existingProjectPath, type Workspace } from './workspace.ts';

function plural(n: number, word: string) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Validates a whole graph and, when `version` is the project's current version, writes it and
 * commits. The check and the write run in the project's serial queue, so of concurrent saves
 * with the same version exactly one wins.
 */
export async function saveGraph({
  workspace,
  queue,
  id,
  graph,
  version,
  message,
}: {
  workspace: Workspace;
  queue: GitQueue;
  id: string;
  graph: unknown;
  version: unknown;
  message?: string;
}): Promise<{ version: number; graph: Graph }> {
  if (!Number.isInteger(version) || (version as number) < 1)
    throw new InvalidRequestError('version must be a positive integer', { field: 'version' });
  const checked = validateGraph(graph);
  if (!checked.ok) throw new InvalidGraphError(checked.issues[0]!.message, { issues: checked.issues });
  const dir = await existingProjectPath(workspace, id);
  return queue.run(id, async () => {
    const manifest = await readManifest(dir);
    if (manifest.version !== version) throw new StaleVersionError(version as number, manifest.version);
    const next = manifest.version + 1;
    const saved: Graph = { ...checked.graph, version: next };
    await writeCanvas(dir, saved);
    await writeManifest(dir, { ...manifest, version: next });
    await commitTracked(
      dir,
      message ?? `Save canvas: ${plural(saved.nodes.length, 'node')}, ${plural(saved.edges.length, 'edge')} (version ${next})`,
      [CANVAS_PATH, MANIFEST_FILE],
    );
    return { version: next, graph: saved };
  });
}
