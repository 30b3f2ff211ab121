import { authServiceFor } from '../src/auth/auth-service.ts';
import { testApp } from '../src/testing/temp-workspace.ts';
import { testSettings } from '../src/testing/test-settings.ts';
import { median, reporter, type BenchResult } from './bench-result.ts';

/** AUTH_BENCH_QUICK=1: few samples, to check the suite itself in seconds. */
const QUICK = process.env.AUTH_BENCH_QUICK === '1';
const SIGN_INS = QUICK ? 5 : 25;
const REQUESTS = QUICK ? 200 : 4000;
const ROUND = 100;

/**
 * Multi-user mode's costs (docs/users-and-tenants.md): a wrong password against an unknown user
 * (the two must take about as long, or a stranger can tell which names exist), and what the gate
 * adds to a request (JWT verify, the user lookup) against the same request on the loopback default.
 */
export async function benchAuth(): Promise<BenchResult[]> {
  const r = reporter('auth');
  const users = await testApp({ settings: testSettings({ STUDIO_AUTH: 'users' }) });
  const plain = await testApp();
  try {
    await authServiceFor(users.ctx).users.add({ username: 'alice', tenant: 'acme', password: 'alice password' });
    const attempt = async (username: string, i: number) => {
      const start = performance.now();
      const res = await users.app.inject({
        method: 'POST',
        url: '/auth/token',
        payload: { username, password: 'wrong wrong' },
        remoteAddress: `10.0.${i >> 8}.${i & 255}`,
      });
      if (res.statusCode !== 401) throw new Error(`expected 401, got ${res.statusCode}`);
      return performance.now() - start;
    };
    await attempt('warm-up', 0);
    const wrong: number[] = [];
    const unknown: number[] = [];
    // Interleaved, so a change in machine load hits both alike.
    for (let i = 1; i <= SIGN_INS; i++) {
      wrong.push(await attempt('alice', i));
      unknown.push(await attempt(`nobody-${i}`, 1000 + i));
    }
    const w = median(wrong);
    const u = median(unknown);
    r.measured('sign-in, wrong password of a user (median)', w, 'ms', 'baseline');
    r.measured('sign-in, unknown user (median)', u, 'ms');
    r.measured('sign-in timing symmetry: min(unknown/wrong, wrong/unknown)', Math.min(u / w, w / u), 'ratio', { op: '>=', value: 0.8 });

    const token = (
      (
        await users.app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'alice', password: 'alice password' }, remoteAddress: '10.9.0.1' })
      ).json() as {
        access_token: string;
      }
    ).access_token;
    // Rounds alternate between the two apps and each figure is the median round, so a change in the machine's load hits both alike.
    const round = async (app: typeof plain.app, headers: Record<string, string>) => {
      const start = performance.now();
      for (let i = 0; i < ROUND; i++) {
        const res = await app.inject({ method: 'GET', url: '/api/v1/node-types', headers });
        if (res.statusCode !== 200) throw new Error(`expected 200, got ${res.statusCode}`);
      }
      return ((performance.now() - start) / ROUND) * 1000;
    };
    const gatedHeaders = { authorization: `Bearer ${token}` };
    await round(plain.app, {});
    await round(users.app, gatedHeaders);
    const openRounds: number[] = [];
    const gatedRounds: number[] = [];
    for (let i = 0; i < REQUESTS / ROUND; i++) {
      openRounds.push(await round(plain.app, {}));
      gatedRounds.push(await round(users.app, gatedHeaders));
    }
    const open = median(openRounds);
    const gated = median(gatedRounds);
    r.measured('GET /api/v1/node-types, loopback default (no gate)', open, 'µs', 'baseline');
    r.measured('GET /api/v1/node-types, multi-user mode (JWT verified, user looked up)', gated, 'µs');
    r.measured('what the users gate adds to a request', gated - open, 'µs', { op: '<', value: 250 });
  } finally {
    await users.cleanup();
    await plain.cleanup();
  }
  return r.results;
}

if (import.meta.url === `file://${process.argv[1]}`) for (const row of await benchAuth()) console.log(JSON.stringify(row));
