import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { StudioError } from '../errors.ts';
import { studioDir } from './studio-dir.ts';

const KEYRING_FILE = 'jwt-keys.json';
/** How often a running engine looks whether `npm run user -- rotate-key` changed the file. */
const RELOAD_CHECK_MS = 1000;

const SigningKey = z.object({ kid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), secret: z.string().min(43), created_at: z.iso.datetime() });
const KeyringFile = z
  .object({ format: z.literal(1), current: z.string(), keys: z.array(SigningKey).min(1) })
  .refine((f) => f.keys.some((k) => k.kid === f.current), { message: 'the current kid is not one of the keys' });
type KeyringFile = z.infer<typeof KeyringFile>;
export type SigningKey = z.infer<typeof SigningKey>;

export class KeyringError extends StudioError {
  override readonly code = 'INVALID_SETTING';
  override readonly status = 500;
}

function newKey(): SigningKey {
  const stamp = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  return { kid: `k${stamp}-${randomBytes(4).toString('hex')}`, secret: randomBytes(32).toString('base64url'), created_at: new Date().toISOString() };
}

export function keyringPath(home: string): string {
  return join(studioDir(home), KEYRING_FILE);
}

/** Writes the whole file under a temporary name (mode 0600) and renames it into place: readers never see half a keyring. */
function writeKeyring(path: string, file: KeyringFile): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

function readKeyring(path: string): KeyringFile {
  const parsed = KeyringFile.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new KeyringError(`${path} is not a valid keyring: ${parsed.error.issues[0]!.message}`, { path });
  return parsed.data;
}

/** The keyring of a workspace, made with one key on first use. Two processes creating it at once agree on one (link fails for the second). */
export function loadOrCreateKeyring(home: string): KeyringFile {
  const path = keyringPath(home);
  try {
    return readKeyring(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = newKey();
  const tmp = `${path}.${process.pid}.new`;
  writeFileSync(tmp, JSON.stringify({ format: 1, current: key.kid, keys: [key] }, null, 2) + '\n', { mode: 0o600 });
  try {
    linkSync(tmp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(tmp, { force: true });
  }
  return readKeyring(path);
}

/** Adds a new key and makes it the one new tokens are signed with; tokens of the older kids still verify until those are removed. */
export function rotateKey(home: string): SigningKey {
  const file = loadOrCreateKeyring(home);
  const key = newKey();
  writeKeyring(keyringPath(home), { ...file, current: key.kid, keys: [...file.keys, key] });
  return key;
}

/** Removes a kid: every token signed with it stops verifying. The current key cannot be removed (rotate first). */
export function removeKey(home: string, kid: string): void {
  const file = loadOrCreateKeyring(home);
  if (kid === file.current) throw new KeyringError(`'${kid}' is the current signing key: rotate first, then remove it`, { kid });
  if (!file.keys.some((k) => k.kid === kid)) throw new KeyringError(`no key '${kid}' in the keyring`, { kid });
  writeKeyring(keyringPath(home), { ...file, keys: file.keys.filter((k) => k.kid !== kid) });
}

export function listKeys(home: string): Array<{ kid: string; created_at: string; current: boolean }> {
  const file = loadOrCreateKeyring(home);
  return file.keys.map((k) => ({ kid: k.kid, created_at: k.created_at, current: k.kid === file.current }));
}

/** The keys as a running engine uses them: read once, and again when the file changes on disk (a rotation or removal by the CLI). */
export class Keyring {
  #file: KeyringFile;
  #mtimeMs: number;
  #checkedAt = 0;
  readonly #path: string;
  /** Goes up each time the keys are read again: what was verified with the old keys must be verified again. */
  generation = 0;

  constructor(readonly home: string) {
    this.#file = loadOrCreateKeyring(home);
    this.#path = keyringPath(home);
    this.#mtimeMs = statSync(this.#path).mtimeMs;
  }

  #fresh(): KeyringFile {
    const now = Date.now();
    if (now - this.#checkedAt < RELOAD_CHECK_MS) return this.#file;
    this.#checkedAt = now;
    const mtimeMs = statSync(this.#path, { throwIfNoEntry: false })?.mtimeMs;
    if (mtimeMs !== undefined && mtimeMs !== this.#mtimeMs) {
      this.#file = readKeyring(this.#path);
      this.#mtimeMs = mtimeMs;
      this.generation++;
    }
    return this.#file;
  }

  /** Forget the throttle: the next look reads the file if it changed (tests, right after a rotation). */
  recheck(): void {
    this.#checkedAt = 0;
  }

  // Key objects made once per secret: jose verifies with a KeyObject without importing the key again.
  readonly #keyObjects = new Map<string, KeyObject>();
  #keyObject(secret: string): KeyObject {
    let key = this.#keyObjects.get(secret);
    if (!key) {
      key = createSecretKey(Buffer.from(secret, 'base64url'));
      this.#keyObjects.set(secret, key);
    }
    return key;
  }

  current(): { kid: string; secret: KeyObject } {
    const file = this.#fresh();
    const key = file.keys.find((k) => k.kid === file.current)!;
    return { kid: key.kid, secret: this.#keyObject(key.secret) };
  }

  secretOf(kid: string): KeyObject | null {
    const key = this.#fresh().keys.find((k) => k.kid === kid);
    return key ? this.#keyObject(key.secret) : null;
  }
}
