// `npm run bench [-- suite ...]` (the web app must be built: `npm start` or `npm test` builds it): runs benchmark suites and prints one JSON object per line (docs/architecture.md#tests-and-benchmarks).
import { benchProjects } from '../engine/bench/projects.bench.ts';
import { benchSync } from '../engine/bench/sync.bench.ts';
import { benchGeneration } from '../engine/bench/generation.bench.ts';
import { benchAssembly } from '../engine/bench/assembly.bench.ts';
import { benchDispatch } from '../engine/bench/dispatch.bench.ts';
import { benchRender } from '../engine/bench/render.bench.ts';
import { benchEdl } from '../engine/src/assembly/edl/bench-edl.ts';
import { benchCanvas } from '../web/bench/canvas.bench.ts';
import { benchScale } from '../engine/bench/scale.bench.ts';
import { benchAssets } from '../engine/bench/assets.bench.ts';
import { benchGovernance } from '../engine/bench/governance.bench.ts';
import { benchLfs } from '../engine/bench/lfs.bench.ts';
import { benchStateless } from '../engine/bench/stateless.bench.ts';
import { benchTimeline } from '../web/bench/timeline.bench.ts';
import { benchAuth } from '../engine/bench/auth.bench.ts';
import { benchReview } from '../engine/bench/review.bench.ts';
import { benchLedger } from '../engine/bench/ledger.bench.ts';
import { checked, type BenchResult } from '../engine/bench/bench-result.ts';

const suites: Record<string, () => Promise<BenchResult[]>> = {
  projects: benchProjects,
  sync: benchSync,
  generation: benchGeneration,
  edl: benchEdl,
  assembly: benchAssembly,
  dispatch: benchDispatch,
  render: benchRender,
  canvas: benchCanvas,
  // Workspace scale, then LFS through the batch API and stateless jobs (issue 14).
  scale: async () => [...(await benchScale()), ...(await benchLfs()), ...(await benchStateless())],
  assets: benchAssets,
  governance: benchGovernance,
  timeline: benchTimeline,
  auth: benchAuth,
  review: benchReview,
  ledger: benchLedger,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !(w in suites));
if (unknown.length) {
  console.error(`unknown bench suite(s): ${unknown.join(', ')}; known: ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}
// Each line says whether its value met its target (compared here, from the target as data) or why it has no value.
const tally = { met: 0, missed: [] as string[], unmeasured: [] as string[], unchecked: 0 };
for (const name of wanted.length ? wanted : Object.keys(suites)) {
  for (const raw of await suites[name]!()) {
    const result = checked(raw);
    console.log(JSON.stringify(result));
    if (result.value === null) tally.unmeasured.push(`${result.bench}/${result.metric}: ${result.unmeasured}`);
    else if (result.met === true) tally.met++;
    else if (result.met === false) tally.missed.push(`${result.bench}/${result.metric}: ${result.value} ${result.unit}, target ${result.target}`);
    else tally.unchecked++;
  }
}
console.error(
  `bench: ${tally.met} met their target, ${tally.missed.length} missed, ${tally.unmeasured.length} not measured, ${tally.unchecked} without a target`,
);
for (const line of tally.missed) console.error(`  missed: ${line}`);
for (const line of tally.unmeasured) console.error(`  not measured: ${line}`);
