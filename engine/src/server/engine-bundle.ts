import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILD_KIND, BUNDLE_FILE, CACHE, CURRENT, REPO, currentBundle, stamp } from './current-bundle.mjs';

/**
 * The engine's sources as one CommonJS module, built with esbuild and reused while no source changed.
 * Loading ~380 TypeScript files one by one through tsx costs about 2 s of CPU at every start (two
 * thirds of a start on a loaded machine); the bundle loads in about 0.8 s. Packages stay outside
 * (node_modules as installed); only this repository's files (engine/src, node-schemas/src) are in
 * it. Each file keeps its own import.meta.url, so paths found from it (the repository root, the
 * git hooks folder) are those of the source file.
 *
 * Kept under node_modules/.cache (ignored by git), one folder per build; current.json names the
 * one in use with the size and mtime of every input, which a start checks (a stat per file,
 * current-bundle.mjs, which `npm start` reads before anything can compile TypeScript).
 */
const ENTRY = join(REPO, 'engine', 'src', 'server', 'start-engine.ts');
/** Builds older than this are removed when a new one is made (an engine running from one has it loaded already). */
const KEEP_OLD_MS = 10 * 60_000;

interface Current {
  kind: string;
  dir: string;
  /** Repository-relative path to `${size}:${mtimeMs}` of each source in the bundle. */
  inputs: Record<string, string>;
}

async function buildBundle(): Promise<string> {
  const { build } = await import('esbuild');
  mkdirSync(CACHE, { recursive: true });
  const dir = `b-${Date.now()}-${process.pid}`;
  const out = join(CACHE, `${dir}.tmp`);
  const result = await build({
    entryPoints: [ENTRY],
    outfile: join(out, BUNDLE_FILE),
    absWorkingDir: REPO,
    bundle: true,
    platform: 'node',
    // CommonJS: packages load through require(), without the ES loader's export scan of every CommonJS package (about 0.4 s).
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'studio-sources',
        setup(b) {
          // Packages stay outside the bundle, except the contract package of this repository.
          b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@studio/') ? undefined : { path: args.path, external: true }));
          // Each source keeps its own location: import.meta.url is the source file's URL, not the bundle's.
          b.onLoad({ filter: /\.ts$/ }, async (args) => {
            const text = await readFile(args.path, 'utf8');
            return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
          });
        },
      },
    ],
  });
  const inputs: Record<string, string> = {};
  for (const path of Object.keys(result.metafile.inputs)) {
    const was = stamp(path);
    if (was) inputs[path] = was;
  }
  renameSync(out, join(CACHE, dir));
  const tmp = `${CURRENT}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ kind: BUILD_KIND, dir, inputs } satisfies Current));
  renameSync(tmp, CURRENT);
  removeOldBuilds(dir);
  return join(CACHE, dir, BUNDLE_FILE);
}

function removeOldBuilds(keep: string): void {
  for (const name of readdirSync(CACHE)) {
    if (name === keep || !name.startsWith('b-')) continue;
    const path = join(CACHE, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > KEEP_OLD_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // another start removed it
    }
  }
}

/** Builds the bundle unless it is current (a benchmark of start-up measures a start, not the first build after a change). */
export async function prepareEngineBundle(): Promise<void> {
  if (!currentBundle()) await buildBundle();
}

/**
 * The engine's start-up module: the bundle (built now when a source changed), or, when it cannot
 * be built (a source that does not compile, say), the sources themselves, which then report the
 * problem as they always did.
 */
export async function loadEngine(): Promise<{ runEngine: () => void }> {
  let bundle = currentBundle();
  if (!bundle) {
    try {
      bundle = await buildBundle();
    } catch (error) {
      const first = (error as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors?.[0];
      const why = first ? `${first.location ? `${first.location.file}:${first.location.line}: ` : ''}${first.text}` : (error as Error).message.split('\n')[0];
      console.error(`engine bundle not built (${why}); running from the sources`);
      return import('./start-engine.ts');
    }
  }
  return import(pathToFileURL(bundle).href);
}
