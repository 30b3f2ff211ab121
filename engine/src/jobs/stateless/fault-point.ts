import { appendFileSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Fault injection for tests only: a test double's hook, off by default. A test that starts the
 * engine or a worker with `STUDIO_FAULT_PAUSE=<point>` and `STUDIO_FAULT_MARKER=<file>` makes that
 * process stop at the named point: it appends the point's name to the marker file and waits there
 * for ever, so the test can SIGKILL it exactly in that window instead of hoping a timed kill lands
 * in it. Refused outside a vitest run: a process given the variable without VITEST=true does not
 * start (this module throws as it loads).
 */
export const FAULT_POINTS = {
  /** The engine has the worker's pushed output in the project's store; the take is not committed. */
  bringInBeforeCommit: 'bring-in:before-commit',
  /** The take is committed on main; the job's ref is not dropped yet. */
  bringInBeforeDropRef: 'bring-in:before-drop-ref',
  /** A worker's `git push` to its job's ref is running: its LFS object is uploaded, the ref not updated. */
  workerMidPush: 'worker:mid-push',
} as const;
export type FaultPoint = (typeof FAULT_POINTS)[keyof typeof FAULT_POINTS];

export class FaultInjectionRefusedError extends Error {}

/** The point this process is armed to stop at, or null (the default); throws when arming is refused. */
export function armedFaultPoint(env: NodeJS.ProcessEnv): { point: FaultPoint; marker: string } | null {
  const point = env.STUDIO_FAULT_PAUSE;
  if (!point) return null;
  if (env.VITEST !== 'true')
    throw new FaultInjectionRefusedError(`STUDIO_FAULT_PAUSE is a test-only fault injection hook and is refused outside tests: unset it (it is '${point}')`);
  const known = Object.values(FAULT_POINTS) as string[];
  if (!known.includes(point)) throw new FaultInjectionRefusedError(`STUDIO_FAULT_PAUSE names no fault point: '${point}' (known: ${known.join(', ')})`);
  if (!env.STUDIO_FAULT_MARKER)
    throw new FaultInjectionRefusedError('STUDIO_FAULT_PAUSE needs STUDIO_FAULT_MARKER, the file that tells the test the point was reached');
  return { point: point as FaultPoint, marker: env.STUDIO_FAULT_MARKER };
}

const armed = armedFaultPoint(process.env);

/** Stops here for ever when this process is armed for `point`; otherwise returns at once. */
export async function faultPoint(point: FaultPoint): Promise<void> {
  if (armed?.point !== point) return;
  appendFileSync(armed.marker, `${point} ${process.pid}\n`);
  await new Promise<never>(() => undefined);
}

/**
 * For the mid-push point, which is inside `git push`: the `-c` options that give the push a
 * pre-push hook that tells the test and then never returns, so the push is held after the output's
 * LFS object was sent and before the ref is updated. None when not armed for it.
 */
export async function midPushHookConfig(dir: string): Promise<string[]> {
  if (armed?.point !== FAULT_POINTS.workerMidPush) return [];
  const hooks = join(dir, 'fault-hooks');
  await mkdir(hooks, { recursive: true });
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  await writeFile(
    join(hooks, 'pre-push'),
    `#!/bin/sh\necho ${quote(`${FAULT_POINTS.workerMidPush} ${process.pid}`)} >> ${quote(armed.marker)}\nwhile :; do sleep 1; done\n`,
  );
  await chmod(join(hooks, 'pre-push'), 0o755);
  return ['-c', `core.hooksPath=${hooks}`];
}
