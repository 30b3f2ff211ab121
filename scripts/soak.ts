// `npm run soak`: the hardening runs of issue 9 at full size. `npm test` runs the same test files
// with small counts (so CI runs each of them); this sets the counts the issue reports, runs them one
// file at a time, and prints the figures each one measured. Override any count from the environment.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FULL: Record<string, string> = {
  SOAK_WS_MESSAGES: '100000',
  SOAK_HTTP_REQUESTS: '20000',
  SOAK_KILLS: '50',
  RECOVERY_KILLS: '100',
  SOAK_TIMEOUT_MS: '7200000',
};
const FILES = [
  'engine/src/server/hostile-requests.test.ts',
  'engine/src/server/token-gate.test.ts',
  'engine/src/server/file-access.test.ts',
  'engine/src/server/fuzz.test.ts',
  'engine/src/jobs/recovery.test.ts',
  'engine/src/jobs/kill-runs.test.ts',
];
/** The lines in which the runs state their figures. */
const FIGURES = /^(fuzz \(seed|token gate:|file access:|placing under SIGKILL:|kill runs \(seed)/;

const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const env = { ...process.env, ...Object.fromEntries(Object.entries(FULL).map(([k, v]) => [k, process.env[k] ?? v])) };
const figures: string[] = [];
let failed = 0;
for (const file of FILES.filter((f) => !only.length || only.some((o) => f.includes(o)))) {
  const code = await new Promise<number>((resolve) => {
    const child = spawn('npx', ['vitest', 'run', '--hookTimeout=600000', file], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const raw of lines) {
        const line = raw.replace(/\x1b\[[0-9;]*m/g, '').trim();
        if (FIGURES.test(line)) figures.push(line);
      }
    });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) failed++;
}
console.log('\n=== soak figures ===');
for (const line of figures) console.log(line);
console.log(failed ? `${failed} run(s) FAILED` : 'every run passed');
process.exit(failed ? 1 : 0);
