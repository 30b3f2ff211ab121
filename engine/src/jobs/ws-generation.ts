import type { ServerMessage } from '@studio/node-schemas';
import type { GenerationHandlers, JobRequestOptions } from '../sync/ws-server.ts';
import type { TaskService } from './task-service.ts';

/** What a client's options add to a submission: force, draft and the sender, where given. */
function optionsOf({ force, draft, actor }: JobRequestOptions = {}) {
  return { ...(force === undefined ? {} : { force }), ...(draft === undefined ? {} : { draft }), ...(actor ? { actor } : {}) };
}

/** client:start_generation, client:cancel_generation and client:render_final_sequence, answered the way the REST API answers. */
export function generationHandlers(tasks: TaskService): GenerationHandlers {
  return {
    async start(room, nodeId, idempotencyKey, policy, options): Promise<ServerMessage[]> {
      try {
        const { force, actor } = optionsOf(options);
        await tasks.submit({ projectId: room.id, nodeId, idempotencyKey, policy, ...(force === undefined ? {} : { force }), ...(actor ? { actor } : {}) });
        return [];
      } catch (error) {
        return [{ type: 'server:task_failed', task_id: '', node_id: nodeId, error: (error as Error).message }];
      }
    },
    async cancel(room, nodeId, taskId): Promise<ServerMessage[]> {
      await tasks.cancel(taskId ? { taskId } : { projectId: room.id, nodeId });
      return [];
    },
    // A refusal (the approval gate, a budget) reaches the canvas as task_failed on the assembler, shown as a notice.
    async render(room, nodeId, backend, options): Promise<ServerMessage[]> {
      try {
        await tasks.submitRender({ projectId: room.id, assemblerId: nodeId, backend, ...optionsOf(options) });
        return [];
      } catch (error) {
        return [{ type: 'server:task_failed', task_id: '', node_id: nodeId, error: (error as Error).message }];
      }
    },
  };
}
