import { takeLabel, TakeProvenance } from '@studio/node-schemas';
import { fileSha256 } from './file-sha256.ts';
import { inputKind } from './input-kind.ts';
import { buildLineage, LINEAGE_MAX_DEPTH } from './lineage.ts';
import { ProvenanceNotFoundError } from './provenance-errors.ts';
import { readTakeSidecar } from './read-sidecar.ts';
import { takeCost } from './take-cost.ts';
import { sidecarOf, takeNumbers } from './take-path.ts';

/**
 * A take's provenance (docs/governance.md#provenance): its sidecar shaped for reading, each input
 * with its content hash, the lineage a few levels back, and the ledger's cost of its task.
 * `takePath` must already be a checked take path (isTakePath).
 */
export async function readProvenance({
  projectDir,
  takePath,
  nodeName = () => null,
}: {
  projectDir: string;
  takePath: string;
  /** The label of the node a take's sidecar names, for takes tied to no shot. */
  nodeName?: (nodeId: string) => string | null;
}): Promise<TakeProvenance> {
  const sidecarPath = sidecarOf(takePath);
  const sidecar = await readTakeSidecar(projectDir, sidecarPath);
  if (!sidecar) throw new ProvenanceNotFoundError(`${takePath} has no provenance sidecar (${sidecarPath})`, { take: takePath, sidecar: sidecarPath });
  const names = new Map<string, string>();
  const takeName = (path: string) => names.get(path) ?? takeLabel(path);
  names.set(takePath, takeLabel(takePath, sidecar.node_id ? nodeName(sidecar.node_id) : null));
  const numbers = takeNumbers(takePath);
  const inputs = await Promise.all(
    Object.entries(sidecar.inputs ?? {}).map(async ([socket, path]) => ({
      socket,
      path,
      // Recorded when the take was made; older sidecars are hashed now (right while the input is unchanged).
      sha256: sidecar.input_sha256?.[socket] ?? (await fileSha256(projectDir, path)),
      kind: inputKind(path),
    })),
  );
  const lineage = await buildLineage({ projectDir, root: takePath, rootSidecar: sidecar, takeName });
  return TakeProvenance.parse({
    take: takePath,
    sidecar: sidecarPath,
    label: takeName(takePath),
    version: sidecar.version ?? numbers?.version ?? null,
    number: sidecar.number ?? numbers?.take ?? null,
    task_id: sidecar.task_id ?? null,
    node_id: sidecar.node_id ?? null,
    pipeline: sidecar.pipeline ?? null,
    task_type: sidecar.task_type ?? null,
    image_digest: sidecar.image_digest ?? null,
    backend: sidecar.backend ?? null,
    quality: sidecar.quality ?? null,
    fallback_from: sidecar.fallback_from ?? null,
    prompt: sidecar.prompt ?? null,
    negative_prompt: sidecar.negative_prompt ?? null,
    params: sidecar.params ?? {},
    seed: sidecar.seed ?? null,
    size: sidecar.size ?? null,
    inputs,
    worker: sidecar.worker ?? null,
    timings: sidecar.timings ?? null,
    cost: await takeCost(projectDir, sidecar.task_id ?? null),
    lineage: { nodes: lineage.nodes, max_depth: LINEAGE_MAX_DEPTH, truncated: lineage.truncated },
  });
}
