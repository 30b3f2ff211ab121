import { PassThrough, type Readable } from 'node:stream';

export interface CgiHead {
  status: number;
  headers: Record<string, string>;
  /** The body: the rest of the CGI's stdout, streamed as it comes. */
  body: Readable;
}

const MAX_HEAD = 64 * 1024;

/** Where the CGI header block ends (a blank line, CRLF or LF), and how long the separator is. */
function headEnd(buffer: Buffer): { at: number; length: number } | null {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
  if (lf >= 0) return { at: lf, length: 2 };
  return null;
}

/**
 * Reads a CGI program's header block (`Status: 200 OK`, `Content-Type: ...`, a blank line) off its
 * stdout and hands back the status, the headers and the rest of the stream, unbuffered.
 */
export function readCgiHead(stdout: Readable): Promise<CgiHead> {
  return new Promise((resolve, reject) => {
    let pending = Buffer.alloc(0);
    const fail = (error: Error) => {
      stdout.off('data', onData);
      stdout.off('end', onEnd);
      reject(error);
    };
    const onEnd = () => fail(new Error(`the CGI ended before its headers (${pending.length} bytes)`));
    const onData = (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const end = headEnd(pending);
      if (!end) {
        if (pending.length > MAX_HEAD) fail(new Error('the CGI header block is too long'));
        return;
      }
      stdout.off('data', onData);
      stdout.off('end', onEnd);
      stdout.off('error', fail);
      stdout.pause();
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of pending.subarray(0, end.at).toString('latin1').split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (name === 'status') status = Number.parseInt(value, 10) || 500;
        else headers[name] = value;
      }
      const body = new PassThrough();
      const rest = pending.subarray(end.at + end.length);
      if (rest.length) body.write(rest);
      stdout.pipe(body);
      stdout.resume();
      resolve({ status, headers, body });
    };
    stdout.on('data', onData);
    stdout.once('end', onEnd);
    stdout.once('error', fail);
  });
}
