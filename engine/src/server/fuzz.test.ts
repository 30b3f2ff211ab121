import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateGraph } from '@studio/node-schemas';
import { describe, expect, it } from 'vitest';
import { fuzzHttp, fuzzWebSocket, rssMiB } from '../testing/hardening/fuzz-run.ts';
import { runSeed, seededRandom } from '../testing/hardening/seeded-random.ts';
import { spawnEngine, type SpawnedEngine } from '../testing/spawn-engine.ts';
import { soakKnob } from '../testing/soak-knobs.ts';

/** Small in `npm test`; `npm run soak` sets 100,000+. */
const WS_MESSAGES = soakKnob('SOAK_WS_MESSAGES', 3000);
const HTTP_REQUESTS = soakKnob('SOAK_HTTP_REQUESTS', 800);

describe('fuzzing a real engine bound beyond loopback', () => {
  it(
    `${WS_MESSAGES} WebSocket messages and ${HTTP_REQUESTS} HTTP requests: 0 crashes, 0 corrupted graphs, 0 server errors, memory bounded`,
    async () => {
      const seed = runSeed();
      const random = seededRandom(seed);
      const home = await mkdtemp(join(tmpdir(), 'studio-fuzz-'));
      const env = { STUDIO_HOME: home, HOST: '0.0.0.0', STUDIO_LOCAL_WORKER: '0' };
      let engine: SpawnedEngine = await spawnEngine({ env, timeoutMs: 90_000 });
      try {
        const port = Number(new URL(engine.url).port);
        const token = new URL(engine.url).searchParams.get('token')!;
        const api = (path: string, init: RequestInit = {}) =>
          fetch(`http://127.0.0.1:${port}${path}`, {
            ...init,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...init.headers },
          });
        const created = (await (await api('/api/v1/projects', { method: 'POST', body: JSON.stringify({ name: 'Fuzz' }) })).json()) as { id: string };
        const nodes = Array.from({ length: 20 }, (_, i) => ({
          id: `seed-${i}`,
          type: 'shot',
          position: { x: i, y: 0 },
          data: { scene: 'SCENE_01', shot: 'SHOT_010' },
        }));
        expect((await api(`/api/v1/projects/${created.id}`, { method: 'PUT', body: JSON.stringify({ graph: { nodes, edges: [] }, version: 1 }) })).status).toBe(
          200,
        );
        const rssBefore = rssMiB(engine.child.pid!);

        const ws = await fuzzWebSocket({ port, projectId: created.id, token, total: WS_MESSAGES, random });
        const http = await fuzzHttp({ port, token, total: HTTP_REQUESTS, random });
        const rssAfter = rssMiB(engine.child.pid!);

        expect(engine.child.exitCode, engine.output().slice(-3000)).toBeNull();
        expect((await api('/api/v1/health')).status).toBe(200);
        const live = (await (await api(`/api/v1/projects/${created.id}`)).json()) as { graph: unknown; version: number };
        const checked = validateGraph(live.graph);
        expect(checked.ok).toBe(true);
        // What was acknowledged is what is on disk: a graceful restart gives back the same graph and version.
        await engine.stop();
        engine = await spawnEngine({ env, timeoutMs: 90_000 });
        const port2 = Number(new URL(engine.url).port);
        const token2 = new URL(engine.url).searchParams.get('token')!;
        const reopened = (await (
          await fetch(`http://127.0.0.1:${port2}/api/v1/projects/${created.id}`, { headers: { authorization: `Bearer ${token2}` } })
        ).json()) as { graph: unknown; version: number };
        expect(reopened.version).toBe(live.version);
        expect(reopened.graph).toEqual(live.graph);

        console.log(
          `fuzz (seed ${seed}): ${ws.messages} WebSocket messages + ${ws.upgrades} malformed upgrades (${ws.reconnects} reconnects), ${http.requests} HTTP requests + ${http.raw} raw ones, statuses ${JSON.stringify(http.statuses)}; 0 crashes, graph valid and identical after restart (version ${live.version}), ${http.serverErrors.length} server errors, engine RSS ${rssBefore} -> ${rssAfter} MiB`,
        );
        expect(http.serverErrors.slice(0, 20)).toEqual([]);
        expect(rssAfter - rssBefore).toBeLessThan(400);
        expect(ws.messages).toBeGreaterThanOrEqual(WS_MESSAGES);
      } finally {
        await engine.stop();
        await rm(home, { recursive: true, force: true });
      }
    },
    soakKnob('SOAK_TIMEOUT_MS', 900_000),
  );
});
