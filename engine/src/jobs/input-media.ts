// What media wired into a pipeline input is (from its name), whether it fits the input, and where it came from.
import type { GraphNode, SocketType, SocketTypeSpec } from '@studio/node-schemas';
import { socketTypesOf } from '@studio/node-schemas';

/** What wired media is, from its extension (null when the name does not say). */
export function mediaKind(path: string): 'image' | 'video' | 'audio' | null {
  const ext = path.split('.').pop()?.toLowerCase() ?? '';
  if (/^(png|jpe?g|webp|gif|bmp|tiff?)$/.test(ext)) return 'image';
  if (/^(mp4|mov|webm|mkv|m4v|avi)$/.test(ext)) return 'video';
  if (/^(wav|mp3|flac|ogg|oga|opus|m4a|aac)$/.test(ext)) return 'audio';
  return null;
}

/** The media kinds each socket type carries (a ControlMap is a depth or edge video, or a still map). */
const KINDS_OF: Partial<Record<SocketType, ReadonlyArray<'image' | 'video' | 'audio'>>> = {
  Image: ['image'],
  Mask: ['image'],
  Video: ['video'],
  Audio: ['audio'],
  ControlMap: ['image', 'video'],
};

/** What an input takes when media of a kind cannot feed it (a video into an image input), else null. */
export function kindMismatch(kind: 'image' | 'video' | 'audio', type: SocketTypeSpec): string | null {
  const types = socketTypesOf(type);
  if (types.some((t) => !KINDS_OF[t])) return null;
  const takes = new Set(types.flatMap((t) => KINDS_OF[t]!));
  return takes.has(kind) ? null : [...takes].map((k) => (k === 'image' ? 'an image' : `a ${k}`)).join(' or ');
}

/** Where a Shot's input came from: a library image of an asset, media dropped on an Asset node, another node's take, or a source file. */
export function sourceKind(source: GraphNode): string {
  if (source.type === 'asset') return typeof source.data.assetId === 'string' && typeof source.data.image === 'string' ? 'asset-image' : 'asset-media';
  return source.data.activeTake ? 'take' : 'media';
}
