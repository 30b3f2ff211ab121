/** Generators of hostile HTTP requests: every route, wrong methods, hostile params, bodies and headers. */

const ROUTES = [
  '/api/v1/health',
  '/api/v1/node-types',
  '/api/v1/projects',
  '/api/v1/projects/:id',
  '/api/v1/projects/:id/history',
  '/api/v1/projects/:id/files/*',
  '/api/v1/projects/:id/takes',
  '/api/v1/projects/:id/edl',
  '/api/v1/projects/:id/edl/check',
  '/api/v1/projects/:id/render',
  '/api/v1/pipelines',
  '/api/v1/tasks/generate_shot',
  '/api/v1/tasks/:id',
  '/api/v1/tasks/:id/cancel',
  '/api/v1/workers',
  '/',
  '/projects/x',
  '/api',
  '/ws/x',
];
const METHODS = ['GET', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const PARAMS = ['fuzz', 'no-such-project', '..', '%2e%2e', '%E0%A4%A', '%00', 'a'.repeat(300), '💥', 'con', '__proto__', '%252e', '-', '1e9'];
const FILES = [
  '03_Renders/x.png',
  '../project.json',
  '03_Renders/%2e%2e/.git/config',
  '01_Assets/100%25.png',
  '%',
  '03_Renders/a%2541.png',
  '06_Exports/../../../etc/passwd',
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function junkJson(random: () => number, depth = 0): unknown {
  const r = random();
  if (depth > 3 || r < 0.25) return pick(random, [null, 1, -1, 1e308, 'x', '', '\u202E', '\uD800', true, { __proto__: null }]);
  if (r < 0.5) return Array.from({ length: Math.floor(random() * 3) }, () => junkJson(random, depth + 1));
  const out: Record<string, unknown> = {};
  for (const k of ['name', 'title', 'graph', 'version', 'nodes', 'edges', 'project_id', 'node_id', 'limit', 'skip', 'x'].filter(() => random() < 0.3))
    out[k] = junkJson(random, depth + 1);
  return out;
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export function fuzzRequest(random: () => number, token: string): FuzzRequest {
  const method = pick(random, METHODS);
  let path = pick(random, ROUTES).replace(':id', pick(random, PARAMS)).replace('*', pick(random, FILES));
  if (random() < 0.3)
    path += `?${pick(random, ['limit=-1', 'limit=abc', 'skip=1e99', 'token=%ZZ', 'a=%', `token=${token}`, 'limit=5&limit=6', '__proto__[x]=1'])}`;
  const headers: Record<string, string> = {};
  const auth = random();
  if (auth < 0.7) headers.authorization = `Bearer ${token}`;
  else if (auth < 0.8) headers.cookie = pick(random, ['studio_token=%E0%A4%A', `studio_token=${token}`, 'studio_token=%', 'x=1; studio_token']);
  if (random() < 0.2) headers.range = pick(random, ['bytes=0-', 'bytes=-5', 'bytes=5-1', 'bytes=99999999999999999999-', 'bytes=a-b', 'bytes=0-0,1-1']);
  let body: string | undefined;
  if (method !== 'GET' && method !== 'HEAD' && random() < 0.85) {
    const kind = random();
    headers['content-type'] =
      kind < 0.9
        ? 'application/json'
        : pick(random, ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/json; charset=utf-16']);
    body =
      kind < 0.55
        ? JSON.stringify(junkJson(random))
        : kind < 0.7
          ? '{"name": "Fuzz ' + Math.floor(random() * 1e6) + '"}'
          : kind < 0.8
            ? '{"__proto__": {"polluted": true}, "name": "x"}'
            : kind < 0.88
              ? '{"graph": '.repeat(1 + Math.floor(random() * 3))
              : '['.repeat(Math.floor(random() * 20_000));
  }
  return { method, path, headers, body };
}
