/**
 * How many join encodes run at once and how many threads each encoder gets. A join is short (a
 * dissolve and the frames to the next keyframe, a few dozen frames), so x264's frame threads
 * spend much of it filling and draining, and the process spends part of its life starting and
 * decoding on one thread: separate encodes keep cores busier than threads within one. One more
 * encode than cores covers those gaps; leftover cores go to each encode as threads.
 */
export function encodeSlots(jobs: number, cores: number): { parallel: number; threads: number } {
  const usable = Math.max(1, Math.floor(cores));
  const parallel = Math.max(1, Math.min(jobs, usable + 1));
  return { parallel, threads: Math.max(1, Math.floor(usable / parallel)) };
}

/**
 * How many processes share the joins: one more than cores, as for single joins. A process
 * encodes its share back to back into one x264 stream (see encodeJoins), so it starts, and its
 * encoder fills and drains, once; but it still reads, decodes, filters and encodes in turn on
 * about one core, and the spare process fills what that leaves idle.
 */
export function joinProcesses(joins: number, cores: number): number {
  return Math.max(1, Math.min(joins, Math.max(1, Math.floor(cores)) + 1));
}
