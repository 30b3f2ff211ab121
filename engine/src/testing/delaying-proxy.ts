import { createConnection, createServer, type Socket } from 'node:net';

export interface DelayingProxy {
  /** `http://127.0.0.1:<port>`: give it as the S3 endpoint; the presigned URLs then name it (and are signed for it). */
  endpoint: string;
  /** The next connection whose first request is a PUT waits `ms` before it reaches the server. */
  holdNextPut: (ms: number) => void;
  close: () => Promise<void>;
}

/**
 * A TCP proxy in front of a real server (radosgw) that forwards bytes unchanged, so signatures
 * still check. It can hold back one upload, which lets a test make the client's other actions run
 * out mid-transfer. When the server is down, connections through it are reset, as a dead server's would be.
 */
export async function delayingProxy(upstream: string): Promise<DelayingProxy> {
  const target = new URL(upstream);
  let hold = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    const backend = createConnection({ host: target.hostname, port: Number(target.port) });
    sockets.add(backend);
    let first = true;
    client.on('data', (chunk: Buffer) => {
      if (first && hold > 0 && chunk.subarray(0, 4).toString('latin1') === 'PUT ') {
        const ms = hold;
        hold = 0;
        client.pause();
        setTimeout(() => {
          backend.write(chunk);
          client.resume();
        }, ms);
      } else backend.write(chunk);
      first = false;
    });
    backend.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      backend.destroy();
      sockets.delete(client);
      sockets.delete(backend);
    };
    client.on('close', end).on('error', end);
    backend.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    holdNextPut: (ms) => {
      hold = ms;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
