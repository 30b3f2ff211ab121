import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The Debian packages a test radosgw needs; the message names them when they are missing. */
export const RADOSGW_PACKAGES = ['ceph-mon', 'ceph-osd', 'radosgw', 'ceph-common'] as const;
const BINARIES = ['/usr/bin/ceph-mon', '/usr/bin/ceph-osd', '/usr/bin/radosgw', '/usr/bin/radosgw-admin', '/usr/bin/monmaptool', '/usr/bin/ceph'];

export interface Radosgw {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Stops the gateway only (S3 down); the mon and the OSD keep the objects. */
  stopGateway: () => Promise<void>;
  /** Starts the gateway again on the same port and waits until it answers; one that runs is left as it is. */
  startGateway: () => Promise<void>;
  /** Stops every daemon and deletes the folder. */
  stop: () => Promise<void>;
  /** The daemons' logs, for a failing test's message. */
  logs: () => Promise<string>;
}

export function radosgwMissing(): string | null {
  const missing = BINARIES.filter((b) => !existsSync(b));
  if (!missing.length) return null;
  return `radosgw is not installed (${missing.join(', ')} missing): apt-get install --no-install-recommends ${RADOSGW_PACKAGES.join(' ')}`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/*
 * Without the crc modes radosgw hangs at start on auth error -13 (research/git-lfs-s3.md); with
 * `auth * required = none` no keyrings are needed. One memstore OSD holds the objects in memory, so
 * the whole cluster is about 180 MiB and gone when it stops.
 */
function cephConf({ dir, fsid, monPort, rgwPort }: { dir: string; fsid: string; monPort: number; rgwPort: number }): string {
  return `[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
ms client mode = crc
ms cluster mode = crc
ms service mode = crc
ms mon cluster mode = crc
ms mon service mode = crc
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd pool default pg autoscale mode = off
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = ${4 * 1024 ** 3}
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
pid file = ${dir}/run/$name.pid
mon data = ${dir}/mon/$name
osd data = ${dir}/osd/$name
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
`;
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function daemon(args: string[], dir: string, name: string): ChildProcess {
  const child = spawn(args[0]!, args.slice(1), { cwd: dir, stdio: ['ignore', 'ignore', 'ignore'] });
  child.on('error', (error) => void writeFile(join(dir, 'log', `${name}.spawn-error`), String(error)).catch(() => undefined));
  return child;
}

async function stopChild(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * A real S3 server that checks SigV4 signatures: one Ceph mon, one memstore OSD and radosgw on free
 * ports, with one user whose keys it returns. Installs nothing: when the packages are missing it
 * throws with the apt-get line. Ready in about 10-20 s.
 */
export async function startRadosgw({ timeoutMs = 60_000 }: { timeoutMs?: number } = {}): Promise<Radosgw> {
  const missing = radosgwMissing();
  if (missing) throw new Error(missing);
  const dir = await mkdtemp(join(tmpdir(), 'studio-radosgw-'));
  for (const folder of ['run', 'log', 'mon', 'osd/osd.0', 'rgw']) await mkdir(join(dir, folder), { recursive: true });
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const fsid = randomUUID();
  const conf = join(dir, 'ceph.conf');
  await writeFile(conf, cephConf({ dir, fsid, monPort, rgwPort }));
  const ceph = (args: string[]) => run('/usr/bin/ceph', ['-c', conf, '--connect-timeout', '10', ...args], { cwd: dir });
  let mon: ChildProcess | null = null;
  let osd: ChildProcess | null = null;
  let gateway: ChildProcess | null = null;
  const endpoint = `http://127.0.0.1:${rgwPort}`;
  const accessKeyId = `AK${randomBytes(9).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(24).toString('base64url');

  const logs = async () => {
    const parts: string[] = [];
    for (const name of ['mon.a', 'osd.0', 'client.rgw']) {
      const text = await readFile(join(dir, 'log', `${name}.log`), 'utf8').catch(() => '');
      parts.push(`--- ${name}\n${text.split('\n').slice(-30).join('\n')}`);
    }
    return parts.join('\n');
  };
  const startGateway = async () => {
    // A second gateway would fail to bind while the first went on serving, unseen by stopGateway.
    if (gateway && gateway.exitCode === null && gateway.signalCode === null) return;
    gateway = daemon(['/usr/bin/radosgw', '-f', '-n', 'client.rgw', '-c', conf], dir, 'rgw');
    await waitFor('radosgw', timeoutMs, async () => (await fetch(endpoint)).status === 200);
  };
  const stopGateway = async () => {
    await stopChild(gateway);
    gateway = null;
  };
  const stop = async () => {
    await stopGateway();
    await stopChild(osd);
    await stopChild(mon);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await run('/usr/bin/monmaptool', ['--create', '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, '--fsid', fsid, join(dir, 'monmap')], { cwd: dir });
    await run('/usr/bin/ceph-mon', ['--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap'), '-c', conf], { cwd: dir });
    mon = daemon(['/usr/bin/ceph-mon', '-f', '-i', 'a', '-c', conf], dir, 'mon');
    await waitFor('ceph-mon', timeoutMs, async () => (await ceph(['mon', 'stat'])).stdout.includes('quorum'));
    const osdUuid = randomUUID();
    await ceph(['osd', 'new', osdUuid]);
    await run('/usr/bin/ceph-osd', ['-i', '0', '--mkfs', '-c', conf, '--osd-uuid', osdUuid], { cwd: dir });
    osd = daemon(['/usr/bin/ceph-osd', '-f', '-i', '0', '-c', conf], dir, 'osd');
    await waitFor('ceph-osd', timeoutMs, async () => /1 up/.test((await ceph(['osd', 'stat'])).stdout));
    await startGateway();
    await run(
      '/usr/bin/radosgw-admin',
      ['-c', conf, 'user', 'create', '--uid', 'studio-test', '--display-name', 'studio test', '--access-key', accessKeyId, '--secret-key', secretAccessKey],
      { cwd: dir },
    );
  } catch (error) {
    const text = await logs();
    await stop();
    throw new Error(`radosgw did not start: ${(error as Error).message}\n${text}`);
  }
  return { endpoint, region: 'us-east-1', accessKeyId, secretAccessKey, stopGateway, startGateway, stop, logs };
}
