import { describe, expect, it } from 'vitest';
import { GitQueue } from './git-queue.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('git queue', () => {
  it("runs one project's operations in order and different projects side by side", async () => {
    const queue = new GitQueue();
    const order: string[] = [];
    const a = gate();
    const first = queue.run('p', async () => {
      await a.opened;
      order.push('p1');
    });
    const second = queue.run('p', async () => void order.push('p2'));
    await queue.run('q', async () => void order.push('q1'));
    expect(order).toEqual(['q1']);
    a.open();
    await Promise.all([first, second]);
    expect(order).toEqual(['q1', 'p1', 'p2']);
  });

  it('runs background work a few projects at a time', async () => {
    const queue = new GitQueue({ backgroundParallelism: 3 });
    let running = 0;
    let most = 0;
    const release = gate();
    const all = Array.from({ length: 20 }, (_, i) =>
      queue.runInBackground(`p${i}`, async () => {
        most = Math.max(most, ++running);
        await release.opened;
        running--;
      }),
    );
    await tick();
    expect(running).toBe(3);
    release.open();
    await Promise.all(all);
    expect(most).toBe(3);
  });

  it("starts a project's waiting background work at once when someone asks for that project", async () => {
    const queue = new GitQueue({ backgroundParallelism: 1 });
    const hold = gate();
    const done: string[] = [];
    const busy = queue.runInBackground('busy', async () => {
      await hold.opened;
      done.push('busy');
    });
    const waiting = queue.runInBackground('wanted', async () => void done.push('wanted recovered'));
    await tick();
    expect(done).toEqual([]);
    // The only slot is taken: without the hurry this would wait for 'busy'.
    await queue.run('wanted', async () => void done.push('wanted opened'));
    expect(done).toEqual(['wanted recovered', 'wanted opened']);
    hold.open();
    await Promise.all([busy, waiting]);
  });

  it('lets background work queued behind a foreground operation skip the slot line', async () => {
    const queue = new GitQueue({ backgroundParallelism: 1 });
    const hold = gate();
    const other = queue.runInBackground('other', () => hold.opened);
    const foreground = gate();
    const opening = queue.run('p', () => foreground.opened);
    const maintenance = queue.runInBackground('p', async () => 'maintained');
    const save = queue.run('p', async () => 'saved');
    foreground.open();
    await opening;
    expect(await Promise.race([save, new Promise((r) => setTimeout(() => r('stuck'), 500))])).toBe('saved');
    expect(await maintenance).toBe('maintained');
    hold.open();
    await other;
  });
});
