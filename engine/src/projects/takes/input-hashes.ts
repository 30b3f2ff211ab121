import { runGit } from '../git.ts';
import { fileSha256 } from '../provenance/file-sha256.ts';

const POINTER_OID = /^oid sha256:([0-9a-f]{64})$/m;

/**
 * The sha256 of each input's content, for a take's sidecar. A committed LFS file's oid is that hash,
 * read from its pointer in HEAD without reading the media; anything else is hashed from disk.
 */
export async function inputHashes(projectDir: string, inputs: Record<string, string>): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(inputs).map(async ([socket, path]) => {
      const pointer = await runGit(projectDir, ['cat-file', 'blob', `HEAD:${path}`]).catch(() => '');
      const oid = pointer.length < 400 ? POINTER_OID.exec(pointer)?.[1] : undefined;
      return [socket, oid ?? (await fileSha256(projectDir, path))] as const;
    }),
  );
  return Object.fromEntries(entries.filter((e): e is readonly [string, string] => typeof e[1] === 'string'));
}
