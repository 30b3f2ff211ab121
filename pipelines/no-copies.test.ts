// Every pipeline image is built with pipelines/ as its context and gets pipelines/_lib/ (the job
// helpers, DraftNet, the GPU LoRA trainer) on its PYTHONPATH; the process backend puts the same
// folder on the host's. So no pipeline carries a copy of any of it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const LIB = join(here, '_lib');
const pipelines = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('_'))
  .map((d) => d.name);
const shared = readdirSync(LIB).filter((f) => f.endsWith('.py'));
/** The top-level functions and classes of a Python file. */
const definitions = (text: string) => [...text.matchAll(/^(?:def|class) (\w+)/gm)].map((m) => m[1]!);
const sharedNames = new Set(shared.flatMap((f) => definitions(readFileSync(join(LIB, f), 'utf8'))));

describe('one copy of the pipeline helpers (pipelines/_lib)', () => {
  it('finds the pipelines and the shared modules', () => {
    expect(pipelines.length).toBeGreaterThan(20);
    expect(shared.sort()).toEqual(['contract.py', 'draftnet.py', 'gpu_lora_trainer.py', 'studio_job.py', 'warm_start.py']);
  });

  it.each(pipelines)('%s carries no copy of a shared module', (id) => {
    const files = readdirSync(join(here, id));
    expect(files.filter((f) => shared.includes(f))).toEqual([]);
  });

  it.each(pipelines)('%s defines none of the shared functions itself', (id) => {
    const own = definitions(readFileSync(join(here, id, 'entrypoint.py'), 'utf8'));
    // main() and the like are each pipeline's own; the helpers are not.
    const copied = own.filter((name) => sharedNames.has(name) && name !== 'main');
    expect(copied).toEqual([]);
  });

  it.each(pipelines)('%s: its Dockerfile copies _lib/ onto PYTHONPATH and its own entrypoint', (id) => {
    const dockerfile = readFileSync(join(here, id, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^COPY _lib\/ \/opt\/studio\/lib\/$/m);
    expect(dockerfile).toMatch(/^ENV PYTHONPATH=\/opt\/studio\/lib$/m);
    expect(dockerfile).toMatch(new RegExp(`^COPY ${id.replace('.', '\\.')}/entrypoint\\.py /pipeline/entrypoint\\.py$`, 'm'));
  });
});
