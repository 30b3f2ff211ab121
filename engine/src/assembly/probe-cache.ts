import { stat } from 'node:fs/promises';
import type { TakeMedia } from '@studio/node-schemas';
import { probeTake } from './probe-media.ts';

// Takes are immutable: a path probed once keeps its answer while its size and mtime hold.
const known = new Map<string, { size: number; mtimeMs: number; media: TakeMedia | null }>();
const MAX_KNOWN = 20_000;
const AT_ONCE = 4;

/**
 * Probes takes (ffprobe) a few at a time, remembering each answer, so checking a long cut on
 * every canvas change costs a stat per take. Absent files give no entry.
 */
export async function probeTakes(paths: readonly string[]): Promise<Map<string, TakeMedia>> {
  const out = new Map<string, TakeMedia>();
  const queue = [...new Set(paths)];
  const work = async () => {
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) continue;
      let entry = known.get(path);
      if (!entry || entry.size !== info.size || entry.mtimeMs !== info.mtimeMs) {
        entry = { size: info.size, mtimeMs: info.mtimeMs, media: await probeTake(path) };
        if (known.size >= MAX_KNOWN) known.delete(known.keys().next().value!);
        known.set(path, entry);
      }
      if (entry.media) out.set(path, entry.media);
    }
  };
  await Promise.all(Array.from({ length: AT_ONCE }, work));
  return out;
}
