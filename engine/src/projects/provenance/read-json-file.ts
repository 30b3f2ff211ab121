import { openProjectFile } from '../open-project-file.ts';

/** Sidecars and manifests are small: anything bigger is not one. */
const MAX_BYTES = 1024 * 1024;

/** A small JSON file of the project, parsed; null when absent, a link, too large or not JSON. */
export async function readProjectJson(projectDir: string, rel: string): Promise<unknown> {
  const file = await openProjectFile(projectDir, rel).catch(() => null);
  if (!file) return null;
  try {
    if (file.size > MAX_BYTES) return null;
    return JSON.parse((await file.handle.readFile()).toString('utf8')) as unknown;
  } catch {
    return null;
  } finally {
    await file.handle.close().catch(() => undefined);
  }
}
