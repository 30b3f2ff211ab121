import { RENDERS_DIR } from '../layout.ts';

/** A take file (not its sidecar) anywhere under the render folder: SHOT-010_v01_take03.png. */
const TAKE_FILE = /_v\d+_take\d+\.([a-z0-9]+)$/i;
const PICTURE = /^(png|jpe?g|webp|mp4|mov|webm)$/i;

export function isTakeFile(path: string): boolean {
  const ext = TAKE_FILE.exec(path)?.[1];
  return path.startsWith(`${RENDERS_DIR}/`) && ext !== undefined && ext.toLowerCase() !== 'json';
}

/** An image or video take: what the dashboard shows as a project's picture. */
export function isPictureTake(path: string): boolean {
  const ext = TAKE_FILE.exec(path)?.[1];
  return path.startsWith(`${RENDERS_DIR}/`) && ext !== undefined && PICTURE.test(ext);
}
