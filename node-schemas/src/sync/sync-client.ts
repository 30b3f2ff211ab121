import { applyEdits, cloneDoc, docFromGraph, type GraphDoc } from '../apply-edit.ts';
import { PROTOCOL_VERSION, ServerMessage, type ClientMessage, type GraphEditOp, type ServerMessage as ServerMessageType } from '../ws-messages.ts';

/** The part of the WebSocket API the client uses: the browser's WebSocket and the `ws` package both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type SyncStatus = 'connecting' | 'live' | 'offline' | 'closed';

export type ChangeCause = 'local' | 'remote' | 'sync' | 'rollback';

export interface SyncClientOptions {
  /** ws://host/ws/<projectId>, without a query. */
  url: string;
  createSocket: (url: string) => WebSocketLike;
  clientId?: string;
  onChange?: (cause: ChangeCause) => void;
  onStatus?: (status: SyncStatus, detail?: string) => void;
  /** A batch the server refused, after it was rolled back. */
  onReject?: (reason: string, edits: GraphEditOp[]) => void;
  /** Every other server message (task events, notices, errors). */
  onMessage?: (message: ServerMessageType) => void;
  reconnect?: { initialMs: number; maxMs: number };
}

interface Pending {
  clientClock: number;
  edits: GraphEditOp[];
}

const OPEN = 1;
/** Close codes after which reconnecting cannot help. */
const FINAL_CLOSE_CODES = new Set([4401, 4404, 4426]);

function randomId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[b & 63]).join('');
}

/**
 * The client half of the sync protocol (docs/sync-protocol.md). `confirmed` is the server's graph at
 * `serverClock`; the view is confirmed plus this client's pending batches. Local edits apply to the
 * view at once and are sent with a client clock; the server's order decides; a refused batch is
 * rolled back. On reconnect it sends its last server clock and gets the patches it missed or a
 * full sync, drops the batches the server says it already applied, and resends the rest.
 */
export class SyncClient {
  readonly clientId: string;
  #confirmed: GraphDoc = { nodes: new Map(), edges: new Map() };
  #view: GraphDoc = { nodes: new Map(), edges: new Map() };
  #pending: Pending[] = [];
  #serverClock: number | null = null;
  #clientClock = 0;
  #socket: WebSocketLike | null = null;
  #status: SyncStatus = 'closed';
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #wanted = false;
  #waiters: Array<() => void> = [];

  constructor(private readonly options: SyncClientOptions) {
    this.clientId = options.clientId ?? randomId();
  }

  get view(): GraphDoc {
    return this.#view;
  }

  get serverClock(): number | null {
    return this.#serverClock;
  }

  get status(): SyncStatus {
    return this.#status;
  }

  get pendingCount(): number {
    return this.#pending.length;
  }

  connect(): void {
    this.#wanted = true;
    this.#open();
  }

  close(): void {
    this.#wanted = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#socket?.close(1000, 'client closed');
    this.#socket = null;
    this.#setStatus('closed');
  }

  /** Drops the connection as a network fault would, to exercise reconnection. */
  dropConnection(): void {
    this.#socket?.close(4000, 'dropped');
  }

  /**
   * Applies edits to the view at once and sends them. Returns the reason when they cannot apply
   * even locally (nothing is sent then).
   */
  edit(edits: GraphEditOp[]): { ok: true } | { ok: false; reason: string } {
    const result = applyEdits(this.#view, edits);
    if (!result.ok) return result;
    const batch = { clientClock: ++this.#clientClock, edits };
    this.#pending.push(batch);
    this.#sendBatch(batch);
    this.options.onChange?.('local');
    return { ok: true };
  }

  /** Sends a non-graph message (start generation, render, ...). False when offline. */
  send(message: ClientMessage): boolean {
    if (this.#socket?.readyState !== OPEN || this.#status !== 'live') return false;
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  /** Resolves when connected with nothing pending: the view equals the server's graph. */
  settled(): Promise<void> {
    if (this.#status === 'live' && !this.#pending.length) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #sendBatch(batch: Pending): void {
    if (this.#socket?.readyState === OPEN && this.#status === 'live')
      this.#socket.send(JSON.stringify({ type: 'client:graph_edit', clientClock: batch.clientClock, edits: batch.edits }));
  }

  #setStatus(status: SyncStatus, detail?: string): void {
    this.#status = status;
    this.options.onStatus?.(status, detail);
    this.#checkSettled();
  }

  #checkSettled(): void {
    if (this.#status === 'live' && !this.#pending.length) {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w();
    }
  }

  #open(): void {
    if (!this.#wanted) return;
    this.#setStatus(this.#attempt === 0 ? 'connecting' : 'offline', this.#attempt ? 'reconnecting' : undefined);
    const query = new URLSearchParams({ protocol: String(PROTOCOL_VERSION), client: this.clientId });
    if (this.#serverClock !== null) query.set('since', String(this.#serverClock));
    const socket = this.options.createSocket(`${this.options.url}?${query}`);
    this.#socket = socket;
    socket.onmessage = (event) => {
      if (socket === this.#socket) this.#receive(event.data);
    };
    socket.onclose = (event) => {
      if (socket !== this.#socket) return;
      this.#socket = null;
      if (!this.#wanted) return;
      if (FINAL_CLOSE_CODES.has(event.code)) {
        this.#wanted = false;
        this.#setStatus('closed', event.reason || `closed (${event.code})`);
        return;
      }
      this.#setStatus('offline', event.reason || 'connection lost');
      const { initialMs, maxMs } = this.options.reconnect ?? { initialMs: 250, maxMs: 5000 };
      const delay = Math.min(maxMs, initialMs * 2 ** this.#attempt++) * (0.75 + Math.random() * 0.5);
      this.#timer = setTimeout(() => this.#open(), delay);
    };
    socket.onerror = () => undefined;
  }

  #rebuildView(): void {
    this.#view = cloneDoc(this.#confirmed);
    for (const batch of this.#pending) applyEdits(this.#view, batch.edits);
  }

  #receive(raw: unknown): void {
    let message: ServerMessageType;
    try {
      message = ServerMessage.parse(JSON.parse(String(raw)));
    } catch {
      return; // a server newer than this page; the protocol version guards real mismatches
    }
    switch (message.type) {
      case 'server:welcome': {
        this.#attempt = 0;
        this.#serverClock = message.serverClock;
        this.#setStatus('live');
        if (message.lastClientClock !== null) {
          // Applied ones arrive in the catch-up as patches; refused ones are simply gone.
          const applied = message.lastClientClock;
          this.#pending = this.#pending.filter((p) => p.clientClock > applied);
          this.#rebuildView();
          this.options.onChange?.('sync');
        }
        for (const batch of this.#pending) this.#sendBatch(batch);
        return;
      }
      case 'server:full_sync':
        this.#confirmed = docFromGraph(message.graph);
        this.#serverClock = message.serverClock;
        this.#rebuildView();
        this.options.onChange?.('sync');
        return;
      case 'server:graph_patch': {
        applyEdits(this.#confirmed, message.edits);
        this.#serverClock = message.serverClock;
        if (this.#pending.length) this.#rebuildView();
        else applyEdits(this.#view, message.edits);
        this.options.onChange?.('remote');
        return;
      }
      case 'server:ack': {
        const index = this.#pending.findIndex((p) => p.clientClock === message.clientClock);
        if (index === -1) return;
        const [batch] = this.#pending.splice(index, 1);
        applyEdits(this.#confirmed, batch!.edits);
        this.#serverClock = message.serverClock;
        this.#checkSettled();
        return;
      }
      case 'server:reject': {
        const index = this.#pending.findIndex((p) => p.clientClock === message.clientClock);
        if (index === -1) return;
        const [batch] = this.#pending.splice(index, 1);
        this.#rebuildView();
        this.options.onChange?.('rollback');
        this.options.onReject?.(message.reason, batch!.edits);
        this.#checkSettled();
        return;
      }
      case 'server:project_updated':
        this.#serverClock = message.serverClock;
        this.options.onMessage?.(message);
        return;
      default:
        this.options.onMessage?.(message);
    }
  }
}
