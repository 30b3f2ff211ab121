export type MediaKind = 'image' | 'video' | 'audio';

const KIND_BY_EXTENSION: Record<string, MediaKind> = {
  png: 'image',
  jpg: 'image',
  jpeg: 'image',
  webp: 'image',
  mp4: 'video',
  webm: 'video',
  mov: 'video',
  wav: 'audio',
  mp3: 'audio',
  ogg: 'audio',
  flac: 'audio',
  m4a: 'audio',
};

function extensionOf(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(dot + 1).toLowerCase();
}

/** How a project-relative media path is shown, from its extension; null when unknown. */
export function mediaKindOf(path: string): MediaKind | null {
  return KIND_BY_EXTENSION[extensionOf(path)] ?? null;
}

/** The file name without folders or extension: "shots/SCENE_01/SHOT_010/take03.png" -> "take03". */
export function fileStem(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}
