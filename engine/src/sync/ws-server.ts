import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  CLOSE_CODES,
  ClientId,
  ClientMessage,
  ErrorCode,
  findProtoKey,
  LOCAL_ACTOR,
  MAX_CLIENT_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  type Actor,
  type ServerMessage,
} from '@studio/node-schemas';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Authenticated } from '../auth/auth-service.ts';
import { presentedToken, tokenMatches } from '../auth/token.ts';
import { upgradeAuthOf } from '../auth/upgrade-auth.ts';
import { parseSyncTarget } from './sync-target.ts';
import type { ProjectRoom, RoomClient } from './project-room.ts';
import { TokenBucket } from './rate-limiter.ts';
import type { RoomRegistry } from './room-registry.ts';

/** Messages past this size are refused with server:error, connection kept; past the hard cap ws closes it. */
const HARD_MAX_PAYLOAD = 32 * 1024 * 1024;
/** A client this far behind in reading is dropped; it reconnects and catches up. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const FLOOD_RATE = 2000;
const FLOOD_BURST = 4000;
/** Refused messages beyond which a flooding client is disconnected. */
const FLOOD_CLOSE_AFTER = 20_000;
/** RFC 6455 'internal error'. */
const INTERNAL_ERROR_CLOSE = 1011;
/** setTimeout's longest delay: a session living longer is closed at that point and reconnects. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a client's message adds to a job: its options and who sent it (the socket's signed-in user; absent on the loopback default). */
export interface JobRequestOptions {
  force?: boolean;
  draft?: boolean;
  actor?: Actor;
}

export interface GenerationHandlers {
  start(
    room: ProjectRoom,
    nodeId: string,
    idempotencyKey: string | undefined,
    policy?: 'queue' | 'fallback',
    options?: JobRequestOptions,
  ): Promise<ServerMessage[]>;
  cancel(room: ProjectRoom, nodeId: string, taskId: string | undefined, options?: JobRequestOptions): Promise<ServerMessage[]>;
  render(room: ProjectRoom, nodeId: string, backend: 'ffmpeg' | 'editly' | undefined, options?: JobRequestOptions): Promise<ServerMessage[]>;
}

class Connection implements RoomClient {
  readonly bucket = new TokenBucket(FLOOD_RATE, FLOOD_BURST);
  refused = 0;
  #lastFloodNotice = 0;

  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    /** The signed-in user (multi-user mode): the room's commits name them. */
    readonly actor?: Actor,
    /** A token without projects:write: the client may watch, not change. */
    readonly readOnly = false,
  ) {}

  #corked = false;

  send(serialized: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.socket.close(CLOSE_CODES.flood, 'too far behind: reconnect to catch up');
      return;
    }
    // Every frame sent in one turn of the event loop leaves in one write: a burst of patches
    // broadcast to 20 clients costs 20 writes, not 20 per patch.
    const raw = (this.socket as unknown as { _socket?: Duplex })._socket;
    if (raw && !this.#corked) {
      this.#corked = true;
      raw.cork();
      process.nextTick(() => {
        this.#corked = false;
        raw.uncork();
      });
    }
    this.socket.send(serialized);
  }

  reply(message: ServerMessage): void {
    this.send(JSON.stringify(message));
  }

  floodNotice(): void {
    const now = Date.now();
    if (now - this.#lastFloodNotice < 1000) return;
    this.#lastFloodNotice = now;
    this.reply({ type: 'server:error', error: `too many messages: at most ${FLOOD_RATE} a second`, code: 'FLOOD' });
  }
}

function refuseUpgrade(socket: Duplex, status: number, text: string) {
  if (!socket.writable) return void socket.destroy();
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * The per-project WebSocket endpoint /ws/:projectId (docs/sync-protocol.md). Validates every message with
 * node-schemas; a bad message gets server:error or server:reject and nothing else changes.
 */
/** Tells everyone in a project who is there (presence), after each join and leave. */
function announcePresence(room: ProjectRoom): void {
  const people = [...room.clients].slice(0, 1000).map((c) => ({ clientId: c.id, name: c.actor?.name ?? LOCAL_ACTOR.name, kind: c.actor?.kind ?? 'local' }));
  room.broadcast({ type: 'server:presence', people });
}

export function attachSyncServer({
  server,
  rooms,
  token,
  generation,
  otherUpgrades = [],
}: {
  server: Server;
  rooms: RoomRegistry;
  token: string | null;
  generation?: GenerationHandlers;
  /** Other WebSocket endpoints (the asset library's): each takes an upgrade it recognises and returns true. */
  otherUpgrades?: Array<(request: IncomingMessage, socket: Duplex, head: Buffer) => boolean>;
}) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: HARD_MAX_PAYLOAD, perMessageDeflate: false });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node drops its own error handling from an upgraded socket: a reset peer must not crash us.
    socket.on('error', () => socket.destroy());
    void onUpgrade(request, socket, head).catch(() => refuseUpgrade(socket, 400, 'Bad Request'));
  });

  async function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
    const target = request.url ?? '/';
    // Multi-user mode: a user's token (cookie, bearer, ?token=), checked before any endpoint sees the upgrade.
    const users = upgradeAuthOf(server);
    let session: Authenticated | null = null;
    if (users) {
      try {
        session = await users.authenticate(request);
      } catch {
        return refuseUpgrade(socket, 401, 'Unauthorized');
      }
      // A worker's job token reaches its project over git only.
      if (session.project !== undefined) return refuseUpgrade(socket, 403, 'Forbidden');
    } else if (token !== null && !tokenMatches(token, presentedToken(request.headers, target))) return refuseUpgrade(socket, 401, 'Unauthorized');
    if (otherUpgrades.some((take) => take(request, socket, head))) return;
    const route = parseSyncTarget(target);
    if (!route) return refuseUpgrade(socket, 404, 'Not Found');
    // Another tenant's project is answered as a missing one (the same close), never opened.
    const allowed = !users || !session || (await users.mayOpen(session, route.projectId));
    wss.handleUpgrade(request, socket, head, (ws) => {
      // ws reports bad frames as 'error' events: one without a listener would end the process.
      ws.on('error', () => ws.terminate());
      if (!allowed) return ws.close(CLOSE_CODES.projectNotFound, `no project '${route.projectId.slice(0, 80)}'`);
      if (session) closeAtExpiry(ws, session.expiresAt);
      onConnection(ws, route.projectId, route.params, session).catch(() => ws.close(INTERNAL_ERROR_CLOSE, 'internal error'));
    });
  }

  /** A session's socket ends when its token does: the client signs in again. */
  function closeAtExpiry(ws: WebSocket, expiresAt: number) {
    const timer = setTimeout(
      () => ws.close(CLOSE_CODES.unauthorized, 'the token has expired: sign in again'),
      Math.min(MAX_TIMER_MS, Math.max(0, expiresAt * 1000 - Date.now())),
    );
    timer.unref();
    ws.on('close', () => clearTimeout(timer));
  }

  async function onConnection(ws: WebSocket, projectId: string, params: URLSearchParams, session: Authenticated | null) {
    // Listen at once: a client may send before its project's room has loaded. Those messages wait.
    const early: Array<[Buffer, boolean]> = [];
    let deliver = (raw: Buffer, isBinary: boolean) => void early.push([raw, isBinary]);
    ws.on('message', (raw, isBinary) => deliver(raw as Buffer, isBinary));

    const protocol = Number(params.get('protocol'));
    if (protocol !== PROTOCOL_VERSION)
      return ws.close(CLOSE_CODES.protocolMismatch, `protocol ${params.get('protocol')} is not ${PROTOCOL_VERSION}: reload the page`);
    let room: ProjectRoom;
    try {
      room = await rooms.get(projectId);
    } catch {
      return ws.close(CLOSE_CODES.projectNotFound, `no project '${projectId.slice(0, 80)}'`);
    }
    if (ws.readyState !== ws.OPEN) return;
    const asked = params.get('client');
    const clientId = asked && ClientId.safeParse(asked).success ? asked : randomBytes(12).toString('base64url');
    const conn = new Connection(clientId, ws, session?.actor ?? LOCAL_ACTOR, session !== null && !session.scopes.includes('projects:write'));
    const sinceParam = params.get('since');
    const since = sinceParam !== null && /^\d+$/.test(sinceParam) ? Number(sinceParam) : null;

    const missed = room.missedSince(since);
    conn.reply({
      type: 'server:welcome',
      protocolVersion: PROTOCOL_VERSION,
      projectId,
      serverClock: room.serverClock,
      clientId,
      catchUp: missed ? 'patches' : 'full_sync',
      lastClientClock: room.lastClientClock(clientId),
    });
    if (missed) for (const m of missed) conn.reply(m);
    else conn.reply(room.fullSync());
    for (const m of room.runtimeMessages()) conn.reply(m);
    room.clients.add(conn);
    announcePresence(room);
    const leave = () => {
      if (room.clients.delete(conn)) announcePresence(room);
    };
    ws.on('close', leave);
    ws.on('error', leave);

    deliver = (raw, isBinary) =>
      void onMessage(conn, room, raw, isBinary).catch(() =>
        conn.reply({ type: 'server:error', error: 'the engine could not handle this message', code: 'INTERNAL' }),
      );
    for (const [raw, isBinary] of early) deliver(raw, isBinary);
  }

  async function onMessage(conn: Connection, room: ProjectRoom, raw: Buffer, isBinary: boolean) {
    if (!conn.bucket.take()) {
      if (++conn.refused > FLOOD_CLOSE_AFTER) conn.socket.close(CLOSE_CODES.flood, 'flooding');
      else conn.floodNotice();
      return;
    }
    if (isBinary) return conn.reply({ type: 'server:error', error: 'binary messages are not accepted', code: 'BAD_MESSAGE' });
    if (raw.length > MAX_CLIENT_MESSAGE_BYTES)
      return conn.reply({ type: 'server:error', error: `message of ${raw.length} bytes refused: the limit is ${MAX_CLIENT_MESSAGE_BYTES}`, code: 'TOO_LARGE' });
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      return conn.reply({ type: 'server:error', error: 'malformed JSON', code: 'BAD_JSON' });
    }
    // Parsing drops a `__proto__` key silently; refuse it instead so client and server agree.
    const protoKey = findProtoKey(json);
    const parsed = protoKey === null ? ClientMessage.safeParse(json) : null;
    if (!parsed?.success) {
      const clientClock = (json as { clientClock?: unknown })?.clientClock;
      const issue = parsed?.error.issues[0];
      const reason = issue ? `invalid message: ${issue.path.join('.') || 'message'}: ${issue.message}` : `invalid message: key '${protoKey}' is not allowed`;
      const type = (json as { type?: unknown })?.type;
      if ((type === 'client:graph_edit' || type === 'client:update_node_data') && Number.isInteger(clientClock) && (clientClock as number) >= 0)
        return conn.reply({ type: 'server:reject', clientClock: clientClock as number, reason, serverClock: room.serverClock });
      return conn.reply({ type: 'server:error', error: reason, code: 'BAD_MESSAGE' });
    }
    const msg = parsed.data;
    if (conn.readOnly && msg.type !== 'client:sync_request' && msg.type !== 'client:ping') {
      const reason = 'this token is read-only (it lacks projects:write)';
      if ((msg.type === 'client:graph_edit' || msg.type === 'client:update_node_data') && msg.clientClock !== undefined)
        return conn.reply({ type: 'server:reject', clientClock: msg.clientClock, reason, serverClock: room.serverClock });
      return conn.reply({ type: 'server:error', error: reason, code: 'FORBIDDEN' });
    }
    switch (msg.type) {
      case 'client:graph_edit': {
        const result = room.applyClientEdits(conn, msg.clientClock, msg.edits);
        return conn.reply(
          result.ok
            ? { type: 'server:ack', clientClock: msg.clientClock, serverClock: result.serverClock }
            : { type: 'server:reject', clientClock: msg.clientClock, reason: result.reason, serverClock: result.serverClock },
        );
      }
      case 'client:update_node_data': {
        const result = room.applyClientEdits(conn, msg.clientClock, [{ op: 'update_node', id: msg.node_id, changes: { data: msg.data } }]);
        if (msg.clientClock === undefined) {
          if (!result.ok) conn.reply({ type: 'server:error', error: result.reason, code: 'EDIT_REJECTED' });
          return;
        }
        return conn.reply(
          result.ok
            ? { type: 'server:ack', clientClock: msg.clientClock, serverClock: result.serverClock }
            : { type: 'server:reject', clientClock: msg.clientClock, reason: result.reason, serverClock: result.serverClock },
        );
      }
      case 'client:sync_request':
        return conn.reply(room.fullSync());
      case 'client:ping':
        return conn.reply({ type: 'server:pong', t: msg.t });
      case 'client:start_generation':
      case 'client:cancel_generation':
      case 'client:render_final_sequence': {
        if (!generation) return conn.reply({ type: 'server:error', error: 'generation is not available on this engine', code: 'UNAVAILABLE' });
        try {
          const by = conn.actor ? { actor: conn.actor } : {};
          const force = 'force' in msg && msg.force !== undefined ? { force: msg.force } : {};
          const replies =
            msg.type === 'client:start_generation'
              ? await generation.start(room, msg.node_id, msg.idempotency_key, msg.policy, { ...force, ...by })
              : msg.type === 'client:cancel_generation'
                ? await generation.cancel(room, msg.node_id, msg.task_id, by)
                : await generation.render(room, msg.node_id, msg.backend, { ...force, ...(msg.draft === undefined ? {} : { draft: msg.draft }), ...by });
          for (const r of replies) conn.reply(r);
        } catch (error) {
          const code = ErrorCode.safeParse((error as { code?: unknown }).code);
          conn.reply({ type: 'server:error', error: (error as Error).message, code: code.success ? code.data : 'FAILED' });
        }
        return;
      }
    }
  }

  return {
    wss,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.close(CLOSE_CODES.serverShutdown, 'engine stopping');
        wss.close(() => resolve());
      }),
  };
}
