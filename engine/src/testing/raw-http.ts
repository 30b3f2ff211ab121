import { connect } from 'node:net';

export interface RawResponse {
  /** 0 when the server closed without answering. */
  status: number;
  head: string;
  body: string;
}

/**
 * Sends bytes exactly as given over TCP (request targets and headers no HTTP client would send:
 * absolute-form, invalid percent-encoding, raw upgrades) and reads the answer until the server
 * closes or `timeoutMs` passes. Ask for `Connection: close` to get the answer promptly.
 */
export function rawRequest(port: number, request: string | Buffer, timeoutMs = 5000, host = '127.0.0.1'): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: split < 0 ? '' : text.slice(split + 4) });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (d) => chunks.push(d));
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
    socket.write(request);
  });
}

/** A GET (or other method) with a raw request target and extra header lines. */
export function rawTarget(port: number, method: string, target: string, headers: Record<string, string> = {}, body = ''): Promise<RawResponse> {
  const all: Record<string, string> = { Host: '127.0.0.1', Connection: 'close', ...headers };
  const lines = [`${method} ${target} HTTP/1.1`];
  for (const [k, v] of Object.entries(all)) lines.push(`${k}: ${v}`);
  if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return rawRequest(port, `${lines.join('\r\n')}\r\n\r\n${body}`);
}

export const UPGRADE_HEADERS = {
  Connection: 'Upgrade',
  Upgrade: 'websocket',
  'Sec-WebSocket-Version': '13',
  'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
};
