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
