import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { LibraryTrainingEvent } from '@studio/node-schemas';

export const LIBRARY_WS_PATH = '/ws/library';

/**
 * `/ws/library`: the Asset Manager's WebSocket. Assets belong to the workspace, not to a project,
 * so their training events go to everyone watching the library; a client that connects mid-run
 * gets each task's latest state at once.
 */
export class LibraryHub {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  readonly #clients = new Set<WebSocket>();
  readonly #latest = new Map<string, LibraryTrainingEvent>();

  /** Takes the upgrade when it is for the library; false leaves it to the project sync server. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (request.url ?? '').split('?')[0];
    if (path !== LIBRARY_WS_PATH) return false;
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      // The library socket only listens: anything a client sends is ignored.
      this.#clients.add(ws);
      ws.on('close', () => this.#clients.delete(ws));
      for (const event of this.#latest.values()) ws.send(JSON.stringify(event));
    });
    return true;
  }

  broadcast(event: LibraryTrainingEvent): void {
    const previous = this.#latest.get(event.task_id);
    // Keep the last sample and version on the remembered state, so a late joiner sees them.
    this.#latest.set(event.task_id, { ...previous, ...event, sample_url: event.sample_url ?? previous?.sample_url });
    if (this.#latest.size > 200) this.#latest.delete(this.#latest.keys().next().value!);
    const text = JSON.stringify(event);
    for (const ws of this.#clients) if (ws.readyState === ws.OPEN) ws.send(text);
  }

  close(): void {
    for (const ws of this.#clients) ws.terminate();
    this.#wss.close();
  }
}
