import { PROTOCOL_VERSION, type ServerMessage } from '@studio/node-schemas';
import WebSocket from 'ws';

/** A raw WebSocket client for protocol tests: records every server message, waits for kinds of them. */
export class WsProbe {
  readonly messages: ServerMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  #waiters: Array<{ match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }> = [];
  #seen = 0;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as ServerMessage;
      this.messages.push(message);
      this.#waiters = this.#waiters.filter((w) => (w.match(message) ? (w.resolve(message), false) : true));
    });
    socket.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
  }

  static async open(baseUrl: string, projectId: string, query: Record<string, string> = {}): Promise<WsProbe> {
    const params = new URLSearchParams({ protocol: String(PROTOCOL_VERSION), ...query });
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws/${projectId}?${params}`);
    const probe = new WsProbe(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return probe;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message of `type` not yet consumed by an earlier next() (looks at history first). */
  next<T extends ServerMessage['type']>(type: T, timeoutMs = 5000): Promise<Extract<ServerMessage, { type: T }>> {
    for (let i = this.#seen; i < this.messages.length; i++) {
      if (this.messages[i]!.type === type) {
        this.#seen = i + 1;
        return Promise.resolve(this.messages[i] as Extract<ServerMessage, { type: T }>);
      }
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms; got ${this.messages.map((m) => m.type).join(', ')}`)), timeoutMs);
      this.#waiters.push({
        match: (m) => m.type === type,
        resolve: (m) => {
          clearTimeout(timer);
          this.#seen = this.messages.length;
          resolve(m as Extract<ServerMessage, { type: T }>);
        },
      });
    });
  }

  closedWith(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('not closed')), timeoutMs);
      this.socket.once('close', (code, reason) => {
        clearTimeout(timer);
        resolve({ code, reason: String(reason) });
      });
    });
  }

  close(): void {
    this.socket.close();
  }
}
