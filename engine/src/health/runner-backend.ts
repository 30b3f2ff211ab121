/**
 * The backend the Function Runner uses, as /api/v1/health reports it: the one RUNNER_BACKEND
 * names, or (auto, the default) docker when a daemon answers, else the host's process backend.
 */
export function runnerBackend(args: { preference: string | undefined; dockerDaemon: boolean }): {
  backend: 'docker' | 'process';
  preference: 'auto' | 'docker' | 'process';
} {
  const preference = args.preference === 'docker' || args.preference === 'process' ? args.preference : 'auto';
  if (preference !== 'auto') return { backend: preference, preference };
  return { backend: args.dockerDaemon ? 'docker' : 'process', preference };
}
