import type { RunnerBackend } from '../runner/backend.ts';
import { chooseBackend, type BackendPreference } from '../runner/choose-backend.ts';
import type { PipelineCatalogue } from '../runner/pipeline-catalogue.ts';

/**
 * The pipelines this worker can start now (a backend here can run each: its image is built for
 * docker, or it runs on the host), and why not for the others. Workers put both in their
 * heartbeat; the dispatcher routes a job only to GPUs whose worker can start its pipeline.
 */
export class StartablePipelines {
  #ids = new Set<string>();
  #reasons: Record<string, string> = {};
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly catalogue: PipelineCatalogue,
    private readonly backends: readonly RunnerBackend[],
    private readonly preference: BackendPreference = 'auto',
    private readonly onChange?: () => void,
    /** How often it looks again (WORKER_PIPELINES_REFRESH_MS): an image built meanwhile shows up. */
    private readonly refreshMs = 15_000,
  ) {}

  async refresh(): Promise<void> {
    const ids = new Set<string>();
    const reasons: Record<string, string> = {};
    for (const pipeline of this.catalogue.all()) {
      try {
        await chooseBackend(pipeline, this.backends, this.preference);
        ids.add(pipeline.manifest.id);
      } catch (error) {
        reasons[pipeline.manifest.id] = (error as Error).message.slice(0, 300);
      }
    }
    const changed = ids.size !== this.#ids.size || [...ids].some((id) => !this.#ids.has(id));
    this.#ids = ids;
    this.#reasons = reasons;
    if (changed) this.onChange?.();
  }

  async start(): Promise<void> {
    await this.refresh();
    this.#timer = setInterval(() => void this.refresh().catch(() => undefined), this.refreshMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  get ids(): string[] {
    return [...this.#ids].sort();
  }

  get reasons(): Record<string, string> {
    return this.#reasons;
  }
}
