import type { Actor } from '@studio/node-schemas';

/**
 * One change a commit makes to a project path (a project-relative, `/`-separated path). The
 * repository writes it into the working tree, stages exactly it and nothing else, and undoes it
 * when the commit fails.
 */
export type FileChange =
  /** The whole new content, written atomically (temp file beside it, fsync, rename). */
  | { path: string; content: string | Uint8Array }
  /**
   * A file the caller made elsewhere (a job's attempt folder, a temp file), moved in: renamed on the
   * same filesystem, copied otherwise. On failure it is put back where it was.
   */
  | { path: string; from: string }
  /**
   * An object already in the project's blob store (its sha256), committed as a Git LFS pointer
   * without reading the bytes again (the index keeps the file's stat data, so a later `git status`
   * does not hash it either); the working tree gets a copy of the bytes, or with `link` a hard link
   * to the object itself (one inode: media are immutable, and git replaces working files by rename,
   * never writes into them; a copy where a link cannot be made). The path must be LFS-tracked by
   * the project's `.gitattributes`.
   */
  | { path: string; blob: string; link?: boolean }
  /** Bytes appended to an append-only file (the event log, the ledger); undone by truncating. */
  | { path: string; append: string | Uint8Array }
  /** The file, or a whole folder, removed from the tree and the index. */
  | { path: string; delete: true }
  /**
   * Already in the working tree: the caller placed it there before the commit because it must be
   * durable before it is committed (a take, crash-safe by its own protocol; a room hook's file).
   * Only staged; on failure the index is put back and the file stays where the caller put it.
   */
  | { path: string; written: true };

export interface CommitRequest {
  /** The git author (DESIGN.md section 14); absent only for the engine's own housekeeping. */
  actor: Actor | undefined;
  message: string;
  files: readonly FileChange[];
}

/** A commit's full hash, or null when the files already were what HEAD holds (nothing to commit). */
export type CommitHash = string | null;

/** Reads of a project's working tree, through the same path checks as the writes. */
export interface RepositoryReader {
  /** The project's id (its git queue's key). */
  readonly id: string;
  read(path: string): Promise<Buffer>;
  readText(path: string): Promise<string>;
  /** Whether a regular file (or folder) is at the path; false for a symlink. */
  exists(path: string): Promise<boolean>;
}

/** The repository inside its turn of the project's git queue: commits run at once. */
export interface HeldRepository extends RepositoryReader {
  commit(request: CommitRequest): Promise<CommitHash>;
}

/**
 * Every write into a project goes through here (docs/architecture.md, "One seam for every write").
 * Commits wait their turn in the project's git queue; `exclusive` holds the queue for work that must
 * read and commit in one step (a review reads the records it replaces).
 */
export interface ProjectRepository extends HeldRepository {
  exclusive<T>(work: (held: HeldRepository) => Promise<T>): Promise<T>;
  /**
   * A file that is a deliverable, not history (06_Exports): moved in under the first of
   * `name(1)`, `name(2)`... that is free (never replacing one) and never committed. The path must be
   * one the project's .gitignore ignores. Returns the path used.
   */
  deliver(input: { name: (copy: number) => string; from: string }): Promise<string>;
}
