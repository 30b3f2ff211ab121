import type { RedisOptions } from 'bullmq';

/** ioredis options for BullMQ from REDIS_URL (redis://host:port/db) or a unix socket path. */
export function redisOptions(target: { url?: string; socketPath?: string }): RedisOptions {
  // BullMQ's blocking commands need retries left to BullMQ itself.
  const base: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true };
  if (target.socketPath) return { ...base, path: target.socketPath };
  const url = new URL(target.url ?? 'redis://127.0.0.1:6379');
  if (url.protocol === 'unix:') return { ...base, path: url.pathname };
  return {
    ...base,
    host: url.hostname || '127.0.0.1',
    port: Number(url.port || 6379),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
