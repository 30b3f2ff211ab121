import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCgiHead } from './cgi-response.ts';
import { gitProtocolOf } from './git-protocol.ts';
import { expiresInFor } from './lfs-expiry.ts';

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

describe('the CGI answer of git http-backend', () => {
  it('reads the Status line and headers split across chunks, and streams the rest of the body untouched', async () => {
    const stdout = new PassThrough();
    const head = readCgiHead(stdout);
    stdout.write('Status: 403 Forbidden\r\nContent-Type: text/pl');
    stdout.write('ain\r\n\r\nfirst ');
    const { status, headers, body } = await head;
    stdout.end('second');
    expect(status).toBe(403);
    expect(headers).toEqual({ 'content-type': 'text/plain' });
    expect(await text(body)).toBe('first second');
  });

  it('defaults to 200 with LF line ends, and fails when the program ends before its headers', async () => {
    const ok = new PassThrough();
    const head = readCgiHead(ok);
    ok.end('Content-Type: application/x-git-upload-pack-advertisement\n\n0000');
    expect((await head).status).toBe(200);
    const cut = new PassThrough();
    const failed = readCgiHead(cut);
    cut.end('Content-Type: x');
    await expect(failed).rejects.toThrow(/ended before its headers/);
  });
});

describe('what reaches git from a request', () => {
  it('passes only a well-formed Git-Protocol header', () => {
    expect(gitProtocolOf('version=2')).toBe('version=2');
    expect(gitProtocolOf('version=2:object-format=sha256')).toBe('version=2:object-format=sha256');
    for (const bad of ['version=2; rm -rf /', 'version=2\nX: y', '', undefined, 'a'.repeat(300)]) expect(gitProtocolOf(bad)).toBeNull();
  });

  it('hands out expires_in a little below the URL lifetime, above the client’s 5 s margin for short ones', () => {
    expect(expiresInFor(900)).toBe(840);
    expect(expiresInFor(8)).toBe(7);
    expect(expiresInFor(60)).toBe(54);
  });
});
