import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { InstalledPipeline } from './pipeline-catalogue.ts';

export type PipelineChild = ChildProcessByStdio<Writable, Readable, Readable>;

/** What stderr a spare printed while it waited (import warnings) is kept, no more. */
const WAITING_STDERR_KEEP = 8192;

/** Every waiting spare of this process, so none outlives it: the exit hook kills them (stdin's EOF would too, after their imports). */
const live = new Set<PipelineChild>();
let exitHooked = false;

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const child of live) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

const handles = (child: PipelineChild) => [child, child.stdin, child.stdout, child.stderr] as Array<{ ref(): void; unref(): void }>;

export interface WarmSparesOptions {
  /** pipelines/_lib, where warm_start.py is. */
  lib: string;
  /** The environment every pipeline process gets (the job's own part comes with the job). */
  env: () => Record<string, string>;
  /** Spares kept at once, the least recently used dropped first. Default 2: each one holds its imports' memory (torch: ~240 MB). */
  max?: number;
}

/**
 * Spare interpreters for process-backend pipelines whose manifest names `processPreload`: each has
 * imported those modules (torch's import is ~1 s on 2 cores) and waits on stdin for one job
 * (pipelines/_lib/warm_start.py). A job takes its pipeline's spare, if one is ready, instead of
 * starting Python cold; a new spare is made after a job ends, never beside a running one.
 */
export class WarmSpares {
  readonly #spares = new Map<string, { child: PipelineChild; stderr: () => string }>();
  readonly #max: number;

  constructor(private readonly options: WarmSparesOptions) {
    this.#max = Math.max(1, options.max ?? 2);
  }

  static wants(pipeline: InstalledPipeline): boolean {
    return Boolean(pipeline.manifest.processPreload?.length && pipeline.manifest.processCommand);
  }

  /** Starts a spare for this pipeline unless one is there; a pipeline without processPreload gets none. */
  fill(pipeline: InstalledPipeline): void {
    if (!WarmSpares.wants(pipeline)) return;
    const key = keyOf(pipeline);
    const held = this.#spares.get(key);
    if (held && running(held.child)) {
      this.#spares.delete(key);
      this.#spares.set(key, held);
      return;
    }
    const [python] = pipeline.manifest.processCommand!;
    const child = spawn(python!, [join(this.options.lib, 'warm_start.py'), ...pipeline.manifest.processPreload!], {
      cwd: pipeline.dir,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: this.options.env(),
    });
    let stderr = '';
    const keepStderr = (d: Buffer) => (stderr = (stderr + d).slice(-WAITING_STDERR_KEEP));
    child.stderr.on('data', keepStderr);
    // A spare that could not start (no python3, a missing module) is simply not there: the job runs cold.
    child.on('error', () => undefined);
    child.stdin.on('error', () => undefined);
    // 'close', not 'exit': a spawn that fails emits 'error' and 'close' but never 'exit'.
    child.once('close', () => {
      live.delete(child);
      if (this.#spares.get(key)?.child === child) this.#spares.delete(key);
    });
    for (const h of handles(child)) h.unref();
    hookExit();
    live.add(child);
    this.#spares.set(key, {
      child,
      stderr: () => {
        child.stderr.off('data', keepStderr);
        return stderr;
      },
    });
    while (this.#spares.size > this.#max) {
      const [oldest, spare] = this.#spares.entries().next().value!;
      this.#spares.delete(oldest);
      try {
        process.kill(-spare.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /**
   * This pipeline's spare, given its job (argv and the job's own environment), or null when none is
   * ready. The caller owns the child from here as if it had spawned it; `stderr` is what it printed so far.
   */
  take(pipeline: InstalledPipeline, argv: string[], env: Record<string, string>): { child: PipelineChild; stderr: string } | null {
    const key = keyOf(pipeline);
    const held = this.#spares.get(key);
    if (!held) return null;
    this.#spares.delete(key);
    if (!running(held.child)) return null;
    // From here it is a job like any other: the exit hook is for waiting spares only.
    live.delete(held.child);
    for (const h of handles(held.child)) h.ref();
    held.child.stdin.end(`${JSON.stringify({ argv, env })}\n`);
    return { child: held.child, stderr: held.stderr() };
  }

  /** The pid of this pipeline's spare, if one is waiting (tests). */
  pid(pipeline: InstalledPipeline): number | null {
    const held = this.#spares.get(keyOf(pipeline));
    return held && running(held.child) ? held.child.pid! : null;
  }
}

const keyOf = ({ manifest, dir }: InstalledPipeline) => `${manifest.id}\u0000${dir}`;
const running = (child: PipelineChild) => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
