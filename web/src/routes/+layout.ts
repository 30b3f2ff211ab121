import { redirect } from '@sveltejs/kit';
import { api } from '$lib/api';
import type { LayoutLoad } from './$types';

// The studio is a client-side app served by the engine: no server rendering, no prerendering.
export const ssr = false;
export const prerender = false;

/** The engine's auth mode and, in multi-user mode, who is signed in; nobody: the sign-in page, coming back here after. */
export const load: LayoutLoad = async ({ url }) => {
  const mode = await api.authMode();
  if (mode === 'none') {
    // Nothing to sign in to on this engine.
    if (url.pathname === '/signin') redirect(307, '/');
    return { mode, session: null };
  }
  const session = await api.session();
  if (!session && url.pathname !== '/signin') redirect(307, `/signin?next=${encodeURIComponent(url.pathname + url.search)}`);
  return { mode, session };
};
