import { availableParallelism } from 'node:os';

/** Maps items with at most `limit` calls running at once (sharp and ffmpeg work on every core they get). */
export async function inParallel<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => Promise<R>,
  limit = Math.max(2, availableParallelism()),
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
