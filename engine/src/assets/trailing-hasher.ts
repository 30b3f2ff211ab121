import { Worker } from 'node:worker_threads';

/*
 * The worker is plain CommonJS evaluated from this string, so it runs the same under tsx, vitest
 * and a built engine (no loader is needed for a .ts worker file). It reads the file behind its
 * writer, from the page cache, up to the length the writer last reported, and hashes it.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const fd = openSync(workerData.path, 'r');
const hash = createHash('sha256');
const buffer = Buffer.allocUnsafe(1 << 20);
let position = 0;
let written = 0;
let done = false;
parentPort.on('message', (message) => {
  written = Math.max(written, message.written);
  done = done || message.done;
  try {
    while (position < written) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, written - position), position);
      if (n <= 0) throw new Error('the file is shorter than what was written to it');
      hash.update(n === buffer.length ? buffer : buffer.subarray(0, n));
      position += n;
    }
    if (done) {
      closeSync(fd);
      parentPort.postMessage({ sha256: hash.digest('hex') });
    }
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
});
`;

/**
 * The sha256 of a file being written, taken on a worker thread that follows the writer through the
 * page cache: the event loop that receives the upload does not spend its time hashing, and no
 * second pass over the file is needed once it is written. Tell it each length written, then
 * `finish` with the final length.
 */
export class TrailingHasher {
  readonly #worker: Worker;
  readonly #digest: Promise<string>;

  constructor(path: string) {
    this.#worker = new Worker(WORKER, { eval: true, workerData: { path } });
    this.#digest = new Promise((resolve, reject) => {
      this.#worker.on('message', (message: { sha256?: string; error?: string }) => {
        if (message.sha256) resolve(message.sha256);
        else reject(new Error(`hashing the upload failed: ${message.error}`));
        void this.#worker.terminate();
      });
      this.#worker.on('error', reject);
      this.#worker.on('exit', (code) => reject(new Error(`the hashing worker stopped (exit ${code})`)));
    });
    this.#digest.catch(() => undefined);
  }

  /** Bytes 0..length of the file are on their way to disk (written by the writer, so readable). */
  written(length: number): void {
    this.#worker.postMessage({ written: length, done: false });
  }

  finish(length: number): Promise<string> {
    this.#worker.postMessage({ written: length, done: true });
    return this.#digest;
  }

  async abandon(): Promise<void> {
    await this.#worker.terminate();
  }
}
