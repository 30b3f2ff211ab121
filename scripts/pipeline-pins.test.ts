// The pipeline pins: every Dockerfile's clone + checkout read offline, and the reachability check
// run against real local git repositories (github.com cannot be reached here).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPin, pinsOf, PinSyntaxError, readPins, type Pin } from './pipeline-pins.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The commits issue 16 names (on upstream main), and the ones that were already right. */
const EXPECTED: Record<string, Array<[string, string]>> = {
  't2v-wan2.1': [['https://github.com/Wan-Video/Wan2.1', '8177ee5bc6bcd49f7c9979f4c0abd426156df106']],
  't2v-wan2.1-1.3b': [['https://github.com/Wan-Video/Wan2.1', '8177ee5bc6bcd49f7c9979f4c0abd426156df106']],
  'i2v-ltx': [['https://github.com/Lightricks/LTX-Video', '34625c3a1fb4e9a7d2f091938f6989816343e270']],
  't2v-ltx-13b': [['https://github.com/Lightricks/LTX-Video', '34625c3a1fb4e9a7d2f091938f6989816343e270']],
  'motion-flexiact': [['https://github.com/shiyi-zh0408/FlexiAct', 'de9fe1d536732c4d1a384577b5ae54f8fc1730d7']],
  'ip-dreamo': [['https://github.com/bytedance/DreamO', '461e35ba6b068f42ca53b43f289b3d91b7f911cd']],
  'faceswap-reactor': [['https://github.com/Gourieff/ComfyUI-ReActor', '6ad6b35a4df250d14cb2abf0808c9ffedf59f747']],
  'edit-omnigen2': [['https://github.com/VectorSpaceLab/OmniGen2', '0f72fa92564d9f8ba76f53fcc3c05aca2372458f']],
  'restore-seedvr2': [
    ['https://github.com/ByteDance-Seed/SeedVR', '673b56374c2adb21b7628b90df3829d457a52bbb'],
    ['https://github.com/NVIDIA/apex', '24.04.01'],
  ],
  'a2v-fantasy-talking': [['https://github.com/Fantasy-AMAP/fantasy-talking', '82d8a3ffe235101f12c481cde985840158aba87d']],
  'sr-thera': [['https://github.com/prs-eth/thera', '97e95fc837333733cf1f4b132e94638a0f0c7037']],
  'tts-f5': [['https://github.com/SWivid/F5-TTS', '1d82b7928e0464dbf373fe9389760ee8a1529b6a']],
  // The GPU LoRA trainers: sd-scripts main after the sd3 merge (PR #2268), musubi-tuner main (PR #982).
  'train-lora-flux': [['https://github.com/kohya-ss/sd-scripts', '48d368fa557731ad0488c07304dfeba8c07910eb']],
  'train-lora-sd15': [['https://github.com/kohya-ss/sd-scripts', '48d368fa557731ad0488c07304dfeba8c07910eb']],
  'train-lora-sdxl': [['https://github.com/kohya-ss/sd-scripts', '48d368fa557731ad0488c07304dfeba8c07910eb']],
  'train-lora-wan21': [['https://github.com/kohya-ss/musubi-tuner', '30c658c4f4b0bf05038b3346eff9670259b10fc7']],
};

describe('the pins in pipelines/*/Dockerfile', () => {
  const pins = readPins(join(repoRoot, 'pipelines'));

  it('are exactly the commits and tags named for each pipeline', () => {
    const byPipeline: Record<string, Array<[string, string]>> = {};
    for (const pin of pins) (byPipeline[pin.pipeline] ??= []).push([pin.repo, pin.ref]);
    expect(byPipeline).toEqual(EXPECTED);
  });

  it('check out full 40-hex commits after a full clone; only a tag is cloned with --branch', () => {
    expect(pins.length).toBe(17);
    for (const pin of pins) {
      if (pin.kind === 'checkout') expect(pin.ref, `${pin.pipeline} ${pin.arg}`).toMatch(/^[0-9a-f]{40}$/);
      else expect(pin).toMatchObject({ pipeline: 'restore-seedvr2', arg: 'APEX_REF', ref: '24.04.01' });
    }
  });
});

describe('pinsOf refuses a malformed clone + checkout', () => {
  const dockerfile = (arg: string, run: string) => `FROM x:1\nARG ${arg}\nRUN ${run}\n`;
  const clone = 'git clone https://github.com/a/b.git /opt/b \\\n && git -C /opt/b checkout "$REF"';

  it.each([
    ['a short commit', dockerfile('REF=8177ee5', clone), /not a full 40-hex commit/],
    ['a moving ref', dockerfile('REF=main', clone), /moving ref/],
    ['an ARG without a value', dockerfile('REF', clone), /ARG REF has no value/],
    ['a shallow clone checked out', dockerfile(`REF=${'a'.repeat(40)}`, clone.replace('git clone', 'git clone --depth 1')), /cloned shallow/],
    ['a clone with no ref', dockerfile('REF=x', 'git clone https://github.com/a/b.git /opt/b && pip install /opt/b'), /without a pinned ref/],
    ['a checkout of another folder', dockerfile(`REF=${'a'.repeat(40)}`, clone.replace('git -C /opt/b', 'git -C /opt/c')), /without a pinned ref/],
  ])('%s', (_, text, message) => {
    expect(() => pinsOf('p', text)).toThrow(PinSyntaxError);
    expect(() => pinsOf('p', text)).toThrow(message);
  });

  it('reads a well-formed one, with or without .git', () => {
    const ref = 'b'.repeat(40);
    expect(pinsOf('p', dockerfile(`REF=${ref}`, clone))).toEqual([{ pipeline: 'p', repo: 'https://github.com/a/b', arg: 'REF', ref, kind: 'checkout' }]);
    expect(pinsOf('p', dockerfile('TAG=v1.2', 'git clone --depth 1 --branch "$TAG" https://github.com/a/b /opt/b'))).toEqual([
      { pipeline: 'p', repo: 'https://github.com/a/b', arg: 'TAG', ref: 'v1.2', kind: 'branch' },
    ]);
  });
});

describe('checkPin against real git remotes', () => {
  let scratch: string;
  let remote: string;
  const commits: Record<'main' | 'tagged' | 'pullOnly', string> = { main: '', tagged: '', pullOnly: '' };
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
  const pin = (ref: string, kind: Pin['kind'] = 'checkout', repo = `file://${remote}`): Pin => ({ pipeline: 'p', repo, arg: 'REF', ref, kind });

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'pins-test-'));
    const work = join(scratch, 'work');
    remote = join(scratch, 'remote.git');
    execFileSync('git', ['init', '--quiet', '-b', 'main', work]);
    const commit = (message: string) => {
      git(work, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '--allow-empty', '-m', message);
      return git(work, 'rev-parse', 'HEAD');
    };
    commits.tagged = commit('tagged');
    git(work, 'tag', 'v1.0');
    commits.main = commit('on main');
    // A commit only a pull-request ref reaches, as GitHub keeps them.
    git(work, 'checkout', '--quiet', '-b', 'pr');
    commits.pullOnly = commit('pull request');
    git(work, 'checkout', '--quiet', 'main');
    execFileSync('git', ['clone', '--bare', '--quiet', work, remote]);
    git(remote, 'update-ref', 'refs/pull/7/head', commits.pullOnly);
    git(remote, 'branch', '-D', 'pr');
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('passes a commit on a branch, and one a tag reaches', async () => {
    expect(await checkPin(pin(commits.main))).toMatchObject({ ok: true, refs: ['refs/heads/main'] });
    expect(await checkPin(pin(commits.tagged))).toMatchObject({ ok: true, refs: ['refs/heads/main', 'refs/tags/v1.0'] });
  });

  it('fails a commit only a pull-request ref reaches, and one that does not exist', async () => {
    expect(await checkPin(pin(commits.pullOnly))).toMatchObject({ ok: false, reason: 'not-on-branch-or-tag' });
    expect(await checkPin(pin('0'.repeat(40)))).toMatchObject({ ok: false, reason: 'not-on-branch-or-tag' });
  });

  it('checks a --branch pin against the remote’s tags and branches', async () => {
    expect(await checkPin(pin('v1.0', 'branch'))).toMatchObject({ ok: true, refs: ['refs/tags/v1.0'] });
    expect(await checkPin(pin('v9.9', 'branch'))).toMatchObject({ ok: false, reason: 'missing', message: expect.stringContaining('no branch or tag v9.9') });
  });

  it('says when the remote cannot be reached', async () => {
    const verdict = await checkPin(pin(commits.main, 'checkout', `file://${join(scratch, 'nowhere.git')}`));
    expect(verdict).toMatchObject({ ok: false, reason: 'unreachable-remote', message: expect.stringMatching(/^cannot reach file:\/\//) });
  });

  it('the script exits 3 with a clear message when no remote answers', () => {
    // Every github.com URL is rewritten to a folder that does not exist: no network needed.
    const run = spawnSync(join(repoRoot, 'scripts', 'check-pipeline-pins'), ['ip-dreamo'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: `url.file://${join(scratch, 'nowhere')}/.insteadOf`,
        GIT_CONFIG_VALUE_0: 'https://github.com/',
      },
    });
    expect(run.status, run.stderr).toBe(3);
    expect(run.stdout).toContain('skip  ip-dreamo DREAMO_REF=461e35ba6b068f42ca53b43f289b3d91b7f911cd: cannot reach https://github.com/bytedance/DreamO');
    expect(run.stderr).toMatch(/1 of 1 remotes could not be reached, so those pins are unchecked\. This needs network access/);
  });
});
