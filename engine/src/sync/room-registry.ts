import type { GitQueue } from '../projects/git-queue.ts';
import { existingProjectPath, type Workspace } from '../projects/workspace.ts';
import { DEFAULT_TIMING, ProjectRoom, type RoomTiming } from './project-room.ts';

/** One room per project, loaded on first use and shared by the REST routes and the WebSockets. */
export class RoomRegistry {
  readonly #rooms = new Map<string, Promise<ProjectRoom>>();
  readonly #onLoad: Array<(room: ProjectRoom) => void> = [];

  constructor(
    private readonly workspace: Workspace,
    private readonly queue: GitQueue,
    private readonly timing: RoomTiming = DEFAULT_TIMING,
  ) {}

  async get(id: string): Promise<ProjectRoom> {
    let room = this.#rooms.get(id);
    if (!room) {
      room = existingProjectPath(this.workspace, id)
        .then((dir) => ProjectRoom.load({ id, dir, queue: this.queue, timing: this.timing }))
        .then((loaded) => {
          for (const setUp of this.#onLoad) setUp(loaded);
          return loaded;
        });
      this.#rooms.set(id, room);
      room.catch(() => this.#rooms.delete(id));
    }
    return room;
  }

  /**
   * Runs for every room as it loads, and at once for those already loaded: where the review work
   * adds its edit guard and persist hook, and the event log its edit listener.
   */
  onRoomLoaded(setUp: (room: ProjectRoom) => void): void {
    this.#onLoad.push(setUp);
    for (const room of this.#rooms.values()) void room.then(setUp, () => undefined);
  }

  /** A room already loaded, without loading it. */
  async loaded(id: string): Promise<ProjectRoom | undefined> {
    return this.#rooms.has(id) ? this.#rooms.get(id)!.catch(() => undefined) : undefined;
  }

  /** Commits everything pending in every room (a graceful stop). */
  async closeAll(): Promise<void> {
    const rooms = await Promise.allSettled(this.#rooms.values());
    await Promise.all(rooms.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
    this.#rooms.clear();
  }
}
