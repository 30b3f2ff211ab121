import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { atomicWriteJson } from '../../projects/atomic-write.ts';
import { CACHE_DIR } from '../../projects/layout.ts';

/** Where a project remembers its renders by input signature: regenerable, so under 05_Cache (never committed). */
export const RENDER_CACHE_FILE = `${CACHE_DIR}/renders.json`;

export interface RenderInputs {
  edlText: string;
  width: number;
  height: number;
  backend: 'ffmpeg' | 'editly';
  draft: boolean;
}

export interface RememberedRender {
  output: string;
  taskId: string;
  at: string;
}

/**
 * The input signature of a render (the ComfyUI way): the list it cuts (which names every take, and
 * takes are immutable), the frame size, the renderer and whether it is a draft. Equal signatures
 * make the same movie.
 */
export function renderSignature(inputs: RenderInputs): string {
  const { edlText, width, height, backend, draft } = inputs;
  return createHash('sha256').update(JSON.stringify({ edlText, width, height, backend, draft })).digest('hex');
}

async function readCache(projectDir: string): Promise<Record<string, RememberedRender>> {
  try {
    const parsed = JSON.parse(await readFile(join(projectDir, RENDER_CACHE_FILE), 'utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, RememberedRender>) : {};
  } catch {
    // A missing or unreadable cache only means a render runs again.
    return {};
  }
}

/** The earlier render with this signature whose output is still there, or null. */
export async function reusableRender(projectDir: string, signature: string): Promise<RememberedRender | null> {
  const hit = (await readCache(projectDir))[signature];
  if (!hit || typeof hit.output !== 'string' || hit.output.includes('..')) return null;
  return existsSync(join(projectDir, hit.output)) ? hit : null;
}

/** Remembers a finished render under its signature (the newest one wins). */
export async function rememberRender(projectDir: string, signature: string, render: RememberedRender): Promise<void> {
  const cache = await readCache(projectDir);
  cache[signature] = render;
  const path = join(projectDir, RENDER_CACHE_FILE);
  await mkdir(dirname(path), { recursive: true });
  await atomicWriteJson(path, cache, { durable: false });
}
