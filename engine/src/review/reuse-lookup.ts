import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listTakes } from '../projects/takes/list-takes.ts';
import type { TakeSubject } from '../projects/takes/take-subject.ts';

/** The sidecar of a take: the take's path with its extension replaced by .json. */
export function sidecarOf(take: string): string {
  return take.replace(/\.[a-z0-9]+$/, '.json');
}

/**
 * The newest take of a subject whose sidecar carries the signature `hash` (docs/governance.md#reuse),
 * leaving out hidden takes; null when none has it. Takes whose sidecar cannot be read are passed over.
 */
export async function findTakeWithSignature({
  projectDir,
  subject,
  hash,
  hidden = [],
}: {
  projectDir: string;
  subject: TakeSubject;
  hash: string;
  hidden?: readonly string[];
}): Promise<string | null> {
  const takes = await listTakes(projectDir, subject);
  for (const take of takes.reverse()) {
    if (hidden.includes(take)) continue;
    try {
      const sidecar = JSON.parse(await readFile(join(projectDir, sidecarOf(take)), 'utf8')) as { input_signature?: { hash?: unknown } };
      if (sidecar.input_signature?.hash === hash) return take;
    } catch {
      // a take without a readable sidecar is never reused
    }
  }
  return null;
}
