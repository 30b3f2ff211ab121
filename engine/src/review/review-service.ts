import type { EngineContext } from '../server/context.ts';
import type { ProjectRoom } from '../sync/project-room.ts';
import { ProjectReview } from './project-review.ts';
import { checkCutApproved } from './render-gate.ts';

/**
 * Review for every room of the engine (docs/governance.md#review): each room gets its review state
 * (the approved-scene edit guard, the canvas event log), final renders pass the approval gate, and
 * finished renders are logged.
 */
export class ReviewService {
  readonly #reviews = new WeakMap<ProjectRoom, ProjectReview>();

  constructor(private readonly ctx: EngineContext) {
    ctx.rooms.onRoomLoaded((room) => {
      if (!this.#reviews.has(room)) this.#reviews.set(room, ProjectReview.attach(room, ctx.queue));
    });
    ctx.tasks?.addSubmitGuard(async (request) => {
      if (request.kind !== 'render' || request.draft) return;
      const review = await this.of(request.projectId);
      checkCutApproved(review.room.graph(), request.nodeId, review.records);
    });
    ctx.tasks?.addTaskListener(async (taskId, kind, event) => {
      if (kind !== 'render' || event.on !== 'completed' || !ctx.tasks) return;
      const status = await ctx.tasks.status(taskId);
      const review = await this.of(status.project_id);
      const result = status.result ?? {};
      const draft = result.draft === true;
      await review.recordEvent(
        {
          type: 'RenderCompleted',
          actor: null,
          time: new Date().toISOString(),
          payload: { task: taskId, assembler: status.node_id, output: result.take ?? null, draft, method: result.method ?? null },
        },
        `Event log: ${draft ? 'draft ' : ''}render ${String(result.take ?? '')} finished`,
      );
    });
  }

  async of(projectId: string): Promise<ProjectReview> {
    const room = await this.ctx.rooms.get(projectId);
    let review = this.#reviews.get(room);
    if (!review) this.#reviews.set(room, (review = ProjectReview.attach(room, this.ctx.queue)));
    return review;
  }
}
