import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { InvalidSettingError, loadSettings } from './load-settings.ts';
import { settingsTable } from './settings-table.ts';
import { VARIABLES } from './variables.ts';

describe('loadSettings', () => {
  it('gives every default from an empty environment', () => {
    const s = loadSettings({});
    expect(s).toMatchObject({
      host: '127.0.0.1',
      port: 7860,
      backend: 'auto',
      concurrency: 2,
      lockDurationMs: 30_000,
      inProcessWorker: true,
      workerGpus: 'all',
      dockerSocket: '/var/run/docker.sock',
      path: '/usr/bin:/bin',
      home: '/tmp',
    });
    expect(s.studioHome).toBe(join(REPO_ROOT, 'workspace'));
    expect(s.pipelineRoots).toEqual([join(REPO_ROOT, 'pipelines')]);
    expect(s.maxMediaUpload).toBe(64 * 1024 ** 3);
    expect([s.redisUrl, s.modelsDir, s.workerName, s.workerVramGB]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('parses what is set, and counts empty values as unset', () => {
    const s = loadSettings({
      PORT: '0',
      HOST: '0.0.0.0',
      PIPELINES_PATH: '/a::/b',
      STUDIO_LOCAL_WORKER: '0',
      WORKER_VRAM_GB: '',
      WORKER_GPUS: '0, 2',
      STUDIO_TRAIN_STEP_DELAY_S: '0.25',
      STUDIO_HOME: 'rel/home',
    });
    expect(s.port).toBe(0);
    expect(s.host).toBe('0.0.0.0');
    expect(s.pipelineRoots).toEqual([join(REPO_ROOT, 'pipelines'), '/a', '/b']);
    expect(s.inProcessWorker).toBe(false);
    expect(s.workerVramGB).toBeUndefined();
    expect(s.workerGpus).toBe('0, 2');
    expect(s.trainStepDelayS).toBe(0.25);
    expect(s.studioHome).toBe(join(process.cwd(), 'rel/home'));
  });

  it('refuses bad values with an error naming every variable it refuses', () => {
    const bad = {
      PORT: '70000',
      RUNNER_BACKEND: 'kubernetes',
      WORKER_CONCURRENCY: '0',
      WORKER_LOCK_MS: '1e3',
      STUDIO_LOCAL_WORKER: 'no',
      WORKER_GPUS: 'some',
      WORKER_VRAM_GB: 'lots',
    };
    let error: unknown;
    try {
      loadSettings(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidSettingError);
    const { message, code, data } = error as InvalidSettingError;
    expect(code).toBe('INVALID_SETTING');
    expect([...(data.variables as string[])].sort()).toEqual(Object.keys(bad).sort());
    expect(message).toContain('PORT="70000": must be at most 65535');
    expect(message).toContain('RUNNER_BACKEND="kubernetes": must be one of auto, docker, process');
    expect(message).toContain('WORKER_CONCURRENCY="0": must be at least 1');
    expect(message).toContain('WORKER_LOCK_MS="1e3": must be a whole number');
    expect(message).toContain('STUDIO_LOCAL_WORKER="no": must be 0, 1, false or true');
    expect(message).toContain('WORKER_VRAM_GB="lots": must be a number');
  });

  it('documents every variable with its type, default and meaning, and the README carries that table', () => {
    for (const [name, v] of Object.entries(VARIABLES)) {
      expect(v.doc.length, name).toBeGreaterThan(10);
      expect('default' in v || 'shownDefault' in v, `${name} has no default to show`).toBe(true);
    }
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(settingsTable());
  });
});
