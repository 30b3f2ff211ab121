import { compileSequence } from '../src/assembly/compile-sequence.ts';
import { writeEdl } from '../src/assembly/edl/index.ts';
import { median, reporter, round, type BenchResult } from './bench-result.ts';

/** A graph of `n` shots, every tenth dissolving into the next, all wired into one assembler. */
function cut(n: number) {
  const nodes = [
    {
      id: 'vse',
      type: 'vseAssembler',
      position: { x: 0, y: 0 },
      data: { title: 'Feature', fps: '24', dropFrame: false, recordStart: '01:00:00:00', lastExport: null },
    },
    ...Array.from({ length: n }, (_, i) => {
      const scene = `SCENE_${String(1 + Math.floor(i / 100)).padStart(2, '0')}`;
      const shot = `SHOT_${String(10 * (1 + (i % 100))).padStart(3, '0')}`;
      return {
        id: `s${i}`,
        type: 'shot',
        position: { x: i, y: 0 },
        data: {
          scene,
          shot,
          duration: 3 + (i % 5),
          activeTake: `03_Renders/${scene}/${shot}/${shot.replace('_', '-')}_v01_take01.mp4`,
          ...(i % 10 === 9 ? { transition: { type: 'dissolve', frames: 12 } } : {}),
        },
      };
    }),
  ];
  const edges = nodes.slice(1).map((node, i) => ({ id: `e${i}`, source: node.id, sourceHandle: 'output', target: 'vse', targetHandle: 'sequence' }));
  return { nodes, edges };
}

/** Compiling a 5,000-shot sequence from the graph to CMX3600 text (in 6 lists of at most 999 events). */
export async function benchAssembly(): Promise<BenchResult[]> {
  const graph = cut(5000);
  const times: number[] = [];
  let lists = 0;
  let events = 0;
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    const sequence = compileSequence({ graph: graph as never, assemblerId: 'vse' });
    lists = writeEdl({ ...sequence.settings, events: sequence.events }).length;
    events = sequence.events.length;
    times.push(performance.now() - t);
  }
  const r = reporter('assembly');
  r.measured('compile_5000_shot_sequence_to_edl', round(median(times.slice(2))), 'ms', { op: '<', value: 200 });
  // At most 999 events a list (CMX3600).
  r.measured('edl_files_for_5000_shots', lists, 'files', { op: '==', value: Math.ceil(events / 999) });
  return r.results;
}
