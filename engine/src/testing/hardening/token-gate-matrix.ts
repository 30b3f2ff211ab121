import type { GatedRoute } from '../../server/token-gate.ts';
import { rawTarget, UPGRADE_HEADERS } from '../raw-http.ts';

/** Spellings of one path that some router or proxy might treat as the same path. */
export function bypassForms(path: string): Array<{ form: string; target: string }> {
  const [first, ...rest] = path.slice(1).split('/');
  const tail = rest.length ? `/${rest.join('/')}` : '';
  const encodeAll = (s: string) => [...s].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
  return [
    { form: 'plain', target: path },
    { form: 'first letter encoded', target: `/%${first!.charCodeAt(0).toString(16)}${first!.slice(1)}${tail}` },
    { form: 'first letter encoded, upper-case hex', target: `/%${first!.charCodeAt(0).toString(16).toUpperCase()}${first!.slice(1)}${tail}` },
    { form: 'every character encoded', target: `/${encodeAll(first!)}/${rest.map(encodeAll).join('/')}` },
    { form: 'double-encoded', target: `/%25${first!.charCodeAt(0).toString(16)}${first!.slice(1)}${tail}` },
    { form: 'absolute-form', target: `http://x${path}` },
    { form: 'absolute-form https, userinfo, port', target: `https://u:p@127.0.0.1:1${path}` },
    { form: 'absolute-form, encoded', target: `http://x/%${first!.charCodeAt(0).toString(16)}${first!.slice(1)}${tail}` },
    { form: 'double slash', target: `/${path}` },
    { form: 'dot segment', target: `/.${path}` },
    { form: 'dot-dot segment', target: `/x/..${path}` },
    { form: 'encoded dot-dot', target: `/x/%2e%2e${path}` },
    { form: 'trailing slash', target: `${path}/` },
    { form: 'empty query', target: `${path}?` },
    { form: 'fragment', target: `${path}#f` },
    { form: 'matrix parameter', target: `${path};a=b` },
    { form: 'upper case', target: path.toUpperCase() },
    { form: 'encoded slashes', target: `/${first}${tail.replace(/\//g, '%2F')}` },
    { form: 'backslashes', target: `/${first}${tail.replace(/\//g, '\\')}` },
    { form: 'null byte', target: `${path}%00` },
    { form: 'token-like query', target: `${path}?token=&token=x` },
  ];
}

/** A concrete path for a route pattern (params filled in). */
export function samplePath(url: string, projectId: string): string {
  return url.replace(':id', projectId).replace('*', '03_Renders/SCENE_01/SHOT_010/x.png');
}

export interface GateProbe {
  method: string;
  route: string;
  form: string;
  status: number;
  /** True when a handler answered without the token: the gate failed. */
  reached: boolean;
}

/** Statuses that show no handler ran: the gate (401), no route at all (404 NOT_FOUND), a URL the router refused (400). */
function refusedBeforeAnyHandler(method: string, status: number, body: string): boolean {
  // HEAD answers carry no body to tell who answered: the status must say it.
  if (method === 'HEAD') return status === 401 || status === 404 || status === 400;
  // No route matched: the web app's page (a GET the router does not know is the single-page app's).
  if (status === 200) return body.trimStart().toLowerCase().startsWith('<!doctype html>');
  if (status === 401) return body.includes('"UNAUTHORIZED"');
  if (status === 404) return body.includes('"NOT_FOUND"') || body.includes('<!doctype html>');
  if (status === 400) return body.includes('FST_ERR_BAD_URL') || body === '';
  return false;
}

/** Every guarded route, every method, every bypass form, without the token. */
export async function probeTokenGate(port: number, routes: readonly GatedRoute[], projectId: string): Promise<GateProbe[]> {
  const probes: GateProbe[] = [];
  for (const route of routes.filter((r) => r.guarded)) {
    for (const { form, target } of bypassForms(samplePath(route.url, projectId))) {
      const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? JSON.stringify({ name: 'Bypass', version: 1, graph: { nodes: [], edges: [] } }) : '';
      const res = await rawTarget(port, route.method, target, body ? { 'content-type': 'application/json' } : {}, body);
      probes.push({ method: route.method, route: route.url, form, status: res.status, reached: !refusedBeforeAnyHandler(route.method, res.status, res.body) });
    }
  }
  return probes;
}

/** The same for WebSocket upgrades to a project: nothing may answer 101 without the token. */
export async function probeUpgradeGate(port: number, projectId: string): Promise<GateProbe[]> {
  const probes: GateProbe[] = [];
  for (const { form, target } of bypassForms(`/ws/${projectId}`)) {
    const res = await rawTarget(port, 'GET', `${target}${target.includes('?') ? '&' : '?'}protocol=1`, UPGRADE_HEADERS);
    probes.push({ method: 'UPGRADE', route: '/ws/:projectId', form, status: res.status, reached: res.status === 101 || res.status === 0 });
  }
  return probes;
}
