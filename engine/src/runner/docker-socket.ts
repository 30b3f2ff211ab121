import { request } from 'node:http';
import { DockerRequestError } from './errors.ts';

/**
 * A GET of the Docker Engine API on its socket, answered with the parsed JSON (or the text) of a
 * 2xx reply. The questions asked at every start (does the daemon answer, is an image built) go
 * this way, so the start need not load dockerode (about 0.1 s) before it listens.
 */
export function dockerGet(socketPath: string, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        let parsed: unknown = body;
        if (/json/.test(res.headers['content-type'] ?? '')) {
          try {
            parsed = JSON.parse(body);
          } catch {
            // left as text
          }
        }
        if (status >= 200 && status < 300) resolve(parsed);
        else reject(new DockerRequestError(`docker ${path}: HTTP ${status} ${(parsed as { message?: string })?.message ?? body}`.trim(), { status }));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
