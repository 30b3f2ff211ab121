import { ProjectRelativePath } from '@studio/node-schemas';
import { RENDERS_DIR } from '../layout.ts';

const TAKE_FILE = /_v(\d+)_take(\d+)\.([a-z0-9]+)$/;

/** A take's file path (`03_Renders/.../SHOT-010_v01_take03.png`), checked: relative, inside the render folder, a take's name. */
export function isTakePath(path: string): boolean {
  if (!ProjectRelativePath.safeParse(path).success || !path.startsWith(`${RENDERS_DIR}/`)) return false;
  const match = TAKE_FILE.exec(path);
  return match !== null && match[3] !== 'json';
}

/** The sidecar beside a take: the same name with `.json`. */
export function sidecarOf(takePath: string): string {
  return takePath.replace(/\.[a-z0-9]+$/, '.json');
}

/** Version and take number from a take's name. */
export function takeNumbers(takePath: string): { version: number; take: number } | null {
  const match = TAKE_FILE.exec(takePath);
  return match ? { version: Number(match[1]), take: Number(match[2]) } : null;
}
