import { readdir, readFile } from 'node:fs/promises';
import { EDL_FIXTURE_DIR, missingEdlFixtures } from './fixture-corpus.ts';
import { readEdl } from './read-edl.ts';
import { writeEdl, type WriteEdlEvent } from './write-edl.ts';

export interface EdlBenchResult {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  target: string;
  /** The target as data: `npm run bench` compares the value with it. */
  goal?: { op: '<' | '<=' | '>' | '>=' | '=='; value: number };
}

export const FIXTURE_DIR = EDL_FIXTURE_DIR;

/** A sequence like an assembled film: picture with a dissolve every tenth shot, plus music. */
export function benchSequence(args: { events: number }): WriteEdlEvent[] {
  return Array.from({ length: args.events }, (_, i): WriteEdlEvent => {
    if (i % 50 === 49) return { clipName: `Music cue ${i}`, sourceFile: `audio/cue_${i}.wav`, channels: 'A', sourceIn: 0, sourceOut: 2400 };
    const shot = `SC${String(1 + Math.floor(i / 40)).padStart(3, '0')}_SHOT${String((i % 40) * 10 + 10).padStart(4, '0')}`;
    return {
      clipName: shot,
      sourceFile: `shots/${shot}/take_${i % 3}.mp4`,
      channels: 'V',
      sourceIn: i % 7,
      sourceOut: 48 + (i % 7) + (i % 90),
      ...(i % 10 === 5 ? { transition: { type: 'dissolve' as const, frames: 12 } } : {}),
    };
  });
}

/** `npm run bench` suite: writing a 5,000-event sequence, reading every fixture list. */
export async function benchEdl(): Promise<EdlBenchResult[]> {
  const events = benchSequence({ events: 5000 });
  const write = () => writeEdl({ title: 'BENCH 5000', rate: '23.976', dropFrame: false, events });
  write();
  const writes: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const start = performance.now();
    write();
    writes.push(performance.now() - start);
  }

  const missing = missingEdlFixtures();
  if (missing) throw new Error(`edl bench: ${missing}`);
  const names = (await readdir(FIXTURE_DIR)).filter((name) => name !== 'SOURCES.md').sort();
  const files = await Promise.all(names.map((name) => readFile(new URL(name, FIXTURE_DIR))));
  const readAll = () => files.forEach((bytes) => readEdl({ bytes }));
  readAll();
  const reads: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const start = performance.now();
    readAll();
    reads.push(performance.now() - start);
  }

  return [
    { bench: 'edl', metric: 'write_5000_events_ms', value: round(median(writes)), unit: 'ms', target: '< 200 ms', goal: { op: '<', value: 200 } },
    {
      bench: 'edl',
      metric: `read_${files.length}_fixtures_total_ms`,
      value: round(median(reads)),
      unit: 'ms',
      target: '< 500 ms',
      goal: { op: '<', value: 500 },
    },
  ];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
