// The upstream pins of the pipeline Dockerfiles: read offline, checked against their remotes when
// there is network (scripts/check-pipeline-pins).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DockerInstruction {
  keyword: string;
  args: string;
}

/** A Dockerfile's instructions: continuation lines joined, comments dropped. */
/** Every Dockerfile instruction there is: a keyword outside this set is a typo or a continued line gone wrong. */
export const DOCKERFILE_INSTRUCTIONS = new Set([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
]);

export function dockerInstructions(text: string): DockerInstruction[] {
  const instructions: DockerInstruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (pending && line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const [keyword = '', ...rest] = full.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' ') });
  }
  if (pending.trim()) throw new Error('Dockerfile ends inside a continued line');
  return instructions;
}

export interface Pin {
  pipeline: string;
  /** The clone URL. */
  repo: string;
  /** The ARG that holds the ref. */
  arg: string;
  ref: string;
  /** checkout: a commit checked out after a full clone; branch: a tag or branch cloned with --branch. */
  kind: 'checkout' | 'branch';
}

export class PinSyntaxError extends Error {
  readonly code = 'PIN_SYNTAX';
}

const CLONE = /git clone((?:\s+--?[\w-]+(?:[= ](?!https?:)\S+)?)*)\s+(https?:\/\/\S+?)(?:\.git)?\s+(\S+)/g;

/**
 * The pins of one Dockerfile, or a PinSyntaxError naming what is malformed. A well-formed clone is
 * either `git clone <url> <dir> && git -C <dir> checkout "$ARG"` (ARG a full 40-hex commit, the
 * clone not shallow, since a shallow clone cannot check out an older commit) or
 * `git clone --depth 1 --branch "$ARG" <url> <dir>` (ARG a tag or branch name, never main/master/HEAD).
 */
export function pinsOf(pipeline: string, dockerfile: string): Pin[] {
  const instructions = dockerInstructions(dockerfile);
  const args = new Map<string, string>();
  for (const { keyword, args: text } of instructions) {
    if (keyword !== 'ARG') continue;
    const [name, value] = text.split('=', 2) as [string, string | undefined];
    args.set(name.trim(), (value ?? '').trim());
  }
  const pins: Pin[] = [];
  for (const { keyword, args: run } of instructions) {
    if (keyword !== 'RUN' || !run.includes('git clone')) continue;
    const clones = [...run.matchAll(CLONE)];
    if (clones.length !== (run.match(/git clone/g) ?? []).length) throw new PinSyntaxError(`${pipeline}: cannot read the git clone in: ${run}`);
    for (const [, flags = '', url, dir] of clones) {
      const repo = url!.replace(/\.git$/, '');
      const branch = /--branch[= ]"\$(\w+)"/.exec(flags)?.[1];
      const checkout = new RegExp(`git -C ${dir!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} checkout "\\$(\\w+)"`).exec(run)?.[1];
      if (branch && checkout) throw new PinSyntaxError(`${pipeline}: ${repo} is both cloned at a branch and checked out`);
      const arg = branch ?? checkout;
      if (!arg) throw new PinSyntaxError(`${pipeline}: ${repo} is cloned without a pinned ref (no --branch "$ARG", no git -C ${dir} checkout "$ARG")`);
      const ref = args.get(arg);
      if (!ref) throw new PinSyntaxError(`${pipeline}: ARG ${arg} has no value`);
      if (/^(main|master|HEAD|latest)$/.test(ref)) throw new PinSyntaxError(`${pipeline}: ${arg}=${ref} is a moving ref`);
      if (checkout) {
        if (!/^[0-9a-f]{40}$/.test(ref)) throw new PinSyntaxError(`${pipeline}: ${arg}=${ref} is not a full 40-hex commit`);
        if (/--depth\b|--shallow/.test(flags)) throw new PinSyntaxError(`${pipeline}: ${repo} is cloned shallow, so ${ref} may not be there to check out`);
        if (run.indexOf(`git -C ${dir} checkout`) < run.indexOf(url!)) throw new PinSyntaxError(`${pipeline}: the checkout of ${dir} comes before its clone`);
      }
      pins.push({ pipeline, repo, arg, ref, kind: checkout ? 'checkout' : 'branch' });
    }
  }
  return pins;
}

/** Every pin of every pipeline folder under `pipelinesDir`. */
export function readPins(pipelinesDir: string): Pin[] {
  return readdirSync(pipelinesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(pipelinesDir, d.name, 'Dockerfile')))
    .map((d) => d.name)
    .sort()
    .flatMap((id) => pinsOf(id, readFileSync(join(pipelinesDir, id, 'Dockerfile'), 'utf8')));
}

export type PinVerdict =
  { pin: Pin; ok: true; refs: string[] } | { pin: Pin; ok: false; reason: 'unreachable-remote' | 'missing' | 'not-on-branch-or-tag'; message: string };

function git(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile('git', args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr }),
    ),
  );
}

/**
 * Whether a pin can be built: the remote answers, and the commit is reachable from one of its
 * branches or tags (a commit only on a pull-request ref, or none at all, fails the build's clone +
 * checkout). Clones only commits (--filter=tree:0, bare) into a scratch folder.
 */
export async function checkPin(pin: Pin): Promise<PinVerdict> {
  const listed = await git(['ls-remote', '--heads', '--tags', pin.repo]);
  if (listed.code !== 0)
    return {
      pin,
      ok: false,
      reason: 'unreachable-remote',
      message: `cannot reach ${pin.repo}: ${listed.stderr.trim().split('\n').at(-1) ?? 'git ls-remote failed'}`,
    };
  if (pin.kind === 'branch') {
    const refs = listed.stdout
      .split('\n')
      .map((l) => l.split('\t')[1])
      .filter((r): r is string => Boolean(r));
    const found = refs.filter((r) => r === `refs/tags/${pin.ref}` || r === `refs/heads/${pin.ref}` || r === `refs/tags/${pin.ref}^{}`);
    return found.length ? { pin, ok: true, refs: found } : { pin, ok: false, reason: 'missing', message: `${pin.repo} has no branch or tag ${pin.ref}` };
  }
  const scratch = mkdtempSync(join(tmpdir(), 'pin-check-'));
  try {
    const clone = await git(['clone', '--bare', '--quiet', '--filter=tree:0', pin.repo, join(scratch, 'repo.git')]);
    if (clone.code !== 0)
      return { pin, ok: false, reason: 'unreachable-remote', message: `cannot clone ${pin.repo}: ${clone.stderr.trim().split('\n').at(-1)}` };
    const repo = join(scratch, 'repo.git');
    const exists = await git(['cat-file', '-e', `${pin.ref}^{commit}`], repo);
    // A bare clone holds only what branches and tags reach: a commit it lacks is on no branch or tag.
    if (exists.code !== 0)
      return {
        pin,
        ok: false,
        reason: 'not-on-branch-or-tag',
        message: `${pin.ref} is not reachable from any branch or tag of ${pin.repo} (a pull-request ref, or no such commit)`,
      };
    const containing = await git(['for-each-ref', '--contains', pin.ref, '--format=%(refname)', 'refs/heads', 'refs/tags'], repo);
    const refs = containing.stdout.split('\n').filter(Boolean);
    return refs.length
      ? { pin, ok: true, refs }
      : { pin, ok: false, reason: 'not-on-branch-or-tag', message: `${pin.ref} is on no branch or tag of ${pin.repo}` };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
