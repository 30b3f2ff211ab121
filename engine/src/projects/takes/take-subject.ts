import type { Graph, GraphNode } from '@studio/node-schemas';
import { RENDERS_DIR } from '../layout.ts';

/** Whose takes a node makes: the folder they live in and the name their files start with. */
export interface TakeSubject {
  /** Project-relative folder, e.g. 03_Renders/SCENE_01/SHOT_010. */
  folder: string;
  /** File-name stem, e.g. SHOT-010 or SHOT-010_SR. */
  name: string;
}

const SUFFIX: Record<string, string> = { audio: 'AUDIO', superResolution: 'SR', videoRestoration: 'VR', motionSource: 'MOTION' };
const safeId = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);

/** The shot upstream of a post-processing node (following its input edges), if any. */
function upstreamShot(graph: Graph, node: GraphNode, depth = 0): GraphNode | null {
  if (node.type === 'shot') return node;
  if (depth > 16) return null;
  for (const edge of graph.edges) {
    if (edge.target !== node.id) continue;
    const source = graph.nodes.find((n) => n.id === edge.source);
    const shot = source ? upstreamShot(graph, source, depth + 1) : null;
    if (shot) return shot;
  }
  return null;
}

/**
 * docs/project-layout.md#takes: a shot's takes are 03_Renders/SCENE_01/SHOT_010/SHOT-010_v01_take03.<ext>. Dialogue
 * and post-processing of a shot live beside it with a suffix (SHOT-010_AUDIO, SHOT-010_SR); an
 * audio or post node tied to no shot gets its own folder, its takes named after its label
 * (AUDIO-NARRATOR_v01_take01.wav; AUDIO_v01_take01.wav without one), never after its id.
 */
export function takeSubject(graph: Graph, node: GraphNode): TakeSubject {
  if (node.type === 'shot') {
    const scene = String(node.data.scene);
    const shot = String(node.data.shot);
    return { folder: `${RENDERS_DIR}/${scene}/${shot}`, name: shot.replace('_', '-') };
  }
  const suffix = SUFFIX[node.type] ?? node.type.toUpperCase();
  const anchor =
    node.type === 'audio' && node.data.scene && node.data.shot
      ? { scene: String(node.data.scene), shot: String(node.data.shot) }
      : (() => {
          const shot = node.type === 'audio' ? null : upstreamShot(graph, node);
          return shot ? { scene: String(shot.data.scene), shot: String(shot.data.shot) } : null;
        })();
  if (anchor) return { folder: `${RENDERS_DIR}/${anchor.scene}/${anchor.shot}`, name: `${anchor.shot.replace('_', '-')}_${suffix}` };
  const folder = `${RENDERS_DIR}/${suffix}/${safeId(node.id)}`;
  // An audio node tied to no shot: a folder of its own (by id, which never changes), files named after its label.
  if (node.type === 'audio') {
    const label = labelSlug(node.data.label);
    return { folder, name: label ? `${suffix}-${label}` : suffix };
  }
  return { folder, name: `${suffix}-${safeId(node.id)}` };
}

/** A label as a file-name part: `Narrator (old man)` -> `NARRATOR_OLD_MAN`; '' when it has no letters or digits. */
function labelSlug(label: unknown): string {
  if (typeof label !== 'string') return '';
  return label
    .normalize('NFKD')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 32)
    .replace(/_+$/, '');
}

/**
 * Whether a subject's folder belongs to one node alone (a node tied to no shot: 03_Renders/AUDIO/<id>):
 * then every take file in it is that node's, whatever name it was given (before a rename, or by an
 * older studio that named them after the node's id).
 */
export function ownsFolder(subject: TakeSubject): boolean {
  const [root, first] = subject.folder.split('/');
  return root === RENDERS_DIR && first !== undefined && !/^SCENE_\d+$/.test(first);
}

/** A take file of a subject: its own name, or in a folder of its own any take's name. */
export function parseSubjectTake(subject: TakeSubject, file: string): { version: number; take: number; ext: string } | null {
  if (!ownsFolder(subject)) return parseTakeFileName(subject.name, file);
  const match = /^[A-Za-z0-9_-]+?_v(\d+)_take(\d+)\.([a-z0-9]+)$/.exec(file);
  if (!match || match[3] === 'json') return null;
  return { version: Number(match[1]), take: Number(match[2]), ext: match[3]! };
}

const pad = (n: number) => String(n).padStart(2, '0');

export function takeFileName(subject: string, version: number, take: number, ext: string): string {
  return `${subject}_v${pad(version)}_take${pad(take)}.${ext}`;
}

/** Parses `SHOT-010_v01_take03.png` for a subject; null for other files (sidecars, other subjects). */
export function parseTakeFileName(subject: string, file: string): { version: number; take: number; ext: string } | null {
  if (!file.startsWith(`${subject}_v`)) return null;
  const match = /^_v(\d+)_take(\d+)\.([a-z0-9]+)$/.exec(file.slice(subject.length));
  if (!match || match[3] === 'json') return null;
  return { version: Number(match[1]), take: Number(match[2]), ext: match[3]! };
}
