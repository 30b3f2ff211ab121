import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnEngine } from '../testing/spawn-engine.ts';
import { WsProbe } from '../testing/ws-probe.ts';

describe('acknowledged edits', () => {
  it('survive SIGKILL before their debounced commit, and are committed at the next start', async () => {
    const home = await mkdtemp(join(tmpdir(), 'studio-journal-'));
    let engine = await spawnEngine({ env: { STUDIO_HOME: home } });
    try {
      const { id } = (await (
        await fetch(`${engine.baseUrl}/api/v1/projects`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Journal"}' })
      ).json()) as { id: string };
      const ws = await WsProbe.open(engine.baseUrl, id);
      await ws.next('server:full_sync');
      for (let i = 0; i < 25; i++) {
        ws.send({
          type: 'client:graph_edit',
          clientClock: i + 1,
          edits: [
            {
              op: 'add_node',
              node: { id: `n${i}`, type: 'shot', position: { x: i * 10, y: 0 }, data: { scene: 'SCENE_01', shot: 'SHOT_010', prompt: `p${i}` } },
            },
          ],
        });
        await ws.next('server:ack');
      }
      // Killed straight after the last ack: well inside the commit debounce.
      await engine.killHard();
      const dir = join(home, 'Projects', id);
      expect(execFileSync('git', ['log', '--format=%s'], { cwd: dir, encoding: 'utf8' })).not.toContain('Canvas:');

      engine = await spawnEngine({ env: { STUDIO_HOME: home } });
      const got = (await (await fetch(`${engine.baseUrl}/api/v1/projects/${id}`)).json()) as { version: number; graph: { nodes: Array<{ id: string }> } };
      expect(got.graph.nodes.map((n) => n.id)).toEqual(Array.from({ length: 25 }, (_, i) => `n${i}`));
      expect(got.version).toBe(26);
      // The commit moves HEAD before the engine swaps its index in (text-commit.ts): git status read in between sees
      // the old index (MM). So wait for the whole persist, the commit and a clean status, and then check both.
      const deadline = Date.now() + 5000;
      let log = '';
      let status = '';
      const read = () => {
        log = execFileSync('git', ['log', '--format=%s'], { cwd: dir, encoding: 'utf8' });
        status = execFileSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf8' });
        return log.includes('Recover') && status === '';
      };
      while (Date.now() < deadline && !read()) await new Promise((r) => setTimeout(r, 50));
      expect(log.split('\n')[0]).toBe('Recover 25 journaled changes after an unclean shutdown; Canvas: added 25 nodes (version 26)');
      expect(status).toBe('');
    } finally {
      await engine.stop();
      await rm(home, { recursive: true, force: true });
    }
  });
});
