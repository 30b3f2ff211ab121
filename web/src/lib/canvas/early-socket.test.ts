import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { PROTOCOL_VERSION } from '@studio/node-schemas';
import type { WebSocketLike } from '@studio/node-schemas/sync';
import {
  EARLY_PROTOCOL_VERSION,
  canvasProjectId,
  dropEarlySocket,
  earlyClientId,
  markProjectOpen,
  openProjectSocketEarly,
  projectSocketBase,
  takeEarlySocket,
} from './early-socket';

const realSocket = (url: string) => new WebSocket(url) as unknown as WebSocketLike;

describe('early socket', () => {
  let server: WebSocketServer;
  let origin: { protocol: string; host: string };
  /** What the server saw: each connection's path and query, and whether it closed. */
  let seen: Array<{ url: string; closed: boolean }>;

  beforeEach(async () => {
    seen = [];
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    origin = { protocol: 'http:', host: `127.0.0.1:${(server.address() as AddressInfo).port}` };
    server.on('connection', (socket, request) => {
      const entry = { url: request.url ?? '', closed: false };
      seen.push(entry);
      socket.on('close', () => (entry.closed = true));
      // Like the engine: a welcome, then the graph, as soon as the socket is open.
      socket.send('welcome');
      socket.send('graph');
    });
  });

  afterEach(async () => {
    dropEarlySocket();
    for (const client of server.clients) client.terminate();
    server.close();
    await once(server, 'close');
  });

  it('asks for the protocol version the canvas speaks', () => {
    expect(EARLY_PROTOCOL_VERSION).toBe(PROTOCOL_VERSION);
  });

  it('reads the project of a canvas address, and only of a canvas address', () => {
    expect(canvasProjectId('/projects/my%20film')).toBe('my film');
    expect(canvasProjectId('/projects/abc/')).toBe('abc');
    expect(canvasProjectId('/projects/abc/history')).toBeNull();
    expect(canvasProjectId('/assets')).toBeNull();
    expect(canvasProjectId('/projects/%E0%A4%A')).toBeNull();
  });

  it('holds what arrives before the canvas takes the socket, then hands it over in order', async () => {
    const base = projectSocketBase('p1', origin);
    openProjectSocketEarly('p1', realSocket, base);
    const clientId = earlyClientId('p1');
    expect(clientId).toMatch(/^[A-Za-z0-9_-]{16}$/);
    // Both messages have arrived and wait, with no handler yet.
    await expect.poll(() => seen.length).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen[0]!.url).toBe(`/ws/p1?protocol=${PROTOCOL_VERSION}&client=${clientId}`);

    // Another address (another project, or another protocol) is not handed this socket.
    expect(takeEarlySocket(`${base}?protocol=${PROTOCOL_VERSION}&client=someoneelse00000`)).toBeNull();
    const socket = takeEarlySocket(`${base}?protocol=${PROTOCOL_VERSION}&client=${clientId}`);
    expect(socket).not.toBeNull();
    const received: string[] = [];
    socket!.onmessage = (event) => received.push(String(event.data));
    await expect.poll(() => received).toEqual(['welcome', 'graph']);
    // Handed over once: the next canvas opens its own.
    expect(takeEarlySocket(`${base}?protocol=${PROTOCOL_VERSION}&client=${clientId}`)).toBeNull();
    expect(earlyClientId('p1')).toBeNull();
    socket!.close();
    await expect.poll(() => seen[0]!.closed).toBe(true);
  });

  it('opens none for a project a canvas has open, and closes one nobody took', async () => {
    markProjectOpen('p2', true);
    openProjectSocketEarly('p2', realSocket, projectSocketBase('p2', origin));
    expect(earlyClientId('p2')).toBeNull();
    markProjectOpen('p2', false);

    openProjectSocketEarly('p3', realSocket, projectSocketBase('p3', origin));
    await expect.poll(() => seen.length).toBe(1);
    // Going to another project drops the first one's socket.
    openProjectSocketEarly('p4', realSocket, projectSocketBase('p4', origin));
    await expect
      .poll(() => seen.map((s) => [s.url.split('?')[0], s.closed]))
      .toEqual([
        ['/ws/p3', true],
        ['/ws/p4', false],
      ]);
    expect(earlyClientId('p3')).toBeNull();
    expect(earlyClientId('p4')).not.toBeNull();
  });
});
