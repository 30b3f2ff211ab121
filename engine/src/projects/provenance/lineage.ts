import type { LineageNode, TakeSidecar } from '@studio/node-schemas';
import { parseProjectAssetImage, PROJECT_ASSETS_DIR, PROJECT_MODELS_DIR } from '../asset-paths.ts';
import { fileSha256 } from './file-sha256.ts';
import { inputKind } from './input-kind.ts';
import { readProjectJson } from './read-json-file.ts';
import { readTakeSidecar } from './read-sidecar.ts';
import { sidecarOf } from './take-path.ts';

/** How far back a lineage is followed, and how many files it may name: a take of a take of ... stays bounded. */
export const LINEAGE_MAX_DEPTH = 4;
export const LINEAGE_MAX_NODES = 40;

const fileName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const str = (value: unknown) => (typeof value === 'string' ? value : null);

/** The LoRA version a project copy names (01_Assets/AI_Models/<ASSET>_vNN.safetensors), from its version sidecar. */
async function loraAsset(projectDir: string, path: string): Promise<LineageNode['asset']> {
  const version = fileName(path).replace(/\.safetensors$/, '');
  const sidecar = (await readProjectJson(projectDir, `${PROJECT_MODELS_DIR}/${version}.json`)) as { asset?: { id?: unknown; name?: unknown } } | null;
  const id = str(sidecar?.asset?.id);
  return { id: id ?? version, name: str(sidecar?.asset?.name), version };
}

async function imageAsset(projectDir: string, path: string): Promise<LineageNode['asset']> {
  const parsed = parseProjectAssetImage(path)!;
  const manifest = (await readProjectJson(projectDir, `${PROJECT_ASSETS_DIR}/${parsed.assetId}/asset.json`)) as { name?: unknown } | null;
  return { id: parsed.assetId, name: str(manifest?.name), version: null };
}

function describe(node: Omit<LineageNode, 'label'>, takeName: (path: string) => string): string {
  if (node.kind === 'take') return takeName(node.path);
  if (node.kind === 'lora')
    return `${node.asset?.name ?? node.asset?.id ?? 'Asset'} ${node.asset?.version?.match(/_v\d+$/)?.[0]?.slice(1) ?? ''} (LoRA)`.replace('  ', ' ');
  if (node.kind === 'asset_image') return `${node.asset?.name ?? node.asset?.id ?? 'Asset'} image`;
  return fileName(node.path);
}

/**
 * A take and what it was made from, breadth first: each input linked to the take it came from
 * (followed through that take's own sidecar), the asset version or the imported file. Every file is
 * read through the project's no-link checks; a file named twice is one node.
 */
export async function buildLineage({
  projectDir,
  root,
  rootSidecar,
  takeName,
}: {
  projectDir: string;
  root: string;
  rootSidecar: TakeSidecar;
  takeName: (path: string) => string;
}): Promise<{ nodes: LineageNode[]; truncated: boolean }> {
  const nodes = new Map<string, LineageNode>();
  let truncated = false;
  let level: Array<{ path: string; sidecar: TakeSidecar | null }> = [{ path: root, sidecar: rootSidecar }];
  for (let depth = 0; level.length; depth++) {
    const next: typeof level = [];
    for (const { path, sidecar } of level) {
      const kind = inputKind(path);
      const sha256 = await fileSha256(projectDir, path);
      const asset = kind === 'lora' ? await loraAsset(projectDir, path) : kind === 'asset_image' ? await imageAsset(projectDir, path) : null;
      const inputs = Object.entries(sidecar?.inputs ?? {}).map(([socket, input]) => ({ socket, path: input }));
      const stop = inputs.length > 0 && (depth >= LINEAGE_MAX_DEPTH || nodes.size + next.length + inputs.length >= LINEAGE_MAX_NODES);
      truncated ||= stop;
      const node = {
        path,
        kind,
        sha256,
        exists: sha256 !== null,
        pipeline: sidecar?.pipeline ?? null,
        seed: sidecar?.seed ?? null,
        asset,
        inputs: stop ? [] : inputs,
        truncated: stop,
      };
      nodes.set(path, { ...node, label: describe(node, takeName) });
      if (stop) continue;
      for (const input of inputs) {
        if (nodes.has(input.path) || next.some((n) => n.path === input.path) || level.some((n) => n.path === input.path)) continue;
        next.push({
          path: input.path,
          sidecar: inputKind(input.path) === 'take' ? await readTakeSidecar(projectDir, sidecarOf(input.path)).catch(() => null) : null,
        });
      }
    }
    level = next;
  }
  return { nodes: [...nodes.values()], truncated };
}
