import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ALL_TOKEN_SCOPES, TenantName, TokenScope, UserName, UserPassword, type TokenScope as Scope, type UserView } from '@studio/node-schemas';
import { parseRequest } from '../parse-request.ts';
import { UserExistsError, UserNotFoundError } from './auth-errors.ts';
import { hashPassword } from './password-hash.ts';
import { studioDir } from './studio-dir.ts';

export const USERS_FILE = 'users.sqlite';

export interface StoredUser extends UserView {
  passwordHash: string;
  /** Tokens carry it (claim `ep`); a new password or `npm run user -- signout` raises it, and every older token is refused. */
  tokenEpoch: number;
}

interface Row {
  username: string;
  tenant: string;
  scopes: string;
  password_hash: string;
  created_at: string;
  token_epoch: number;
}

const toUser = (row: Row): StoredUser => ({
  username: row.username,
  tenant: row.tenant,
  scopes: row.scopes.split(' ').filter((s): s is Scope => TokenScope.safeParse(s).success),
  created_at: row.created_at,
  passwordHash: row.password_hash,
  tokenEpoch: row.token_epoch,
});

/** The users of a workspace: `<STUDIO_HOME>/.studio/users.sqlite` (WAL, so the CLI can add a user while the engine runs). */
export class UserStore {
  readonly #db: Database.Database;

  constructor(home: string) {
    const file = join(studioDir(home), USERS_FILE);
    // Made owner-only before SQLite opens it (its -wal and -shm files take the same mode).
    closeSync(openSync(file, 'a', 0o600));
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(`CREATE TABLE IF NOT EXISTS users (
      username TEXT PRIMARY KEY,
      tenant TEXT NOT NULL,
      scopes TEXT NOT NULL,
      password_hash TEXT NOT NULL,
      created_at TEXT NOT NULL,
      token_epoch INTEGER NOT NULL DEFAULT 0
    ) STRICT`);
    // Tokens signed out one by one (DELETE /auth/session), kept until they would have expired anyway.
    this.#db.exec('CREATE TABLE IF NOT EXISTS revoked_tokens (jti TEXT PRIMARY KEY, exp INTEGER NOT NULL) STRICT');
    const columns = this.#db.prepare('PRAGMA table_info(users)').all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'token_epoch')) this.#db.exec('ALTER TABLE users ADD COLUMN token_epoch INTEGER NOT NULL DEFAULT 0');
  }

  // The two statements every request runs, prepared once.
  #findStatement?: Database.Statement;
  #revokedStatement?: Database.Statement;

  find(username: string): StoredUser | null {
    this.#findStatement ??= this.#db.prepare('SELECT * FROM users WHERE username = ?');
    const row = this.#findStatement.get(username) as Row | undefined;
    return row ? toUser(row) : null;
  }

  list(tenant?: string): UserView[] {
    const rows = (
      tenant
        ? this.#db.prepare('SELECT * FROM users WHERE tenant = ? ORDER BY username').all(tenant)
        : this.#db.prepare('SELECT * FROM users ORDER BY username').all()
    ) as Row[];
    return rows.map((r) => {
      const { passwordHash: _hash, tokenEpoch: _epoch, ...view } = toUser(r);
      return view;
    });
  }

  async add({
    username,
    tenant,
    password,
    scopes = ALL_TOKEN_SCOPES,
  }: {
    username: string;
    tenant: string;
    password: string;
    scopes?: readonly Scope[];
  }): Promise<UserView> {
    const name = parseRequest(UserName, username);
    const user = { username: name, tenant: parseRequest(TenantName, tenant), scopes: [...scopes], created_at: new Date().toISOString() };
    const hash = await hashPassword(parseRequest(UserPassword, password));
    const inserted = this.#db
      .prepare('INSERT INTO users (username, tenant, scopes, password_hash, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING')
      .run(user.username, user.tenant, user.scopes.join(' '), hash, user.created_at);
    if (inserted.changes === 0) throw new UserExistsError(name);
    return user;
  }

  async setPassword({ username, password }: { username: string; password: string }): Promise<void> {
    const hash = await hashPassword(parseRequest(UserPassword, password));
    const changed = this.#db.prepare('UPDATE users SET password_hash = ?, token_epoch = token_epoch + 1 WHERE username = ?').run(hash, username).changes;
    if (changed === 0) throw new UserNotFoundError(username);
  }

  /** Signs a user out everywhere: every token issued so far is refused from the next request on. */
  revokeTokens({ username }: { username: string }): void {
    if (this.#db.prepare('UPDATE users SET token_epoch = token_epoch + 1 WHERE username = ?').run(username).changes === 0)
      throw new UserNotFoundError(username);
  }

  remove({ username }: { username: string }): void {
    if (this.#db.prepare('DELETE FROM users WHERE username = ?').run(username).changes === 0) throw new UserNotFoundError(username);
  }

  /** Signs one token out: its jti is refused until its expiry (seconds since the epoch), after which it is forgotten. */
  revokeToken({ jti, exp }: { jti: string; exp: number }): void {
    this.#db.prepare('DELETE FROM revoked_tokens WHERE exp < ?').run(Math.floor(Date.now() / 1000));
    this.#db.prepare('INSERT INTO revoked_tokens (jti, exp) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING').run(jti, Math.ceil(exp));
  }

  isRevoked(jti: string): boolean {
    this.#revokedStatement ??= this.#db.prepare('SELECT 1 FROM revoked_tokens WHERE jti = ?');
    return this.#revokedStatement.get(jti) !== undefined;
  }

  close(): void {
    this.#db.close();
  }
}
