import { describe, expect, it } from 'vitest';
import { runnerBackend } from './runner-backend.ts';

describe('the runner backend health reports', () => {
  it('is the one RUNNER_BACKEND names, whatever answers on the docker socket', () => {
    expect(runnerBackend({ preference: 'process', dockerDaemon: true })).toEqual({ backend: 'process', preference: 'process' });
    expect(runnerBackend({ preference: 'docker', dockerDaemon: false })).toEqual({ backend: 'docker', preference: 'docker' });
  });

  it('is docker when a daemon answers and process otherwise, by default', () => {
    expect(runnerBackend({ preference: undefined, dockerDaemon: true }).backend).toBe('docker');
    expect(runnerBackend({ preference: 'auto', dockerDaemon: false }).backend).toBe('process');
  });
});
