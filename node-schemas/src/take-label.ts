const TAKE_FILE = /_v(\d+)_take(\d+)\.[a-z0-9]+$/;

/** Version and take number from a take's file name (`SHOT-010_v01_take03.png`), or null. */
export function takeNumbers(takePath: string): { version: number; take: number } | null {
  const match = TAKE_FILE.exec(takePath);
  return match ? { version: Number(match[1]), take: Number(match[2]) } : null;
}

const pad = (n: number) => String(n).padStart(2, '0');
const KINDS: Record<string, string> = { AUDIO: 'Audio', SR: 'Super resolution', VR: 'Restoration', MOTION: 'Motion' };

/**
 * What a person calls a take: `SCENE_01 · SHOT_010 · v01 · take 03`, `SCENE_01 · SHOT_010 SR · v01 · take 01`;
 * a take of a node tied to no shot is named after the node (`Narrator · v01 · take 02`), never by its id.
 */
export function takeLabel(takePath: string, nodeName?: string | null): string {
  const numbers = takeNumbers(takePath);
  const tail = numbers ? ` · v${pad(numbers.version)} · take ${pad(numbers.take)}` : '';
  const parts = takePath.split('/');
  const [, scene, shot] = parts;
  if (parts.length === 4 && /^SCENE_\d+$/.test(scene!) && /^SHOT_\d+$/.test(shot!)) {
    const stem = parts[3]!.replace(/_v\d+_take\d+\.[a-z0-9]+$/, '');
    const suffix = stem.slice(shot!.length).replace(/^_/, '');
    return `${scene} · ${shot}${suffix ? ` ${KINDS[suffix.split('-')[0]!] ?? suffix}` : ''}${tail}`;
  }
  const kind = KINDS[scene ?? ''] ?? scene ?? 'Take';
  return `${nodeName?.trim() || kind}${tail}`;
}
