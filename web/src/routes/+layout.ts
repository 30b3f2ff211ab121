import { redirect } from '@sveltejs/kit';
import { requestAuthMode } from '$lib/auth-mode';
import { canvasProjectId, openProjectSocketEarly } from '$lib/canvas/early-socket';
import type { LayoutLoad } from './$types';

// The studio is a client-side app served by the engine: no server rendering, no prerendering.
export const ssr = false;
export const prerender = false;

/** The engine's auth mode and, in multi-user mode, who is signed in; nobody: the sign-in page, coming back here after. */
export const load: LayoutLoad = async ({ url }) => {
  // Going to a canvas: its socket opens now, beside this check and the canvas's code loading, so
  // the graph is here when the canvas mounts. Without a session the engine refuses it, and the
  // redirect below goes to the sign-in page as before.
  const projectId = canvasProjectId(url.pathname);
  if (projectId) openProjectSocketEarly(projectId);
  // The question goes out first; the API client (and the zod schemas it reads answers with) loads
  // while it is answered, not before it is asked.
  const answer = requestAuthMode();
  const { api } = await import('$lib/api');
  const mode = api.authModeOf(await answer);
  if (mode === 'none') {
    // Nothing to sign in to on this engine.
    if (url.pathname === '/signin') redirect(307, '/');
    return { mode, session: null };
  }
  const session = await api.session();
  if (!session && url.pathname !== '/signin') redirect(307, `/signin?next=${encodeURIComponent(url.pathname + url.search)}`);
  return { mode, session };
};
