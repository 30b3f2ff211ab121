import type { PlacedEvent } from './layout-edl.ts';

/**
 * Cuts the events (in record order) into lists of at most `max`, each starting where no event of
 * it dissolves from an event of the list before: a part that opened with a dissolve would name an
 * outgoing clip its reader never saw. Only a run of more than `max` chained dissolves is split
 * inside the run.
 */
export function splitParts(args: { placed: readonly PlacedEvent[]; max: number }): PlacedEvent[][] {
  const { placed, max } = args;
  if (placed.length === 0) return [[]];
  const position = new Map(placed.map((event, i) => [event, i]));
  // earliestFrom[i]: the first position any event at i or later dissolves from.
  const earliestFrom = new Array<number>(placed.length + 1).fill(Number.POSITIVE_INFINITY);
  for (let i = placed.length - 1; i >= 0; i -= 1) {
    const from = placed[i]!.dissolve?.from;
    earliestFrom[i] = Math.min(earliestFrom[i + 1]!, from ? position.get(from)! : Number.POSITIVE_INFINITY);
  }
  const parts: PlacedEvent[][] = [];
  let start = 0;
  while (start < placed.length) {
    let end = Math.min(start + max, placed.length);
    if (end < placed.length) {
      let split = end;
      while (split > start + 1 && earliestFrom[split]! < split) split -= 1;
      if (split > start + 1 || earliestFrom[split]! >= split) end = split;
    }
    parts.push(placed.slice(start, end));
    start = end;
  }
  return parts;
}
