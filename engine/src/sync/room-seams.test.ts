import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Actor, type GraphEditOp } from '@studio/node-schemas';
import { afterEach, describe, expect, it } from 'vitest';
import { gitAt } from '../projects/git.ts';
import { testApp } from '../testing/temp-workspace.ts';
import type { ProjectRoom, RoomClient } from './project-room.ts';

const alice: Actor = { kind: 'user', id: 'alice', name: 'Alice', tenant: 'acme' };
const bob: Actor = { kind: 'user', id: 'bob', name: 'Bob', tenant: 'acme' };
const client = (id: string, actor?: Actor): RoomClient => ({ id, send: () => undefined, ...(actor ? { actor } : {}) });
const addShot = (id: string, scene = 'SCENE_01'): GraphEditOp => ({
  op: 'add_node',
  node: { id, type: 'shot', position: { x: 0, y: 0 }, data: { scene, shot: 'SHOT_010', prompt: id } },
});

describe('the room seams other parts plug into', () => {
  let done: () => Promise<void> = async () => undefined;
  afterEach(() => done());

  async function room(): Promise<{ room: ProjectRoom; loaded: ProjectRoom[]; git: (args: string[]) => string }> {
    const t = await testApp();
    done = t.cleanup;
    const loaded: ProjectRoom[] = [];
    t.ctx.rooms.onRoomLoaded((r) => loaded.push(r));
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/projects', payload: { name: 'Seams' } });
    const r = await t.ctx.rooms.get(res.json<{ id: string }>().id);
    return { room: r, loaded, git: (args) => execFileSync('git', args, { cwd: r.dir, encoding: 'utf8' }) };
  }

  it('a guard refuses a batch before it applies; listeners hear applied batches with their actor', async () => {
    const { room: r, loaded } = await room();
    expect(loaded).toEqual([r]);
    const heard: Array<{ ids: string[]; actor: string | undefined; clock: number }> = [];
    r.addEditListener((edits, actor, clock) => heard.push({ ids: edits.map((e) => (e.op === 'add_node' ? e.node.id : e.op)), actor: actor?.id, clock }));
    r.addEditGuard((edits) =>
      edits.some((e) => e.op === 'add_node' && (e.node.data as { scene?: string }).scene === 'SCENE_09') ? 'SCENE_09 is approved' : null,
    );
    const before = r.serverClock;
    expect(r.applyClientEdits(client('c1', alice), 1, [addShot('a')])).toMatchObject({ ok: true });
    expect(r.applyClientEdits(client('c1', alice), 2, [addShot('b', 'SCENE_09')])).toEqual({
      ok: false,
      reason: 'SCENE_09 is approved',
      serverClock: before + 1,
    });
    expect(r.applyServerEdits([{ op: 'update_node', id: 'a', changes: { data: { prompt: 'engine' } } }])).toBe(true);
    expect(r.graph().nodes.map((n) => n.id)).toEqual(['a']);
    expect(heard).toEqual([
      { ids: ['a'], actor: 'alice', clock: before + 1 },
      { ids: ['update_node'], actor: undefined, clock: before + 2 },
    ]);
  });

  it('a canvas commit names its first actor as author, the others as co-authors, and carries the persist hooks’ files', async () => {
    const { room: r, git } = await room();
    r.addPersistHook(async (dir) => {
      await writeFile(join(dir, '04_Project_Files', 'hooked.txt'), `clock ${r.serverClock}\n`);
      await gitAt(dir).raw(['add', '04_Project_Files/hooked.txt']);
      return ['04_Project_Files/hooked.txt'];
    });
    r.applyClientEdits(client('c1', alice), 1, [addShot('a')]);
    r.applyClientEdits(client('c2', bob), 1, [addShot('b')]);
    r.applyClientEdits(client('c1', alice), 2, [addShot('c')]);
    await r.persistNow();
    expect(git(['log', '-1', '--format=%an <%ae>|%cn'])).toBe('Alice <user.alice@acme.studio>|Studio Engine\n');
    expect(git(['log', '-1', '--format=%B'])).toContain('Co-authored-by: Bob <user.bob@acme.studio>');
    expect(git(['show', '--name-only', '--format=', 'HEAD']).split('\n')).toContain('04_Project_Files/hooked.txt');
    expect(git(['status', '--porcelain'])).toBe('');
  });

  it('a budget set through updateProject is saved, described in the commit, and removed by null', async () => {
    const { room: r, git } = await room();
    await r.updateProject({ version: r.serverClock, budget: 250 }, alice);
    expect(r.projectManifest.budget).toBe(250);
    expect(git(['log', '-1', '--format=%s|%an'])).toBe('Update project: budget none -> 250|Alice\n');
    await r.updateProject({ version: r.serverClock, budget: null });
    expect(r.projectManifest.budget).toBeUndefined();
    expect(JSON.parse(git(['show', 'HEAD:project.json'])).budget).toBeUndefined();
  });
});
