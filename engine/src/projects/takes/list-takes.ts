import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSubjectTake, type TakeSubject } from './take-subject.ts';

/** The takes of a subject, read from its render folder (docs/project-layout.md#takes), oldest first, as project paths. */
export async function listTakes(projectDir: string, subject: TakeSubject): Promise<string[]> {
  let files: string[];
  try {
    files = await readdir(join(projectDir, subject.folder));
  } catch {
    return [];
  }
  return files
    .map((file) => ({ file, parsed: parseSubjectTake(subject, file) }))
    .filter((f): f is { file: string; parsed: NonNullable<typeof f.parsed> } => f.parsed !== null)
    .sort((a, b) => a.parsed.take - b.parsed.take)
    .map((f) => `${subject.folder}/${f.file}`);
}

/** The highest take number present on disk for a subject (0 when none). */
export async function highestTakeOnDisk(projectDir: string, subject: TakeSubject): Promise<number> {
  let files: string[];
  try {
    files = await readdir(join(projectDir, subject.folder));
  } catch {
    return 0;
  }
  let max = 0;
  for (const file of files) max = Math.max(max, parseSubjectTake(subject, file)?.take ?? 0);
  return max;
}
