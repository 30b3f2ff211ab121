import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '@studio/node-schemas';
import { rawRequest } from '../raw-http.ts';
import { fuzzRequest } from './http-fuzz.ts';
import { fuzzMessage, hostileUpgrade } from './ws-fuzz.ts';

/** Resident memory of a process in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : NaN;
}

export interface WsFuzzResult {
  messages: number;
  upgrades: number;
  reconnects: number;
}

/** `connections` clients send `total` fuzzed messages, pacing with a ping every batch; malformed upgrades in between. */
export async function fuzzWebSocket({
  port,
  projectId,
  token,
  total,
  random,
  connections = 6,
  batch = 150,
}: {
  port: number;
  projectId: string;
  token: string;
  total: number;
  random: () => number;
  connections?: number;
  batch?: number;
}): Promise<WsFuzzResult> {
  const result: WsFuzzResult = { messages: 0, upgrades: 0, reconnects: 0 };
  const nodeIds = Array.from({ length: 20 }, (_, i) => `seed-${i}`);
  const open = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/${projectId}?protocol=${PROTOCOL_VERSION}&token=${token}`);
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
  const client = async (index: number) => {
    let clock = 1;
    let socket = await open();
    while (result.messages < total) {
      if (socket.readyState !== WebSocket.OPEN) {
        socket = await open();
        result.reconnects++;
      }
      for (let i = 0; i < batch && socket.readyState === WebSocket.OPEN; i++, result.messages++) socket.send(fuzzMessage(random, clock++, nodeIds));
      // Pace: wait for the pong of this batch (or the socket closing: invalid UTF-8 and floods close it).
      const marker = index * 1e9 + clock;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 15_000);
        function done() {
          clearTimeout(timer);
          socket.off('message', onMessage);
          socket.off('close', done);
          resolve();
        }
        function onMessage(raw: WebSocket.RawData) {
          if (String(raw).includes(`"t":${marker}`)) done();
        }
        socket.on('message', onMessage);
        socket.on('close', done);
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'client:ping', t: marker }));
        else done();
      });
      await rawRequest(port, hostileUpgrade(random, projectId, token), 1000);
      result.upgrades++;
    }
    socket.close();
  };
  await Promise.all(Array.from({ length: connections }, (_, i) => client(i)));
  return result;
}

export interface HttpFuzzResult {
  requests: number;
  raw: number;
  statuses: Record<string, number>;
  serverErrors: Array<{ method: string; path: string; status: number }>;
}

const RAW_GARBAGE = [
  'GET // HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  'GET http://x/api/v1/projects HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  'GET /api/v1/projects HTTP/1.1\r\nHost: x\r\nCookie: studio_token=%E0%A4%A\r\nConnection: close\r\n\r\n',
  'GET /%61pi/v1/projects HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  'POST /api/v1/projects HTTP/1.1\r\nHost: x\r\nContent-Length: 99999\r\nConnection: close\r\n\r\n{"na',
  'POST /api/v1/projects HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\nConnection: close\r\n\r\nzz\r\n',
  'GARBAGE\r\n\r\n',
  '\x00\x01\x02\xff\r\n\r\n',
  `GET /${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
  'GET / HTTP/1.1\r\nHost: x\r\nX: \x7f\x00\r\nConnection: close\r\n\r\n',
];

/** `total` fuzzed requests over keep-alive connections, 1 in 20 of them raw bytes over their own socket. */
export async function fuzzHttp({
  port,
  token,
  total,
  random,
  concurrency = 6,
}: {
  port: number;
  token: string;
  total: number;
  random: () => number;
  concurrency?: number;
}): Promise<HttpFuzzResult> {
  const result: HttpFuzzResult = { requests: 0, raw: 0, statuses: {}, serverErrors: [] };
  const count = (status: number) => (result.statuses[status] = (result.statuses[status] ?? 0) + 1);
  const worker = async () => {
    while (result.requests + result.raw < total) {
      if (random() < 0.05) {
        result.raw++;
        const res = await rawRequest(port, RAW_GARBAGE[Math.floor(random() * RAW_GARBAGE.length)]!, 2000);
        count(res.status);
        if (res.status >= 500) result.serverErrors.push({ method: 'RAW', path: '', status: res.status });
        continue;
      }
      const req = fuzzRequest(random, token);
      result.requests++;
      try {
        const res = await fetch(`http://127.0.0.1:${port}${req.path}`, { method: req.method, headers: req.headers, body: req.body });
        await res.arrayBuffer();
        count(res.status);
        if (res.status >= 500) result.serverErrors.push({ method: req.method, path: req.path, status: res.status });
      } catch {
        count(0); // the client refused to send it (an invalid URL or header): nothing reached the engine
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  return result;
}
