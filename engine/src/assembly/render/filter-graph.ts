import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A stream in the graph and its exact length (frames for video, samples for audio). */
export interface Stream {
  label: string;
  length: number;
}

/** Collects ffmpeg inputs and filter chains, naming the links between them. */
export class FilterGraph {
  private readonly inputs: string[][] = [];
  private readonly chains: string[] = [];
  private next = 0;

  /** Adds `-i` arguments (with their input options) and returns the input's index. */
  input(args: string[]): number {
    this.inputs.push(args);
    return this.inputs.length - 1;
  }

  /** Adds `[ins]filters[out]` and returns the new label. */
  chain(ins: string[], filters: string, prefix = 's'): string {
    const out = `${prefix}${this.next++}`;
    this.chains.push(`${ins.map((i) => `[${i}]`).join('')}${filters}[${out}]`);
    return out;
  }

  /** Adds `[ins]filters[out0][out1]...` for a filter with `count` outputs and returns their labels. */
  split(ins: string[], filters: string, count: number, prefix = 's'): string[] {
    const outs = Array.from({ length: count }, () => `${prefix}${this.next++}`);
    this.chains.push(`${ins.map((i) => `[${i}]`).join('')}${filters}${outs.map((o) => `[${o}]`).join('')}`);
    return outs;
  }

  /** Inputs then the graph, written to a script file in `dir` (long lists outgrow a command line). */
  async args(dir: string, name: string): Promise<string[]> {
    const script = join(dir, `${name}.filtergraph`);
    await writeFile(script, this.chains.join(';\n'));
    return [...this.inputs.flat(), '-filter_complex_script', script];
  }
}

/** Joins streams in order: a cut concatenates, a dissolve of `join` overlaps the previous stream's end. */
export function joinStreams(args: {
  graph: FilterGraph;
  items: Array<Stream & { join: number }>;
  kind: 'video' | 'audio';
  crossfade: (left: Stream, right: Stream, join: number) => string;
}): Stream {
  const { graph, kind } = args;
  let run: Stream[] = [];
  const flush = (): Stream => {
    if (run.length === 1) return run[0]!;
    const label = graph.chain(
      run.map((s) => s.label),
      kind === 'video' ? `concat=n=${run.length}:v=1:a=0` : `concat=n=${run.length}:v=0:a=1`,
      kind === 'video' ? 'v' : 'a',
    );
    return { label, length: run.reduce((sum, s) => sum + s.length, 0) };
  };
  for (const item of args.items) {
    const stream = { label: item.label, length: item.length };
    if (item.join > 0 && run.length > 0) {
      const left = flush();
      run = [{ label: args.crossfade(left, stream, item.join), length: left.length + stream.length - item.join }];
    } else run.push(stream);
  }
  if (run.length === 0) throw new Error('nothing to join');
  return flush();
}
