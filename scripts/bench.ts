// `npm run bench [-- suite ...]` (the web app must be built: `npm start` or `npm test` builds it): runs benchmark suites and prints one JSON object per line (DESIGN 11).
import { benchProjects } from '../engine/bench/projects.bench.ts';
import { benchSync } from '../engine/bench/sync.bench.ts';
import { benchGeneration } from '../engine/bench/generation.bench.ts';
import { benchAssembly } from '../engine/bench/assembly.bench.ts';
import { benchDispatch } from '../engine/bench/dispatch.bench.ts';
import { benchRender } from '../engine/bench/render.bench.ts';
import { benchEdl } from '../engine/src/assembly/edl/bench-edl.ts';
import { benchCanvas } from '../web/bench/canvas.bench.ts';
import type { BenchResult } from '../engine/bench/bench-result.ts';

const suites: Record<string, () => Promise<BenchResult[]>> = {
  projects: benchProjects,
  sync: benchSync,
  generation: benchGeneration,
  edl: benchEdl,
  assembly: benchAssembly,
  dispatch: benchDispatch,
  render: benchRender,
  canvas: benchCanvas,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !(w in suites));
if (unknown.length) {
  console.error(`unknown bench suite(s): ${unknown.join(', ')}; known: ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}
for (const name of wanted.length ? wanted : Object.keys(suites)) {
  for (const result of await suites[name]!()) console.log(JSON.stringify(result));
}
