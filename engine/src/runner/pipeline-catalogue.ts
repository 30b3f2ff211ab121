import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineManifest } from '@studio/node-schemas';
import { PipelineNotFoundError } from './errors.ts';

export interface InstalledPipeline {
  manifest: PipelineManifest;
  /** The pipeline's folder (its process entrypoint runs here). */
  dir: string;
}

/** The problems found while loading, so a broken manifest is reported instead of silently skipped. */
export interface CatalogueProblem {
  dir: string;
  message: string;
}

/** Pipelines installed in one or more folders (pipelines/ and, for tests, a folder of test doubles). */
export class PipelineCatalogue {
  readonly #pipelines = new Map<string, InstalledPipeline>();
  readonly problems: CatalogueProblem[] = [];

  constructor(readonly roots: readonly string[]) {
    for (const root of roots) this.#load(root);
  }

  #load(root: string): void {
    let entries: string[] = [];
    try {
      entries = readdirSync(root);
    } catch {
      return;
    }
    for (const name of entries.sort()) {
      const dir = join(root, name);
      const file = join(dir, 'pipeline.json');
      try {
        if (!statSync(file).isFile()) continue;
      } catch {
        continue;
      }
      try {
        const parsed = PipelineManifest.safeParse(JSON.parse(readFileSync(file, 'utf8')));
        if (!parsed.success) {
          this.problems.push({ dir, message: `${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}` });
          continue;
        }
        if (parsed.data.id !== name) {
          this.problems.push({ dir, message: `id '${parsed.data.id}' differs from its folder name` });
          continue;
        }
        this.#pipelines.set(parsed.data.id, { manifest: parsed.data, dir });
      } catch (error) {
        this.problems.push({ dir, message: (error as Error).message });
      }
    }
  }

  get(id: string): InstalledPipeline {
    const found = this.#pipelines.get(id);
    if (!found) throw new PipelineNotFoundError(`no pipeline '${id}' is installed`, { pipeline: id });
    return found;
  }

  has(id: string): boolean {
    return this.#pipelines.has(id);
  }

  all(): InstalledPipeline[] {
    return [...this.#pipelines.values()];
  }
}
