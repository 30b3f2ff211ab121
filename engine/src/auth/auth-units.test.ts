import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader, decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAccessToken, verifyAccessToken } from './access-token.ts';
import { InvalidCredentialsError, TokenExpiredError, TooManyAttemptsError, UnauthorizedError, UserExistsError } from './auth-errors.ts';
import { Keyring, keyringPath, removeKey, rotateKey } from './jwt-keyring.ts';
import { hashPassword, verifyPassword } from './password-hash.ts';
import { signIn } from './sign-in.ts';
import { SignInLimiter } from './sign-in-limiter.ts';
import { UserStore } from './user-store.ts';
import { runUserCommand } from './user-commands.ts';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'studio-auth-'));
});
afterAll(() => rm(home, { recursive: true, force: true }));

const alice = { username: 'alice', tenant: 'acme', scopes: ['projects:read', 'projects:write'] as const };

describe('passwords', () => {
  it('are scrypt hashes with their salt and parameters, and only the right password verifies', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsE', a)).toBe(false);
    expect(await verifyPassword('correct horse', 'scrypt$x$y')).toBe(false);
  });
});

describe('access tokens', () => {
  it('carry sub, tenant, scopes, exp, iat, jti and the kid; verify; and expire', async () => {
    const keyring = new Keyring(home);
    const { token } = await signAccessToken({ keyring, subject: alice, ttlS: 600 });
    const header = decodeProtectedHeader(token);
    const claims = decodeJwt(token);
    expect(header).toMatchObject({ alg: 'HS256', typ: 'JWT', kid: keyring.current().kid });
    expect(claims).toMatchObject({ sub: 'alice', tenant: 'acme', scope: 'projects:read projects:write' });
    expect(claims.exp! - claims.iat!).toBe(600);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(await verifyAccessToken(keyring, token)).toMatchObject({ sub: 'alice', tenant: 'acme', scope: ['projects:read', 'projects:write'] });

    const expired = await signAccessToken({ keyring, subject: alice, ttlS: 600, expiresAt: Math.floor(Date.now() / 1000) - 5 });
    await expect(verifyAccessToken(keyring, expired.token)).rejects.toBeInstanceOf(TokenExpiredError);
    // A tampered payload, a foreign key under our kid, an unknown kid, alg none: all refused.
    const [h, , s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, tenant: 'beta' })).toString('base64url')}.${s}`;
    await expect(verifyAccessToken(keyring, forged)).rejects.toBeInstanceOf(UnauthorizedError);
    const foreign = await new SignJWT({ tenant: 'acme', scope: 'projects:read' })
      .setProtectedHeader({ alg: 'HS256', kid: keyring.current().kid })
      .setSubject('alice')
      .setIssuer('studio-engine')
      .setAudience('studio')
      .setIssuedAt()
      .setExpirationTime('1h')
      .setJti('x')
      .sign(new Uint8Array(32).fill(7));
    await expect(verifyAccessToken(keyring, foreign)).rejects.toBeInstanceOf(UnauthorizedError);
    const unknownKid = foreign.replace(/^[^.]+/, Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'nope' })).toString('base64url'));
    await expect(verifyAccessToken(keyring, unknownKid)).rejects.toThrow(/key this engine does not know/);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${token.split('.')[1]}.`;
    await expect(verifyAccessToken(keyring, none)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('rotate: new tokens take the new kid, old ones verify until their kid is removed; the file is 0600', async () => {
    const keyring = new Keyring(home);
    const old = await signAccessToken({ keyring, subject: alice, ttlS: 600 });
    const oldKid = keyring.current().kid;
    const added = rotateKey(home);
    keyring.recheck();
    const fresh = await signAccessToken({ keyring, subject: alice, ttlS: 600 });
    expect(decodeProtectedHeader(fresh.token).kid).toBe(added.kid);
    await expect(verifyAccessToken(keyring, old.token)).resolves.toMatchObject({ sub: 'alice' });
    expect(() => removeKey(home, added.kid)).toThrow(/current signing key/);
    removeKey(home, oldKid);
    keyring.recheck();
    await expect(verifyAccessToken(keyring, old.token)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(verifyAccessToken(keyring, fresh.token)).resolves.toMatchObject({ sub: 'alice' });
    expect((await stat(keyringPath(home))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(keyringPath(home), 'utf8')).keys.map((k: { kid: string }) => k.kid)).toEqual([added.kid]);
  });
});

describe('users and sign-in', () => {
  it('the store refuses a second user of a name and bad names, and the CLI adds, lists, changes and removes', async () => {
    const lines: string[] = [];
    const run = (...argv: string[]) => runUserCommand({ argv, home, print: (l) => lines.push(l), readStdin: async () => 'from stdin pw\n' });
    await run('add', 'bob', '--tenant', 'beta', '--password', 'long enough');
    await run('add', 'carol', '--tenant', 'acme', '--password', '-', '--read-only');
    await expect(run('add', 'bob', '--tenant', 'beta', '--password', 'long enough')).rejects.toBeInstanceOf(UserExistsError);
    await expect(run('add', 'Bad:Name', '--tenant', 'beta', '--password', 'long enough')).rejects.toThrow(/request: must be lower-case/);
    await expect(run('add', 'dave', '--tenant', 'beta', '--password', 'short')).rejects.toThrow(/at least 8/);
    await expect(run('add', 'dave', '--password', 'long enough')).rejects.toThrow(/--tenant is required/);
    lines.length = 0;
    await run('list');
    expect(lines.map((l) => l.split('\t').slice(0, 3))).toEqual([
      ['bob', 'beta', 'projects:read projects:write'],
      ['carol', 'acme', 'projects:read'],
    ]);
    const users = new UserStore(home);
    expect(await verifyPassword('from stdin pw', users.find('carol')!.passwordHash)).toBe(true);
    await run('passwd', 'bob', '--password', 'another one');
    expect(await verifyPassword('another one', users.find('bob')!.passwordHash)).toBe(true);
    const epoch = users.find('bob')!.tokenEpoch;
    await run('signout', 'bob');
    expect(users.find('bob')!.tokenEpoch).toBe(epoch + 1);
    await run('remove', 'carol');
    expect(users.find('carol')).toBeNull();
    await expect(run('remove', 'carol')).rejects.toThrow(/no user named 'carol'/);
    expect((await stat(join(home, '.studio', 'users.sqlite'))).mode & 0o777).toBe(0o600);
    users.close();
  });

  it('a wrong password and an unknown user answer the same; failures per username and address are limited', async () => {
    const users = new UserStore(home);
    await users.add({ username: 'erin', tenant: 'acme', password: 'erin password' });
    let now = 1_000_000;
    const limiter = new SignInLimiter(3, 60_000, () => now);
    const attempt = (username: string, password: string, address = '10.0.0.1') => signIn({ users, limiter, username, password, address });
    const wrong = await attempt('erin', 'nope nope').catch((e: unknown) => e);
    const unknown = await attempt('nobody', 'nope nope').catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(InvalidCredentialsError);
    expect(unknown).toBeInstanceOf(InvalidCredentialsError);
    expect((wrong as Error).message).toBe((unknown as Error).message);
    await expect(attempt('erin', 'erin password')).resolves.toMatchObject({ username: 'erin', tenant: 'acme' });
    for (let i = 0; i < 3; i++) await expect(attempt('erin', 'nope nope')).rejects.toBeInstanceOf(InvalidCredentialsError);
    // Locked for this address, even with the right password; another address is not.
    await expect(attempt('erin', 'erin password')).rejects.toBeInstanceOf(TooManyAttemptsError);
    await expect(attempt('erin', 'erin password', '10.0.0.2')).resolves.toMatchObject({ username: 'erin' });
    now += 60_001;
    await expect(attempt('erin', 'erin password')).resolves.toMatchObject({ username: 'erin' });
    users.close();
  });
});
