import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** `<STUDIO_HOME>/.studio`: the engine's private state (users, signing keys), readable by its owner only. */
export function studioDir(home: string): string {
  const dir = join(home, '.studio');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
