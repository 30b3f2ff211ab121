import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAsset, referenceImage, uploadImages } from '../testing/asset-fixture.ts';
import { gitClient } from '../testing/git-http-fixture.ts';
import { jobApp } from '../testing/job-app.ts';
import { projectWithShot } from '../testing/project-fixture.ts';
import { rawRequest } from '../testing/raw-http.ts';
import { testSettings } from '../testing/test-settings.ts';

const CAP = 3 * 1024 * 1024;
let studio: Awaited<ReturnType<typeof jobApp>>;
let scratch: string;
let projectId: string;
beforeAll(async () => {
  studio = await jobApp({ concurrency: 1, settings: testSettings({ STUDIO_MAX_MEDIA_UPLOAD: String(CAP) }) });
  scratch = await mkdtemp(join(tmpdir(), 'media-'));
  projectId = await projectWithShot(studio.base, { name: 'Media In', pipelineId: 'test-noop' });
});
afterAll(async () => {
  await studio?.close();
  await rm(scratch, { recursive: true, force: true });
});

const projectDir = () => join(studio.home, 'Projects', projectId);
const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function send(name: string, bytes: Buffer, type = 'application/octet-stream') {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
  const res = await fetch(`${studio.base}/api/v1/projects/${projectId}/media`, { method: 'POST', body: form });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a response body, read field by field by each test
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function leftovers() {
  const incoming = await readdir(join(projectDir(), '05_Cache/.incoming')).catch(() => []);
  return { incoming, status: git(projectDir(), 'status', '--porcelain') };
}

describe('media import (POST /api/v1/projects/:id/media, real ffmpeg, sharp, git-lfs)', () => {
  it('imports a video, an audio clip and an image, probed from their bytes, through LFS, once per content', async () => {
    ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=96x64:rate=25:duration=1', '-pix_fmt', 'yuv420p', join(scratch, 'clip.mp4'));
    const video = await send('My Clip (final).mp4', await readFile(join(scratch, 'clip.mp4')));
    expect(video.status).toBe(201);
    expect(video.body).toMatchObject({ kind: 'video', width: 96, height: 64, fps: 25, codec: 'h264', deduplicated: false });
    expect(video.body.path).toMatch(/^01_Assets\/Source_Media\/My_Clip_final_[0-9a-f]{12}\.mp4$/);
    expect(video.body.duration).toBeCloseTo(1, 1);
    expect((await stat(join(projectDir(), video.body.thumbnail))).size).toBeGreaterThan(0);
    expect(git(projectDir(), 'lfs', 'ls-files', '--name-only')).toContain(video.body.path);
    expect(git(projectDir(), 'log', '-1', '--format=%s').trim()).toMatch(/^Imported video My_Clip_final_[0-9a-f]{12}\.mp4 \(96x64 h264, 1\.0 s at 25 fps\)$/);
    // The upload's bytes are the LFS object itself (one inode, no copy; hashed while they streamed in),
    // the pointer is what git-lfs writes, and git finds the file clean by its stat, without git-lfs.
    const dir = projectDir();
    const bytes = await readFile(join(scratch, 'clip.mp4'));
    const oid = sha256(bytes);
    expect(video.body.sha256).toBe(oid);
    const object = join(dir, '.git/lfs/objects', oid.slice(0, 2), oid.slice(2, 4), oid);
    expect((await stat(object)).ino).toBe((await stat(join(dir, video.body.path))).ino);
    // No other name for it (the upload's scratch copy): removing one would change its ctime, and git would look again.
    expect((await stat(object)).nlink).toBe(2);
    expect(git(dir, 'cat-file', '-p', `HEAD:${video.body.path}`)).toBe(`version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${bytes.length}\n`);
    expect(git(dir, 'lfs', 'ls-files', '-l')).toContain(`${oid} * ${video.body.path}`);
    expect(git(dir, 'lfs', 'fsck')).toMatch(/Git LFS fsck OK/);
    // Not racily clean: git compares the file's mtime with the index's in whole seconds, and an entry
    // as new as its index would make the next git hash the whole file through git-lfs again.
    const entry = git(dir, 'ls-files', '--debug', '--', video.body.path);
    expect(Number(/size: (\d+)/.exec(entry)?.[1])).toBe(bytes.length);
    expect(Number(/mtime: (\d+)/.exec(entry)?.[1])).toBeLessThan(Math.floor((await stat(join(dir, '.git/index'))).mtimeMs / 1000));
    const status = spawnSync('git', ['status', '--porcelain'], { cwd: dir, env: { ...process.env, GIT_TRACE: '1' }, encoding: 'utf8' });
    expect(status.stdout).toBe('');
    expect(status.stderr).not.toMatch(/git-lfs/);
    expect(await readFile(join(dir, '.git/info/attributes'), 'utf8').catch(() => '')).not.toMatch(/studio-pointer/);
    // Checked out again (git-lfs's smudge from the object) and cloned over the engine's git HTTP: the real bytes.
    await unlink(join(dir, video.body.path));
    git(dir, 'checkout', '--', video.body.path);
    expect(sha256(await readFile(join(dir, video.body.path)))).toBe(oid);
    expect(sha256(await readFile(object))).toBe(oid);
    const client = await gitClient();
    try {
      await client.git(join(client.home, 'work'), ['clone', `${studio.base}/git/local/${projectId}.git`, 'clone']);
      expect(sha256(await readFile(join(client.home, 'work', 'clone', video.body.path)))).toBe(oid);
    } finally {
      await client.cleanup();
    }
    const commits = git(projectDir(), 'rev-list', '--count', 'HEAD');
    const again = await send('renamed.mp4', await readFile(join(scratch, 'clip.mp4')));
    expect(again).toMatchObject({ status: 200, body: { path: video.body.path, deduplicated: true } });
    expect(git(projectDir(), 'rev-list', '--count', 'HEAD')).toBe(commits);

    ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.5', join(scratch, 'tone.wav'));
    // The name says mp3; the bytes say WAV.
    const audio = await send('tone.mp3', await readFile(join(scratch, 'tone.wav')));
    expect(audio.body).toMatchObject({ kind: 'audio', codec: 'pcm_s16le' });
    expect(audio.body.path).toMatch(/\.wav$/);

    // EXIF orientation 6 (rotate 90): 300x200 pixels stored, 200x300 shown.
    const rotated = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#336699' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const image = await send('portrait.jpg', rotated);
    expect(image.body).toMatchObject({ kind: 'image', width: 200, height: 300 });
    expect(await leftovers()).toEqual({ incoming: [], status: '' });
  });

  it('imports an MPEG-TS clip (camera and broadcast files) through LFS like any other video', async () => {
    ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=96x64:rate=25:duration=1', '-pix_fmt', 'yuv420p', '-f', 'mpegts', join(scratch, 'clip.ts'));
    const video = await send('Broadcast.ts', await readFile(join(scratch, 'clip.ts')));
    expect(video.status, JSON.stringify(video.body)).toBe(201);
    expect(video.body).toMatchObject({ kind: 'video', width: 96, height: 64 });
    expect(video.body.path).toMatch(/^01_Assets\/Source_Media\/Broadcast_[0-9a-f]{12}\.ts$/);
    expect(git(projectDir(), 'lfs', 'ls-files', '--name-only')).toContain(video.body.path);
    expect(git(projectDir(), 'status', '--porcelain')).toBe('');
  });

  it("adds a media type an older project's .gitattributes lacks, so its import still goes through LFS", async () => {
    // A project made before the template tracked MPEG-TS: its attributes have no *.ts line.
    const attributes = join(projectDir(), '.gitattributes');
    const before = await readFile(attributes, 'utf8');
    await writeFile(attributes, before.replace(/^\*\.(ts|TS) .*\n/gm, ''));
    git(projectDir(), 'commit', '-qm', 'an older template', '--', '.gitattributes');
    expect(git(projectDir(), 'check-attr', 'filter', '--', 'x.ts')).toContain('unspecified');
    ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=80x48:rate=25:duration=1', '-pix_fmt', 'yuv420p', '-f', 'mpegts', join(scratch, 'old.ts'));
    const video = await send('Older.ts', await readFile(join(scratch, 'old.ts')));
    expect(video.status, JSON.stringify(video.body)).toBe(201);
    expect(git(projectDir(), 'lfs', 'ls-files', '--name-only')).toContain(video.body.path);
    expect(git(projectDir(), 'show', 'HEAD:.gitattributes')).toMatch(/^\*\.ts filter=lfs diff=lfs merge=lfs -text\n\*\.TS filter=lfs/m);
    expect(git(projectDir(), 'log', '-2', '--format=%s')).toMatch(/^Imported video Older_[0-9a-f]{12}\.ts .*\nGit LFS tracks \.ts files/);
    expect(git(projectDir(), 'status', '--porcelain')).toBe('');
  });

  it('refuses every bad input with a 4xx naming the problem and leaves nothing behind', async () => {
    const before = git(projectDir(), 'rev-list', '--count', 'HEAD');
    const media = async () => (await readdir(join(projectDir(), '01_Assets/Source_Media'))).sort();
    const kept = await media();
    expect(await send('empty.mp4', Buffer.alloc(0))).toMatchObject({ status: 400, body: { code: 'EMPTY_UPLOAD' } });
    expect(await send('notes.mp4', Buffer.from('just some text, not a video\n'.repeat(20)))).toMatchObject({
      status: 415,
      body: { code: 'UNSUPPORTED_MEDIA' },
    });
    const pdf = await send('x.png', Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'));
    expect(pdf.status).toBe(415);
    expect(pdf.body.error).toMatch(/application\/pdf/);
    const clip = await readFile(join(scratch, 'clip.mp4'));
    const cut = await send('cut.mp4', clip.subarray(0, Math.floor(clip.length / 2)));
    expect(cut.status).toBe(422);
    expect(cut.body.code).toBe('CORRUPT_MEDIA');
    // A Matroska file cut short: the old full decode let it through; every packet is read now.
    ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=96x64:rate=25:duration=2', '-pix_fmt', 'yuv420p', join(scratch, 'clip.mkv'));
    const mkv = await readFile(join(scratch, 'clip.mkv'));
    const cutMkv = await send('cut.mkv', mkv.subarray(0, Math.floor(mkv.length * 0.9)));
    expect(cutMkv).toMatchObject({ status: 422, body: { code: 'CORRUPT_MEDIA' } });
    expect(cutMkv.body.error).toMatch(/cut\.mkv is truncated or corrupt/);
    const png = await referenceImage(1);
    expect(await send('half.png', png.subarray(0, Math.floor(png.length / 2)))).toMatchObject({ status: 422, body: { code: 'CORRUPT_MEDIA' } });
    const big = await send('huge.mp4', Buffer.concat([clip, Buffer.alloc(CAP)]));
    expect(big).toMatchObject({ status: 413, body: { code: 'UPLOAD_TOO_LARGE' } });
    // A hostile name is only a label: the file lands inside Source_Media under a safe name.
    const hostile = await send('../../../.git/hooks/pre-commit\u202e.png', await referenceImage(2));
    expect(hostile.status).toBe(201);
    expect(hostile.body.path).toMatch(/^01_Assets\/Source_Media\/pre-commit_[0-9a-f]{12}\.png$/);
    // An upload cut off mid-body.
    const port = Number(new URL(studio.base).port);
    const boundary = 'xBOUNDARYx';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.mp4"\r\nContent-Type: video/mp4\r\n\r\n`;
    const partial = Buffer.concat([Buffer.from(head), clip.subarray(0, 2000)]);
    await rawRequest(
      port,
      Buffer.concat([
        Buffer.from(
          `POST /api/v1/projects/${projectId}/media HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${partial.length + 50000}\r\n\r\n`,
        ),
        partial,
      ]),
      500,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(await send('plain.txt', Buffer.alloc(0))).toMatchObject({ status: 400 });
    expect(await media()).toEqual([...kept, hostile.body.path.split('/').pop()].sort());
    expect(Number(git(projectDir(), 'rev-list', '--count', 'HEAD'))).toBe(Number(before) + 1);
    expect(await leftovers()).toEqual({ incoming: [], status: '' });
    const notMultipart = await fetch(`${studio.base}/api/v1/projects/${projectId}/media`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(notMultipart.status).toBe(400);
    expect((await fetch(`${studio.base}/api/v1/projects/no-such-project/media`, { method: 'POST', body: new FormData() })).status).toBe(404);
  });

  it('takes reference images from a zip (skipping macOS clutter) and refuses a zip bomb', async () => {
    const { body: asset } = await createAsset(studio.base, { name: 'Zipped', kind: 'object', trigger_word: 'zipobj' });
    const imgs = await Promise.all([0, 1, 2].map((i) => referenceImage(i)));
    const script = `import zipfile, sys, base64, json
files = json.loads(sys.stdin.read())
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for name, b64 in files.items(): z.writestr(name, base64.b64decode(b64))
    if sys.argv[2] == 'bomb': z.writestr('zeros.png', b'\\0' * (60 * 1024 * 1024))`;
    const zip = (path: string, mode: string, files: Record<string, string>) =>
      execFileSync('/usr/bin/python3', ['-c', script, path, mode], { input: JSON.stringify(files) });
    zip(join(scratch, 'refs.zip'), 'plain', {
      'a.png': imgs[0]!.toString('base64'),
      'dir/b.png': imgs[1]!.toString('base64'),
      '__MACOSX/._a.png': 'AAAA',
      '.DS_Store': 'AAAA',
    });
    const ok = await uploadImages(studio.base, asset.id, [{ name: 'refs.zip', bytes: await readFile(join(scratch, 'refs.zip')) }]);
    expect(ok.status).toBe(201);
    expect(ok.body.added).toHaveLength(2);
    zip(join(scratch, 'bomb.zip'), 'bomb', { 'c.png': imgs[2]!.toString('base64') });
    const bomb = await uploadImages(studio.base, asset.id, [{ name: 'bomb.zip', bytes: await readFile(join(scratch, 'bomb.zip')) }]);
    expect(bomb.status).toBe(422);
    expect(bomb.body.refused[0]).toMatchObject({ file: 'bomb.zip', code: 'ZIP_REFUSED' });
    const lib = join(studio.home, 'Library/Generative_Assets');
    expect(await readdir(join(lib, '.incoming'))).toEqual([]);
    expect(git(lib, 'status', '--porcelain')).toBe('');
    // A mixed batch: the good image is kept, the bad ones are listed with their reasons.
    const small = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } })
      .png()
      .toBuffer();
    const mixed = await uploadImages(studio.base, asset.id, [
      { name: 'good.png', bytes: imgs[2]! },
      { name: 'tiny.png', bytes: small },
      { name: 'fake.png', bytes: Buffer.from('nope') },
    ]);
    expect(mixed.status).toBe(201);
    expect(mixed.body.refused.map((r: { code: string }) => r.code)).toEqual(['IMAGE_TOO_SMALL', 'UNSUPPORTED_MEDIA']);
  });
});
