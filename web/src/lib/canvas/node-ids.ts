import type { GraphDoc } from '@studio/node-schemas';

export function newElementId(prefix: string): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return `${prefix}-${Array.from(bytes, (b) => b.toString(36).padStart(2, '0'))
    .join('')
    .slice(0, 9)}`;
}

/** The next shot name after the highest in the scene, in steps of 10 (SHOT_010, SHOT_020, ...). */
export function nextShotName(doc: GraphDoc, scene: string): string {
  let max = 0;
  for (const n of doc.nodes.values()) {
    if (n.type !== 'shot' || n.data.scene !== scene) continue;
    const num = Number(String(n.data.shot).slice(5));
    if (num > max) max = num;
  }
  return `SHOT_${String(Math.floor(max / 10) * 10 + 10).padStart(3, '0')}`;
}

/** The lowest SCENE_NN that no scene group and no shot uses yet. */
export function nextSceneName(doc: GraphDoc): string {
  const taken = new Set<number>();
  for (const n of doc.nodes.values()) {
    if (n.type !== 'sceneGroup' && n.type !== 'shot') continue;
    const m = /^SCENE_(\d+)$/.exec(String(n.data.scene ?? ''));
    if (m) taken.add(Number(m[1]));
  }
  let next = 1;
  while (taken.has(next)) next++;
  return `SCENE_${String(next).padStart(2, '0')}`;
}

/** Whether another shot of the scene already has this shot name. */
export function shotNameTaken(doc: GraphDoc, scene: string, shot: string, exceptId: string): boolean {
  for (const n of doc.nodes.values()) if (n.id !== exceptId && n.type === 'shot' && n.data.scene === scene && n.data.shot === shot) return true;
  return false;
}
