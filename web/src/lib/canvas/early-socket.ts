import type { WebSocketLike } from '@studio/node-schemas/sync';

/**
 * The sync protocol version the canvas's SyncClient asks for (node-schemas PROTOCOL_VERSION). It is
 * copied, not imported: that module builds the zod schemas, and this one loads with the app's first
 * chunk, before them. early-socket.test.ts checks the two agree; if they ever differ, the early
 * socket is simply not adopted and the canvas opens its own.
 */
export const EARLY_PROTOCOL_VERSION = 1;
/** An early socket nobody adopted by then (the page went elsewhere, a sign-in came first) is closed. */
const UNCLAIMED_MS = 15_000;

type Kind = 'open' | 'message' | 'close' | 'error';

/** A native socket's events held until its owner has set its handlers, then delivered in order. */
class HeldSocket implements WebSocketLike {
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  #held: Array<[Kind, unknown]> | null = [];

  constructor(readonly socket: WebSocketLike) {
    socket.onopen = (event) => this.#deliver('open', event);
    socket.onmessage = (event) => this.#deliver('message', event);
    socket.onclose = (event) => this.#deliver('close', event);
    socket.onerror = (event) => this.#deliver('error', event);
  }

  get readyState(): number {
    return this.socket.readyState;
  }
  send(data: string): void {
    this.socket.send(data);
  }
  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  /** From the next microtask on (its owner sets the handlers right after taking it), events go to the handlers. */
  release(): void {
    queueMicrotask(() => {
      const held = this.#held ?? [];
      this.#held = null;
      for (const [kind, event] of held) this.#call(kind, event);
    });
  }

  #deliver(kind: Kind, event: unknown): void {
    if (this.#held) this.#held.push([kind, event]);
    else this.#call(kind, event);
  }

  #call(kind: Kind, event: unknown): void {
    if (kind === 'open') this.onopen?.(event);
    else if (kind === 'message') this.onmessage?.(event as { data: unknown });
    else if (kind === 'close') this.onclose?.(event as { code: number; reason: string });
    else this.onerror?.(event);
  }
}

interface Early {
  projectId: string;
  clientId: string;
  url: string;
  held: HeldSocket;
  timer: ReturnType<typeof setTimeout>;
}

let early: Early | null = null;
/** Projects a canvas has open now (their store has its socket): no early socket for them. */
const open = new Map<string, number>();

/** A project's socket address, as the canvas's SyncClient builds it before its query. */
export function projectSocketBase(projectId: string, origin: { protocol: string; host: string } = location): string {
  const scheme = origin.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${origin.host}/ws/${encodeURIComponent(projectId)}`;
}

/** 16 url-safe characters, as the engine's ClientId accepts. */
function randomClientId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[b & 63]).join('');
}

function queryFor(clientId: string): string {
  return new URLSearchParams({ protocol: String(EARLY_PROTOCOL_VERSION), client: clientId }).toString();
}

/**
 * Opens a project's socket as soon as the app knows it is going to the canvas (the layout's load,
 * with the app's first chunk): the engine's welcome and the graph then arrive while the canvas's
 * own code is still loading, instead of after it. The canvas's store takes it over (takeEarlySocket).
 */
export function openProjectSocketEarly(
  projectId: string,
  createSocket: (url: string) => WebSocketLike = (url) => new WebSocket(url) as unknown as WebSocketLike,
  base: string = projectSocketBase(projectId),
): void {
  if (open.has(projectId) || early?.projectId === projectId) return;
  dropEarlySocket();
  const clientId = randomClientId();
  const url = `${base}?${queryFor(clientId)}`;
  let held: HeldSocket;
  try {
    held = new HeldSocket(createSocket(url));
  } catch {
    return; // the canvas opens its own, and reports what is wrong with it
  }
  early = { projectId, clientId, url, held, timer: setTimeout(dropEarlySocket, UNCLAIMED_MS) };
}

/** The client id the early socket of a project was opened with (the store's SyncClient must use it), or null. */
export function earlyClientId(projectId: string): string | null {
  return early?.projectId === projectId ? early.clientId : null;
}

/** The early socket for exactly this address, handed over once (its events so far come next), or null. */
export function takeEarlySocket(url: string): WebSocketLike | null {
  if (!early || early.url !== url) return null;
  const { held, timer } = early;
  clearTimeout(timer);
  early = null;
  held.release();
  return held;
}

/** A canvas has this project open (opening: true) or closed it: while it is open no early socket is made for it. */
export function markProjectOpen(projectId: string, opening: boolean): void {
  const count = (open.get(projectId) ?? 0) + (opening ? 1 : -1);
  if (count > 0) open.set(projectId, count);
  else open.delete(projectId);
}

/** Closes an early socket nobody took. */
export function dropEarlySocket(): void {
  if (!early) return;
  clearTimeout(early.timer);
  early.held.close(1000, 'not needed');
  early = null;
}

/** `/projects/<id>` (the canvas) to its project id, else null. */
export function canvasProjectId(pathname: string): string | null {
  const match = /^\/projects\/([^/]+)\/?$/.exec(pathname);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return null;
  }
}
