// `npm run bench [-- suite ...]`: runs benchmark suites and prints one JSON object per line (DESIGN 11).
import { benchProjects } from '../engine/bench/projects.bench.ts';
import type { BenchResult } from '../engine/bench/bench-result.ts';

const suites: Record<string, () => Promise<BenchResult[]>> = {
  projects: benchProjects,
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
