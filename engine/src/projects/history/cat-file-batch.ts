import { spawn } from 'node:child_process';
import { GitOperationError } from '../../errors.ts';

/**
 * The contents of many git objects from ONE `git cat-file --batch` process: a history page reads
 * the canvases of all its commits this way instead of one `git show` per commit. Missing objects
 * are left out of the answer. Each answer is keyed by the name it was asked by (an id, or
 * `<commit>:<path>`): cat-file answers in the order it was asked.
 */
export function readObjects(dir: string, ids: readonly string[]): Promise<Map<string, Buffer>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return Promise.resolve(new Map());
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => reject(new GitOperationError(`git cat-file failed: ${error.message}`)));
    child.on('close', (code) => {
      if (code !== 0) return reject(new GitOperationError(`git cat-file failed: ${stderr.trim() || `exit ${code}`}`));
      try {
        resolve(parseBatch(Buffer.concat(chunks), unique));
      } catch (error) {
        reject(new GitOperationError(`git cat-file answered what it should not: ${(error as Error).message}`));
      }
    });
    child.stdin.end(unique.join('\n') + '\n');
  });
}

/** `<id> <type> <size>\n<content>\n` per object, or `<id> missing\n`. */
function parseBatch(out: Buffer, asked: readonly string[]): Map<string, Buffer> {
  const objects = new Map<string, Buffer>();
  let at = 0;
  for (let i = 0; at < out.length; i++) {
    const eol = out.indexOf(0x0a, at);
    if (eol < 0) throw new Error('a header without its end');
    const header = out.subarray(at, eol).toString('utf8').split(' ');
    at = eol + 1;
    if (header.at(-1) === 'missing' || header.at(-1) === 'ambiguous') continue;
    const size = Number(header[2]);
    if (!Number.isInteger(size)) throw new Error(`a header without a size: ${header.join(' ')}`);
    objects.set(asked[i]!, out.subarray(at, at + size));
    at += size + 1;
  }
  return objects;
}
