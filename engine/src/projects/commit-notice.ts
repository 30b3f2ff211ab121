/** What the engine just committed in a repository: the paths it named, or 'all' (`git add .`). */
export interface CommitNotice {
  dir: string;
  paths: readonly string[] | 'all';
}

type CommitListener = (notice: CommitNotice) => Promise<void> | void;

const listeners = new Set<CommitListener>();

/**
 * Hears every commit the engine makes (it is the only writer of its repositories), so what is
 * derived from them (the workspace index) is updated without asking git again. Returns an unsubscribe.
 */
export function onCommit(listener: CommitListener): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** Awaited by each commit before it returns, so no reader sees the new HEAD before its listeners do. */
export async function notifyCommitted(dir: string, paths: readonly string[] | 'all'): Promise<void> {
  await Promise.all(
    [...listeners].map(async (listener) => {
      try {
        await listener({ dir, paths });
      } catch {
        // A listener that fails falls back on its own checks (the index re-reads a repository whose HEAD it did not see).
      }
    }),
  );
}
