import type { GitQueue } from '../projects/git-queue.ts';
import type { RoomRegistry } from '../sync/room-registry.ts';
import type { TaskService } from '../jobs/task-service.ts';

/** What the review service is built from (the engine's context has it). */
export interface ReviewContext {
  rooms: RoomRegistry;
  queue: GitQueue;
  tasks?: TaskService;
}
import { ProjectReview } from './project-review.ts';
import { checkCutApproved } from './render-gate.ts';

/**
 * Review for every room of the engine (docs/governance.md#review): each room gets its review state
 * (the approved-scene edit guard, the canvas event log), final renders pass the approval gate, and
 * finished renders are logged.
 */
export class ReviewService {
  constructor(private readonly ctx: ReviewContext) {
    ctx.rooms.onRoomLoaded((room) => void ProjectReview.attach(room, ctx.queue));
    ctx.tasks?.addSubmitGuard(async (request) => {
      if (request.kind !== 'render' || request.draft) return;
      const review = await this.of(request.projectId);
      if (review.recordsError) throw review.recordsError;
      checkCutApproved(review.room.graph(), request.nodeId, review.records);
    });
    ctx.tasks?.addTaskListener(async (taskId, kind, event) => {
      if (kind !== 'render' || event.on !== 'completed' || !ctx.tasks) return;
      const status = await ctx.tasks.status(taskId);
      const review = await this.of(status.project_id);
      const result = status.result ?? {};
      const draft = result.draft === true;
      // Who asked for it, as TaskService kept it at submit.
      const actor = (await ctx.tasks.taskMeta(taskId))?.actor ?? null;
      await review.recordEvent(
        {
          type: 'RenderCompleted',
          actor,
          time: new Date().toISOString(),
          payload: { task: taskId, assembler: status.node_id, output: result.take ?? null, draft, method: result.method ?? null },
        },
        `Event log: ${draft ? 'draft ' : ''}render ${String(result.take ?? '')} finished`,
      );
    });
  }

  async of(projectId: string): Promise<ProjectReview> {
    return ProjectReview.attach(await this.ctx.rooms.get(projectId), this.ctx.queue);
  }
}
