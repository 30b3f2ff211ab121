import type { ServerMessage } from '@studio/node-schemas';
import type { GenerationHandlers } from '../sync/ws-server.ts';
import type { TaskService } from './task-service.ts';

/** client:start_generation and client:cancel_generation, answered the way the REST API answers. */
export function generationHandlers(tasks: TaskService): GenerationHandlers {
  return {
    async start(room, nodeId, idempotencyKey, policy): Promise<ServerMessage[]> {
      try {
        await tasks.submit({ projectId: room.id, nodeId, idempotencyKey, policy });
        return [];
      } catch (error) {
        return [{ type: 'server:task_failed', task_id: '', node_id: nodeId, error: (error as Error).message }];
      }
    },
    async cancel(room, nodeId, taskId): Promise<ServerMessage[]> {
      await tasks.cancel(taskId ? { taskId } : { projectId: room.id, nodeId });
      return [];
    },
    // `options` (draft, force) reach here once ws-server passes client:render_final_sequence's fields on.
    async render(room, nodeId, backend, options: { draft?: boolean; force?: boolean } = {}): Promise<ServerMessage[]> {
      try {
        await tasks.submitRender({
          projectId: room.id,
          assemblerId: nodeId,
          backend,
          ...(options.draft === undefined ? {} : { draft: options.draft }),
          ...(options.force === undefined ? {} : { force: options.force }),
        });
        return [];
      } catch (error) {
        return [{ type: 'server:task_failed', task_id: '', node_id: nodeId, error: (error as Error).message }];
      }
    },
  };
}
